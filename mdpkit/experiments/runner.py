r"""The runner: ``run(experiment, n_jobs=1, scheduler=None, store=None) -> DataFrame``.

mdpkit owns the interaction loop so that regret is computed the same exact way for every
algorithm (``docs/ARCHITECTURE.md``, "Experiments"; call orders in
:mod:`mdpkit.algorithms.base`).

Per seed ``i`` (``0 <= i < n_seeds``):

1. ``child = SeedSequence(root_seed).spawn(n_seeds)[i]`` (computed directly as
   ``SeedSequence(root_seed, spawn_key=(i,))``, the same object), then
   ``env_seq, learner_seq = child.spawn(2)``;
2. ``env = env_factory(Generator(PCG64(env_seq)), **env_params)``;
   ``learner = learner_factory(env.env_info() | {"n_steps": K}, Generator(PCG64(learner_seq)),
   **learner_params)``;
3. :func:`interact` plays the K steps: if the learner's switch ``learner.fast`` is true and
   it has a callable ``fast_run``, ``fast_run(env, K, env.rng)`` gives the columns;
   otherwise the generic loop runs, episode by episode (regret
   ``env.optimal_value - env.policy_value(pi_k)``) or round by round (regret
   ``env.pseudo_regret(a_t)``, asked before ``env.pull(a_t)``). Both paths give the same
   columns and numbers for every registered learner (``tests/test_fast_equals_generic.py``);
4. env-side columns: if the env has a method ``extra_columns(cols)``, it is called once on
   the finished run's columns (both paths; ``cols`` = ``{"regret", "reward", <learner
   columns>}``, arrays of shape (K,)) and its dict of (K,) arrays is appended (e.g. the
   tallying env's CPR columns). Its keys must not clash with the runner's or the learner's.

Result: a long DataFrame, one row per (seed, k), seeds in increasing order, columns
``algorithm`` (str, :attr:`Experiment.algorithm`), ``seed`` (int64), ``k`` (int64, from 1),
``regret`` (float64, that episode's / round's pseudo-regret), ``cum_regret`` (float64,
``numpy.cumsum`` of ``regret`` within the seed), ``reward`` (float64, realised reward of the
episode, i.e. the sum of its H rewards, or of the round), then the learner's ``info()``
columns (float64) in order of first appearance, then the env's ``extra_columns`` (float64).

Determinism: a seed's rows depend only on (experiment, seed); workers return data frames
and the calling process assembles them in seed order, so ``n_jobs=1``, ``n_jobs=2``
(joblib/loky processes) and a Dask cluster give bit-identical frames (tested).

Decisions
---------
* ``scheduler`` (Dask) and ``n_jobs != 1`` together raise ``ValueError``: on a cluster the
  workers set the parallelism, and silently ignoring ``n_jobs`` would hide a mistake.
  ``n_jobs=-1`` means all cores (joblib's convention).
* Factories are looked up in the calling process and shipped to the workers with the task
  (by cloudpickle), so learners registered in a script or a test also run on workers.
* The runner checks each action against the committed policy and raises ``RuntimeError``
  on a mismatch, and refuses ``info()`` keys that clash with its own columns.
* Progress: a tqdm bar over seeds; ``progress=None`` shows it only on a terminal
  (tqdm's ``disable=None``).
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from ..algorithms.base import RESERVED_COLUMNS, PolicyMixture
from . import registry
from . import store as _store
from .experiment import Experiment

__all__ = ["run", "run_seed", "interact", "uses_fast_path"]


# ----------------------------------------------------------------------------- one seed
def _streams(experiment: Experiment, seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    child = experiment.seed_sequence(seed)
    env_seq, learner_seq = child.spawn(2)
    return np.random.default_rng(env_seq), np.random.default_rng(learner_seq)


def _action(a, n: int, who: str) -> int:
    try:
        a = operator.index(a)
    except TypeError:
        raise TypeError(
            f"{who} returned an action of type {type(a).__name__}, not an integer"
        ) from None
    if not 0 <= a < n:
        raise ValueError(f"{who} returned action {a}, outside [0, {n})")
    return a


def _collect_info(learner, rows: list, k: int, extra: dict | None = None) -> None:
    info = learner.info() if hasattr(learner, "info") else None
    if extra:
        info = {**(info or {}), **extra}
    if info:
        if not isinstance(info, dict):
            raise TypeError(
                f"{type(learner).__name__}.info() must return a dict, got {type(info).__name__}"
            )
        rows.append((k, info))


def _info_columns(rows: list, K: int, learner) -> dict[str, np.ndarray]:
    cols: dict[str, np.ndarray] = {}
    for k, info in rows:
        for key, value in info.items():
            if key not in cols:
                if not isinstance(key, str):
                    raise TypeError(
                        f"{type(learner).__name__}.info() keys must be str, got {key!r}"
                    )
                if key in RESERVED_COLUMNS:
                    raise ValueError(
                        f"{type(learner).__name__}.info() key {key!r} clashes with a runner column "
                        f"{RESERVED_COLUMNS}"
                    )
                cols[key] = np.full(K, np.nan)
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
                raise TypeError(
                    f"{type(learner).__name__}.info()[{key!r}] must be a real number, got "
                    f"{type(value).__name__}"
                )
            cols[key][k] = float(value)
    return cols


def _episodic_loop(env, learner, K: int):
    H, A = env.H, env.A
    regret = np.empty(K)
    reward = np.empty(K)
    rows: list = []
    v_star = env.optimal_value
    name = type(learner).__name__
    evaluation = getattr(learner, "evaluation_columns", None)
    for k in range(K):
        committed = learner.begin_episode()
        if committed is None:
            raise TypeError(
                f"{name}.begin_episode() must return the policy committed for the episode"
            )
        if isinstance(committed, PolicyMixture):
            value = 0.0
            for i, (w, p) in enumerate(zip(committed.weights, committed.policies)):
                v = env.policy_value(np.array(p))
                value = w * v if i == 0 else value + w * v
            pi = np.array(committed.policies[committed.played])
        else:
            pi = np.array(committed)  # a copy: later changes to the learner's array cannot leak in
            value = env.policy_value(pi)
        regret[k] = v_star - value
        deterministic = pi.dtype.kind in "iu"
        stationary = pi.ndim == (1 if deterministic else 2)
        s = env.reset()
        total = 0.0
        for h in range(H):
            a = _action(learner.act(h, s), A, f"{name}.act({h}, {s})")
            if deterministic:
                ok = (pi[s] if stationary else pi[h, s]) == a
            else:
                ok = (pi[s, a] if stationary else pi[h, s, a]) > 0
            if not ok:
                raise RuntimeError(
                    f"{name}.act({h}, {s}) returned action {a}, which the policy committed by "
                    f"begin_episode() does not take at (h={h}, s={s}) in episode {k + 1}; the "
                    "regret would be wrong"
                )
            r, s2 = env.step(h, s, a)
            learner.update(h, s, a, r, s2)
            total += r
            s = s2
        if hasattr(learner, "end_episode"):
            learner.end_episode()
        reward[k] = total
        extra = evaluation(env, value) if evaluation is not None else None
        _collect_info(learner, rows, k, extra)
    return regret, reward, rows


def _bandit_loop(env, learner, T: int):
    regret = np.empty(T)
    reward = np.empty(T)
    rows: list = []
    n = env.n_actions
    name = type(learner).__name__
    vectors = bool(getattr(env, "accepts_action_vectors", False))
    for t in range(T):
        a = learner.act()
        if vectors and isinstance(a, np.ndarray) and a.ndim == 1:
            a = a.copy()  # an action vector (e.g. a DLB budget allocation); the env checks it
        else:
            a = _action(a, n, f"{name}.act()")
        regret[t] = env.pseudo_regret(a)  # asked every round: a non-stationary env may vary it
        r = env.pull(a)
        learner.update(a, r)
        reward[t] = r
        _collect_info(learner, rows, t)
    return regret, reward, rows


def _continuing_interact(env, learner, T: int) -> dict[str, np.ndarray]:
    """Continuing env (``kind="continuing"``): T steps from ``s_0 = env.reset()``, never
    reset again. Columns: the env's oracle columns (``env.oracle_columns(reward,
    mean_reward)``: ``regret`` = g* - r_t, ``pseudo_regret``, and for a discounted model
    ``discounted_reward``, ``v_star_s0``; :mod:`mdpkit.envs.continuing`), ``reward``, then
    the learner's columns. The fast path returns the same columns (it calls the same
    ``env.oracle_columns``)."""
    if uses_fast_path(learner):
        return _check_fast_output(learner.fast_run(env, T, env.rng), T, learner)
    A = env.A
    name = type(learner).__name__
    reward = np.empty(T)
    mean = np.empty(T)
    rows: list = []
    s = env.reset()
    for t in range(T):
        a = _action(learner.act(s), A, f"{name}.act({s})")
        mean[t] = env.mean_reward(s, a)
        r, s2 = env.step(s, a)
        learner.update(s, a, r, s2)
        reward[t] = r
        _collect_info(learner, rows, t)
        s = s2
    out = env.oracle_columns(reward, mean)
    out = {"regret": out.pop("regret"), "reward": reward, **out}
    out.update(_info_columns(rows, T, learner))
    return out


def _check_fast_output(out, K: int, learner) -> dict[str, np.ndarray]:
    name = type(learner).__name__
    if not isinstance(out, dict):
        raise TypeError(f"{name}.fast_run must return a dict of arrays, got {type(out).__name__}")
    for key in ("regret", "reward"):
        if key not in out:
            raise ValueError(f"{name}.fast_run result lacks the {key!r} column")
    cols = {}
    for key, value in out.items():
        if key in RESERVED_COLUMNS and key not in ("regret", "reward"):
            raise ValueError(f"{name}.fast_run column {key!r} clashes with a runner column")
        arr = np.asarray(value, dtype=np.float64)
        if arr.shape != (K,):
            raise ValueError(
                f"{name}.fast_run column {key!r} has shape {arr.shape}, expected ({K},)"
            )
        cols[key] = arr
    return cols


def uses_fast_path(learner) -> bool:
    """True iff the runner plays ``learner`` through its compiled ``fast_run``.

    The switch is the learner's attribute ``fast`` (every learner factory takes a keyword
    ``fast: bool = True`` and stores it): ``fast`` true and a callable ``fast_run`` select the
    fast path; anything else selects the generic act/update loop.
    """
    return bool(getattr(learner, "fast", False)) and callable(getattr(learner, "fast_run", None))


def interact(
    env, learner, n_steps: int, rng: np.random.Generator | None = None
) -> dict[str, np.ndarray]:
    """Play ``n_steps`` episodes (episodic env) or rounds (bandit env): the runner's own loop.

    Parameters
    ----------
    env : episodic, bandit or continuing environment (``env.kind`` in {"episodic", "bandit",
        "continuing"}; a continuing env plays ``n_steps`` steps without reset and gives
        its oracle columns, see :func:`_continuing_interact`)
        Fresh, as built by its factory; its stream ``env.rng`` drives every draw of the
        environment.
    learner : EpisodicLearner or BanditLearner
        Built for this env (``factory(env.env_info() | {"n_steps": n_steps}, rng)``).
    n_steps : int >= 1
        K episodes or T rounds.
    rng : Generator, optional
        The environment's stream; it must be ``env.rng`` (the default): the generic loop
        draws through the env itself, so a different stream would make the two paths differ.

    Returns
    -------
    dict[str, ndarray]
        ``"regret"`` (n_steps,) exact per-episode regret / per-round pseudo-regret,
        ``"reward"`` (n_steps,) realised reward, then the learner's extra columns (its
        ``info()`` keys, or the extra keys of ``fast_run``), then the env's
        ``extra_columns`` if it has that method, all float64 of shape (n_steps,).
        The fast path (:func:`uses_fast_path`) and the generic loop return the same keys.

    Raises
    ------
    TypeError, ValueError
        Bad arguments, a learner or env violating its protocol.
    RuntimeError
        An episodic learner acting against the policy it committed to.
    """
    if isinstance(n_steps, (bool, np.bool_)) or not isinstance(n_steps, numbers.Integral):
        raise TypeError(f"n_steps must be an integer, got {type(n_steps).__name__}")
    if n_steps < 1:
        raise ValueError(f"n_steps must be >= 1, got {n_steps}")
    K = int(n_steps)
    kind = getattr(env, "kind", None)
    if kind not in ("episodic", "bandit", "continuing"):
        raise TypeError(f"env has kind={kind!r}; expected 'episodic', 'bandit' or 'continuing'")
    env_rng = getattr(env, "rng", None)
    if rng is not None and rng is not env_rng:
        raise ValueError(
            "rng must be the environment's own stream env.rng (or None): the "
            "generic loop draws through the env"
        )
    if kind == "continuing":
        return _env_columns(env, _continuing_interact(env, learner, K), K)
    if uses_fast_path(learner):
        cols = _check_fast_output(learner.fast_run(env, K, env_rng), K, learner)
        return _env_columns(env, cols, K)
    loop = _episodic_loop if kind == "episodic" else _bandit_loop
    regret, reward, rows = loop(env, learner, K)
    out = {"regret": regret, "reward": reward}
    out.update(_info_columns(rows, K, learner))
    return _env_columns(env, out, K)


def _env_columns(env, cols: dict, K: int) -> dict[str, np.ndarray]:
    """Append the env's optional ``extra_columns(cols)`` (module docstring, step 4)."""
    hook = getattr(env, "extra_columns", None)
    if hook is None:
        return cols
    name = type(env).__name__
    extra = hook({k: v.copy() for k, v in cols.items()})
    if not isinstance(extra, dict):
        raise TypeError(
            f"{name}.extra_columns must return a dict of arrays, got {type(extra).__name__}"
        )
    for key, value in extra.items():
        if key in RESERVED_COLUMNS or key in cols:
            raise ValueError(
                f"{name}.extra_columns column {key!r} clashes with a runner or learner column"
            )
        arr = np.asarray(value, dtype=np.float64)
        if arr.shape != (K,):
            raise ValueError(
                f"{name}.extra_columns column {key!r} has shape {arr.shape}, expected ({K},)"
            )
        cols[key] = arr
    return cols


def _frame(experiment: Experiment, seed: int, regret, reward, info: dict) -> pd.DataFrame:
    K = experiment.n_steps
    data = {
        "algorithm": np.full(K, experiment.algorithm, dtype=object),
        "seed": np.full(K, seed, dtype=np.int64),
        "k": np.arange(1, K + 1, dtype=np.int64),
        "regret": np.asarray(regret, dtype=np.float64),
        "cum_regret": np.cumsum(regret, dtype=np.float64),
        "reward": np.asarray(reward, dtype=np.float64),
    }
    for key, col in info.items():
        data[key] = np.asarray(col, dtype=np.float64)
    frame = pd.DataFrame(data)
    frame["algorithm"] = frame["algorithm"].astype(str)
    return frame


def run_seed(
    experiment: Experiment,
    seed: int,
    env_factory: Callable | None = None,
    learner_factory: Callable | None = None,
) -> pd.DataFrame:
    """Rows of one seed (see the module docstring); factories default to the registries."""
    if not isinstance(experiment, Experiment):
        raise TypeError(f"experiment must be an Experiment, got {type(experiment).__name__}")
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    if not 0 <= seed < experiment.n_seeds:
        raise ValueError(f"seed must be in [0, n_seeds={experiment.n_seeds}), got {seed}")
    env_factory = env_factory or registry.get_env(experiment.env)
    learner_factory = learner_factory or registry.get_learner(experiment.learner)
    env_rng, learner_rng = _streams(experiment, int(seed))
    env = env_factory(env_rng, **experiment.env_params)
    kind = getattr(env, "kind", None)
    if kind == "latent-episodic":  # history-dependent policies, context revealed after the episode
        from ..envs.latent import run_latent_seed

        return _frame(
            experiment,
            int(seed),
            *run_latent_seed(
                env, learner_factory, experiment.learner_params, experiment.n_steps, learner_rng
            ),
        )
    if kind not in ("episodic", "bandit", "continuing"):
        raise TypeError(
            f"env {experiment.env!r} built an object with kind={kind!r}; "
            "expected 'episodic', 'bandit' or 'continuing'"
        )
    K = experiment.n_steps
    env_info = dict(env.env_info())
    env_info["n_steps"] = K
    learner = learner_factory(env_info, learner_rng, **experiment.learner_params)
    needed = ("begin_episode", "act", "update") if kind == "episodic" else ("act", "update")
    lacking = [m for m in needed if not callable(getattr(learner, m, None))]
    if lacking:
        raise TypeError(
            f"learner {experiment.learner!r} ({type(learner).__name__}) lacks {lacking} needed "
            f"for a {kind} env {experiment.env!r}"
        )
    cols = interact(env, learner, K)
    regret, reward = cols.pop("regret"), cols.pop("reward")
    return _frame(experiment, int(seed), regret, reward, cols)


def _task(experiment, seed, env_factory, learner_factory):
    return seed, run_seed(experiment, seed, env_factory, learner_factory)


# ----------------------------------------------------------------------------- many seeds
def _concat(frames: list[pd.DataFrame], experiment: Experiment) -> pd.DataFrame:
    out = (
        pd.concat(frames, ignore_index=True)
        if len(frames) > 1
        else frames[0].reset_index(drop=True)
    )
    out.attrs = {"experiment": experiment.name, "hash": experiment.hash}
    return out


def _serial(experiment, seeds, ef, lf) -> Iterator:
    for s in seeds:
        yield _task(experiment, s, ef, lf)


def _joblib(experiment, seeds, ef, lf, n_jobs) -> Iterator:
    import joblib
    from joblib import Parallel, delayed

    # results are keyed by seed, so arrival order never changes them; joblib < 1.4 lacks
    # "generator_unordered" and yields in submission order instead
    major, minor = (int(x) for x in joblib.__version__.split(".")[:2])
    order = "generator_unordered" if (major, minor) >= (1, 4) else "generator"
    par = Parallel(n_jobs=n_jobs, return_as=order)
    yield from par(delayed(_task)(experiment, s, ef, lf) for s in seeds)


#: seconds allowed to connect to a Dask scheduler given by address (and get its answer)
SCHEDULER_TIMEOUT = 20.0


def _probe_scheduler(address: str, timeout: float) -> None:
    """Ask the scheduler at ``address`` for its identity, within ``timeout`` seconds in all
    (connection, handshake and reply); raises ``TimeoutError``/``OSError`` otherwise. Runs
    its own event loop in a helper thread, so it also works under a running loop (Jupyter)."""
    import asyncio
    import threading

    from distributed.comm import connect

    async def probe():
        comm = await connect(address, timeout=timeout)
        try:
            await comm.write({"op": "identity", "reply": True})
            await comm.read()
        finally:
            comm.abort()

    outcome: list = []

    def target():
        try:
            asyncio.run(asyncio.wait_for(probe(), timeout))
            outcome.append(None)
        except BaseException as exc:  # reported to the caller below
            outcome.append(exc)

    th = threading.Thread(target=target, daemon=True, name="mdpkit-scheduler-probe")
    th.start()
    th.join(timeout + 5.0)
    if not outcome:
        raise TimeoutError("no reply")
    if outcome[0] is not None:
        raise outcome[0]


def connect_scheduler(address: str, timeout: float = SCHEDULER_TIMEOUT):
    """``distributed.Client(address)``, or a one-line ``TimeoutError`` naming the address
    when the scheduler does not accept and answer within ``timeout`` seconds (a peer that
    accepts the connection but never replies would otherwise hang for minutes)."""
    from distributed import Client

    try:
        _probe_scheduler(address, timeout)
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError, asyncio_timeout_errors()) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TimeoutError(
            f"scheduler={address!r}: no answer from a Dask scheduler within {timeout:g} s "
            f"({first[:160]})"
        ) from None


def asyncio_timeout_errors():
    import asyncio

    return asyncio.TimeoutError


def _dask(experiment, seeds, ef, lf, scheduler) -> Iterator:
    from distributed import as_completed

    own = isinstance(scheduler, str)
    client = connect_scheduler(scheduler) if own else scheduler
    futures = []
    try:
        futures = [client.submit(_task, experiment, s, ef, lf, pure=False) for s in seeds]
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        for fut in futures:
            fut.cancel()
        if own:
            client.close()


def _cpu_count() -> int:
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _check_jobs(n_jobs, scheduler, n_seeds: int | None = None) -> int:
    """Validated number of local processes, capped at the CPU count and at ``n_seeds``
    (more processes than seeds or cores only cost start-up time and memory); asking for
    more than the cap gives a ``RuntimeWarning`` note saying so. ``-1`` = all cores."""
    if isinstance(n_jobs, (bool, np.bool_)) or not isinstance(n_jobs, numbers.Integral):
        raise TypeError(f"n_jobs must be an integer, got {type(n_jobs).__name__}")
    if not (n_jobs >= 1 or n_jobs == -1):
        raise ValueError(f"n_jobs must be >= 1, or -1 for all cores, got {n_jobs}")
    if scheduler is None and n_jobs != 1:
        cpus = _cpu_count()
        cap = cpus if n_seeds is None else max(1, min(cpus, int(n_seeds)))
        if n_jobs == -1:
            n_jobs = cap
        elif n_jobs > cap:
            import warnings

            why = f"{cpus} CPU(s)" + ("" if n_seeds is None else f", {n_seeds} seed(s)")
            warnings.warn(f"n_jobs={n_jobs} capped at {cap} ({why})", RuntimeWarning, stacklevel=3)
            n_jobs = cap
    if scheduler is not None:
        if not isinstance(scheduler, str):
            try:
                from distributed import Client
            except ImportError:  # pragma: no cover
                Client = ()
            if not isinstance(scheduler, Client):
                raise TypeError(
                    "scheduler must be a Dask scheduler address (str) or a distributed.Client, "
                    f"got {type(scheduler).__name__}"
                )
        if n_jobs != 1:
            raise ValueError(
                f"give either n_jobs (local processes) or scheduler (Dask), not both; got "
                f"n_jobs={n_jobs} with a scheduler"
            )
    return int(n_jobs)


def run(
    experiment: Experiment,
    n_jobs: int = 1,
    scheduler: Any = None,
    store=None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Run every seed of ``experiment`` and return the long-format results.

    Parameters
    ----------
    experiment : Experiment
    n_jobs : int, default 1
        Local worker processes (joblib/loky); 1 runs in this process; -1 = all cores.
    scheduler : str or distributed.Client, optional
        Run the seeds on a Dask cluster (address like ``"tcp://host:8786"``, or a Client).
        Exclusive with ``n_jobs != 1``.
    store : str or PathLike, optional
        Result store directory (:mod:`mdpkit.experiments.store`): seeds already stored are
        read, not recomputed; each new seed is written atomically as soon as it finishes.
    progress : bool or None, default None
        tqdm bar over seeds; None = only when stderr is a terminal.

    Returns
    -------
    DataFrame
        Columns ``algorithm, seed, k, regret, cum_regret, reward`` and the learner's
        ``info()`` columns; ``n_seeds * n_steps`` rows ordered by (seed, k); ``attrs``
        holds the experiment name and hash.

    Raises
    ------
    TypeError, ValueError
        Bad arguments (named), a learner/env violating its protocol.
    RuntimeError
        A learner acting against the policy it committed to.
    """
    if not isinstance(experiment, Experiment):
        raise TypeError(f"experiment must be an Experiment, got {type(experiment).__name__}")
    n_jobs = _check_jobs(n_jobs, scheduler, experiment.n_seeds)
    if progress is not None and not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be a bool or None, got {type(progress).__name__}")
    ef = registry.get_env(experiment.env)
    lf = registry.get_learner(experiment.learner)
    frames: dict[int, pd.DataFrame] = {}
    todo = list(range(experiment.n_seeds))
    if store is not None:
        _store.prepare(store, experiment)
        have = set(_store.stored_seeds(store, experiment))
        todo = [s for s in todo if s not in have]
    if scheduler is not None:
        it: Iterator = _dask(experiment, todo, ef, lf, scheduler)
    elif n_jobs != 1 and len(todo) > 1:
        it = _joblib(experiment, todo, ef, lf, n_jobs)
    else:
        it = _serial(experiment, todo, ef, lf)
    if todo:
        from tqdm.auto import tqdm

        disable = None if progress is None else not progress
        try:
            with tqdm(
                total=len(todo), desc=experiment.name, unit="seed", disable=disable, leave=False
            ) as bar:
                for seed, frame in it:
                    if store is not None:
                        _store.write_seed(store, experiment, seed, frame)
                    frames[seed] = frame
                    bar.update(1)
        finally:  # on an error or interrupt: cancel the remaining tasks, close a Dask client
            it.close()
    if store is not None:
        for s in range(experiment.n_seeds):
            if s not in frames:
                frames[s] = _store.read_seed(store, experiment, s)
    return _concat([frames[s] for s in range(experiment.n_seeds)], experiment)
