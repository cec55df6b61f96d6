"""``Experiment``: an immutable description of a regret experiment, with a content hash.

Decisions
---------
* The hash is the SHA-256 (first 20 hex digits) of a canonical JSON document holding the
  env name and parameters, the learner name and parameters, ``n_steps``, ``root_seed`` and
  ``mdpkit.__version__``. ``n_seeds`` and ``name`` are *not* hashed: seed ``i``'s result
  does not depend on how many seeds are run (its stream is child ``i`` of
  ``SeedSequence(root_seed)``), so the store can extend an experiment from 10 to 20 seeds
  by computing only the 10 new ones; ``name`` is a label.
* Canonical JSON: keys sorted, no whitespace, floats by ``repr`` (round-trip exact, so
  ``0.1`` and ``0.1000000001`` differ), ints and floats distinct (``1`` vs ``1.0``),
  tuples as lists, numpy scalars as Python scalars; NaN/inf refused. Arrays (and a
  :class:`~mdpkit.TabularMDP` or scipy sparse matrix, through their arrays) enter through
  their dtype, shape and the SHA-256 of their C-ordered bytes, so a large model gives a
  short document. Other objects are refused with ``TypeError``: a parameter the hash
  cannot see would make two different experiments share stored results.
* Parameters are deep-copied and deep-frozen at construction, so an experiment cannot
  change after its hash is computed: dicts become read-only dicts, lists read-only lists
  (still ``list`` instances), tuples keep their (frozen) items, arrays become read-only
  copies whose write flag cannot be re-enabled (the arrays of scipy sparse parameters
  too). A value read from ``experiment.learner_params`` and mutated in place therefore
  raises instead of silently running other parameters under the old hash.
* ``algorithm`` (the value of the result's ``algorithm`` column) is ``name`` when given,
  else the learner name.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import numbers
from typing import Any

import numpy as np

from ..utils import check_positive_int
from . import registry

__all__ = ["Experiment", "canonical_json"]

HASH_LENGTH = 20


class _FrozenDict(dict):
    """A read-only dict that pickles (``MappingProxyType`` does not)."""

    def _readonly(self, *a, **k):
        raise TypeError("experiment parameters are immutable")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _readonly

    def __reduce__(self):
        return (_FrozenDict, (dict(self),))

    def __repr__(self):
        return repr(dict(self))

    def __deepcopy__(self, memo):
        return _FrozenDict({k: copy.deepcopy(v, memo) for k, v in self.items()})


class _FrozenList(list):
    """A read-only list (still a ``list``: factories see the type they were given)."""

    def _readonly(self, *a, **k):
        raise TypeError("experiment parameters are immutable")

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _readonly
    append = extend = insert = pop = remove = reverse = sort = clear = _readonly

    def __reduce__(self):
        return (_FrozenList, (list(self),))

    def __repr__(self):
        return repr(list(self))

    def __deepcopy__(self, memo):
        return _FrozenList(copy.deepcopy(v, memo) for v in self)


def _deep_freeze(x):
    """A deep-frozen version of a (deep-copied) parameter value (module docstring)."""
    from ..models.tabular import _frozen_copy

    if isinstance(x, dict):
        return _FrozenDict({k: _deep_freeze(v) for k, v in x.items()})
    if isinstance(x, list):
        return _FrozenList(_deep_freeze(v) for v in x)
    if isinstance(x, tuple):
        return tuple(_deep_freeze(v) for v in x)
    if isinstance(x, np.ndarray):
        return _frozen_copy(x)
    try:
        import scipy.sparse as sp

        if sp.issparse(x):
            for attr in ("data", "indices", "indptr", "row", "col", "offsets"):
                arr = getattr(x, attr, None)
                if isinstance(arr, np.ndarray):
                    setattr(x, attr, _frozen_copy(arr))
    except ImportError:  # pragma: no cover
        pass
    return x


def _array_digest(arr: np.ndarray) -> dict:
    arr = np.ascontiguousarray(arr)
    if arr.dtype.hasobject:
        raise TypeError("object arrays cannot be experiment parameters")
    le = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
    return {
        "dtype": le.dtype.str,
        "shape": list(arr.shape),
        "sha256": hashlib.sha256(le.tobytes()).hexdigest(),
    }


def _canonical(x: Any, path: str) -> Any:
    """A JSON-able, type-tagged version of ``x`` (see the module docstring)."""
    if x is None or isinstance(x, (bool, np.bool_, str)):
        return bool(x) if isinstance(x, np.bool_) else x
    if isinstance(x, numbers.Integral):
        return int(x)
    if isinstance(x, numbers.Real):
        v = float(x)
        if not math.isfinite(v):
            raise ValueError(f"{path} is {v}; parameters must be finite")
        return v
    if isinstance(x, dict):
        out = {}
        for k, v in x.items():
            if not isinstance(k, str):
                raise TypeError(f"{path} keys must be str, got {type(k).__name__}")
            out[k] = _canonical(v, f"{path}[{k!r}]")
        return out
    if isinstance(x, (list, tuple)):
        return [_canonical(v, f"{path}[{i}]") for i, v in enumerate(x)]
    if isinstance(x, np.ndarray):
        if x.dtype.kind == "f" and not np.isfinite(x).all():
            raise ValueError(f"{path} has non-finite entries; parameters must be finite")
        return {"__ndarray__": _array_digest(x)}
    try:
        import scipy.sparse as sp

        if sp.issparse(x):
            c = sp.csr_matrix(x)
            c.sort_indices()
            return {
                "__csr__": {
                    "shape": list(c.shape),
                    "data": _array_digest(c.data),
                    "indices": _array_digest(c.indices.astype(np.int64)),
                    "indptr": _array_digest(c.indptr.astype(np.int64)),
                }
            }
    except ImportError:  # pragma: no cover
        pass
    from ..models.tabular import TabularMDP

    if isinstance(x, TabularMDP):
        return {
            "__TabularMDP__": {
                "P": _canonical(x.P, path + ".P"),
                "R": _canonical(x.R, path + ".R"),
                "mu": _canonical(x.mu, path + ".mu"),
                "gamma": x.gamma,
                "horizon": x.horizon,
            }
        }
    raise TypeError(
        f"{path} has type {type(x).__name__}, which cannot enter an experiment's content "
        "hash; use None, bool, int, float, str, lists/tuples/dicts of these, numpy arrays, "
        "scipy.sparse matrices or TabularMDP"
    )


def canonical_json(obj: Any, path: str = "value") -> str:
    """Canonical JSON text of ``obj`` (sorted keys, no spaces, type-tagged arrays)."""
    return json.dumps(_canonical(obj, path), sort_keys=True, separators=(",", ":"), allow_nan=False)


def _freeze(params, name: str) -> _FrozenDict:
    if params is None:
        return _FrozenDict()
    if not isinstance(params, dict):
        raise TypeError(f"{name} must be a dict, got {type(params).__name__}")
    _canonical(params, name)  # type check before copying
    return _deep_freeze(copy.deepcopy(dict(params)))


class Experiment:
    """Immutable description of a regret experiment.

    Parameters
    ----------
    env : str
        Registered environment name (:func:`~mdpkit.experiments.registry.register_env`).
    learner : str
        Registered learner name (:func:`~mdpkit.experiments.registry.register_learner`).
    n_steps : int >= 1
        Number of episodes K (episodic env) or rounds T (bandit env) per seed.
    n_seeds : int >= 1
        Number of independent runs; run ``i`` uses child ``i`` of
        ``SeedSequence(root_seed)``.
    root_seed : int >= 0, default 0
    env_params, learner_params : dict, optional
        Keyword arguments of the factories (values: see :func:`canonical_json`).
    name : str, optional
        Label; also the value of the result's ``algorithm`` column (default: the learner
        name).

    Attributes
    ----------
    name : str
        ``name`` if given, else ``"<learner>@<env>"``.
    algorithm : str
        ``name`` if given, else ``learner``.
    hash : str
        Content hash (20 hex digits) of the parameters and the mdpkit version; the key of
        the result store. Excludes ``n_seeds`` and ``name`` (module docstring).

    Raises
    ------
    TypeError, ValueError
        Unregistered env/learner name, non-integer or < 1 ``n_steps``/``n_seeds``,
        negative ``root_seed``, parameters that cannot be hashed (non-str keys, NaN, other
        object types).
    """

    __slots__ = (
        "_env",
        "_learner",
        "_n_steps",
        "_n_seeds",
        "_root_seed",
        "_env_params",
        "_learner_params",
        "_name",
        "_hash",
        "_doc",
    )

    def __init__(
        self,
        env: str,
        learner: str,
        n_steps: int,
        n_seeds: int,
        root_seed: int = 0,
        env_params: dict | None = None,
        learner_params: dict | None = None,
        name: str | None = None,
    ):
        registry.get_env(env)
        registry.get_learner(learner)
        n_steps = check_positive_int(n_steps, "n_steps")
        n_seeds = check_positive_int(n_seeds, "n_seeds")
        root_seed = check_positive_int(root_seed, "root_seed", minimum=0)
        if name is not None:
            if not isinstance(name, str):
                raise TypeError(f"name must be a str or None, got {type(name).__name__}")
            if not name.strip():
                raise ValueError("name must not be empty")
        _set_fields(
            self,
            env,
            learner,
            n_steps,
            n_seeds,
            root_seed,
            _freeze(env_params, "env_params"),
            _freeze(learner_params, "learner_params"),
            name,
        )

    def __setattr__(self, key, value):
        raise AttributeError("Experiment is immutable; use .replace(...)")

    __delattr__ = __setattr__

    # pickling (joblib / dask): rebuild through __init__ so the hash is recomputed
    def __reduce__(self):
        return (
            _rebuild,
            (
                self._env,
                self._learner,
                self._n_steps,
                self._n_seeds,
                self._root_seed,
                dict(self._env_params),
                dict(self._learner_params),
                self._name,
            ),
        )

    env = property(lambda self: self._env)
    learner = property(lambda self: self._learner)
    n_steps = property(lambda self: self._n_steps)
    n_seeds = property(lambda self: self._n_seeds)
    root_seed = property(lambda self: self._root_seed)
    env_params = property(lambda self: self._env_params)
    learner_params = property(lambda self: self._learner_params)
    hash = property(lambda self: self._hash)

    @property
    def name(self) -> str:
        return self._name if self._name is not None else f"{self._learner}@{self._env}"

    @property
    def algorithm(self) -> str:
        return self._name if self._name is not None else self._learner

    def description(self) -> dict:
        """JSON-able description: the hashed document plus ``name``, ``n_seeds``, ``hash``."""
        return {
            **copy.deepcopy(self._doc),
            "name": self.name,
            "algorithm": self.algorithm,
            "n_seeds": self._n_seeds,
            "hash": self._hash,
        }

    def replace(self, **changes) -> Experiment:
        """A new experiment with some fields changed (e.g. ``replace(n_seeds=20)``)."""
        fields = dict(
            env=self._env,
            learner=self._learner,
            n_steps=self._n_steps,
            n_seeds=self._n_seeds,
            root_seed=self._root_seed,
            env_params=dict(self._env_params),
            learner_params=dict(self._learner_params),
            name=self._name,
        )
        unknown = set(changes) - set(fields)
        if unknown:
            raise TypeError(f"replace() got unknown fields {sorted(unknown)}")
        fields.update(changes)
        return Experiment(**fields)

    def seed_sequence(self, seed: int) -> np.random.SeedSequence:
        """Child ``seed`` of ``SeedSequence(root_seed)`` (same as ``.spawn(n)[seed]``)."""
        seed = check_positive_int(seed, "seed", minimum=0)
        return np.random.SeedSequence(self._root_seed, spawn_key=(seed,))

    def __eq__(self, other):
        if not isinstance(other, Experiment):
            return NotImplemented
        return (self._hash, self._n_seeds, self._name) == (other._hash, other._n_seeds, other._name)

    def __hash__(self):
        return hash((self._hash, self._n_seeds, self._name))

    def __repr__(self):
        extra = f", name={self._name!r}" if self._name is not None else ""
        return (
            f"Experiment(env={self._env!r}, learner={self._learner!r}, "
            f"n_steps={self._n_steps}, n_seeds={self._n_seeds}, "
            f"root_seed={self._root_seed}{extra}, hash={self._hash!r})"
        )


def _set_fields(obj, env, learner, n_steps, n_seeds, root_seed, env_params, learner_params, name):
    from .. import __version__

    set_ = object.__setattr__
    set_(obj, "_env", env)
    set_(obj, "_learner", learner)
    set_(obj, "_n_steps", n_steps)
    set_(obj, "_n_seeds", n_seeds)
    set_(obj, "_root_seed", root_seed)
    set_(obj, "_env_params", env_params)
    set_(obj, "_learner_params", learner_params)
    set_(obj, "_name", name)
    doc = {
        "env": env,
        "env_params": _canonical(dict(env_params), "env_params"),
        "learner": learner,
        "learner_params": _canonical(dict(learner_params), "learner_params"),
        "n_steps": n_steps,
        "root_seed": root_seed,
        "mdpkit_version": __version__,
    }
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), allow_nan=False)
    set_(obj, "_doc", doc)
    set_(obj, "_hash", hashlib.sha256(text.encode()).hexdigest()[:HASH_LENGTH])


def _rebuild(env, learner, n_steps, n_seeds, root_seed, env_params, learner_params, name):
    # unpickling in a worker: skip the registry check (the worker may not have the
    # caller's registrations; the runner sends the factories themselves)
    obj = Experiment.__new__(Experiment)
    _set_fields(
        obj,
        env,
        learner,
        n_steps,
        n_seeds,
        root_seed,
        _deep_freeze(env_params),
        _deep_freeze(learner_params),
        name,
    )
    return obj
