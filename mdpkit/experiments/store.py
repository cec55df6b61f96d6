"""Result store: one parquet file per (experiment hash, seed), written atomically.

Layout::

    <store>/<experiment.hash>/experiment.json        description (Experiment.description())
    <store>/<experiment.hash>/seed-000007.parquet    long-format rows of seed 7

Decisions
---------
* Atomic writes: a file is written to a temporary name in the *same* directory
  (``.seed-000007.parquet.<pid>.<random>.tmp``), flushed and fsync'ed, then moved into
  place with ``os.replace`` (atomic on POSIX). A process killed at any point (SIGKILL
  included) leaves either no file or a complete one for each seed; it may leave a
  temporary file, which readers ignore and the next :func:`prepare` removes when the
  process that wrote it is gone.
* Only the process calling :func:`mdpkit.experiments.run` writes (workers, local or Dask,
  return data frames), so a remote Dask cluster needs no access to the store directory.
* ``experiment.json`` is informational: the directory name (the hash) is the key.
* The hash covers the parameters and ``mdpkit.__version__``, not the source code: after
  changing a learner or an environment without a version bump, use a new store directory
  (or delete ``<store>/<hash>``), or the old results are read back as they are.
"""
from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path

import pandas as pd

from .experiment import Experiment

__all__ = ["load", "stored_seeds", "experiment_dir", "write_seed", "read_seed", "prepare"]

_SEED_RE = re.compile(r"^seed-(\d{6})\.parquet$")
_TMP_RE = re.compile(r"^\..+\.(\d+)\.[0-9a-f]+\.tmp$")


def _check_store(store) -> Path:
    if not isinstance(store, (str, os.PathLike)):
        raise TypeError(f"store must be a directory path (str or PathLike), got {type(store).__name__}")
    path = Path(store)
    if path.exists() and not path.is_dir():
        raise ValueError(f"store={str(path)!r} exists and is not a directory")
    return path


def _check_experiment(experiment) -> Experiment:
    if not isinstance(experiment, Experiment):
        raise TypeError(f"experiment must be an Experiment, got {type(experiment).__name__}")
    return experiment


def experiment_dir(store, experiment: Experiment) -> Path:
    """Directory holding ``experiment``'s results in ``store``."""
    return _check_store(store) / _check_experiment(experiment).hash


def seed_path(store, experiment: Experiment, seed: int) -> Path:
    return experiment_dir(store, experiment) / f"seed-{seed:06d}.parquet"


def _atomic_write(final: Path, write) -> None:
    tmp = final.with_name(f".{final.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, final)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename durable too (not needed for SIGKILL, cheap)
        dfd = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:  # pragma: no cover - e.g. filesystems without directory fsync
        pass


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - exists, owned by someone else
        return True
    return True


def prepare(store, experiment: Experiment) -> Path:
    """Create the experiment's directory, write ``experiment.json``, drop stale temp files."""
    d = experiment_dir(store, experiment)
    d.mkdir(parents=True, exist_ok=True)
    for p in d.iterdir():
        m = _TMP_RE.match(p.name)
        if m and not _pid_alive(int(m.group(1))):
            try:
                p.unlink()
            except FileNotFoundError:
                pass
    desc = d / "experiment.json"
    if not desc.exists():
        text = json.dumps(experiment.description(), sort_keys=True, indent=1)
        _atomic_write(desc, lambda p: p.write_text(text))
    return d


def stored_seeds(store, experiment: Experiment) -> list[int]:
    """Seeds in ``range(experiment.n_seeds)`` whose results are in ``store``."""
    d = experiment_dir(store, experiment)
    if not d.is_dir():
        return []
    seeds = []
    for p in d.iterdir():
        m = _SEED_RE.match(p.name)
        if m and int(m.group(1)) < experiment.n_seeds:
            seeds.append(int(m.group(1)))
    return sorted(seeds)


def write_seed(store, experiment: Experiment, seed: int, frame: pd.DataFrame) -> Path:
    """Atomically write seed ``seed``'s rows (the directory must exist: :func:`prepare`)."""
    final = seed_path(store, experiment, seed)
    _atomic_write(final, lambda p: frame.to_parquet(p, engine="pyarrow", index=False))
    return final


def read_seed(store, experiment: Experiment, seed: int) -> pd.DataFrame:
    return pd.read_parquet(seed_path(store, experiment, seed), engine="pyarrow")


def load(store, experiment: Experiment, allow_missing: bool = False) -> pd.DataFrame:
    """Stored results of ``experiment`` (seeds ``0..n_seeds-1``, in seed order).

    Parameters
    ----------
    store : str or PathLike
        Store directory given to :func:`mdpkit.experiments.run`.
    experiment : Experiment
    allow_missing : bool, default False
        Return the stored seeds only instead of raising when some are missing.

    Returns
    -------
    DataFrame
        Same columns and dtypes as :func:`~mdpkit.experiments.run` returns.

    Raises
    ------
    FileNotFoundError
        Some seeds are missing (names them) and ``allow_missing`` is False, or none is
        stored.
    """
    _check_experiment(experiment)
    have = stored_seeds(store, experiment)
    missing = sorted(set(range(experiment.n_seeds)) - set(have))
    if missing and not allow_missing:
        shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        raise FileNotFoundError(
            f"store {str(store)!r} lacks {len(missing)} of {experiment.n_seeds} seeds of "
            f"{experiment.name} (hash {experiment.hash}): seeds {shown}; run it with this store"
        )
    if not have:
        raise FileNotFoundError(
            f"store {str(store)!r} holds no seed of {experiment.name} (hash {experiment.hash})")
    from .runner import _concat
    return _concat([read_seed(store, experiment, s) for s in have], experiment)
