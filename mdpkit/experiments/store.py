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
* **Every file is verified before use.** Each seed file carries, in its parquet schema
  metadata (key ``mdpkit``), the experiment hash, the seed index, its row count, its
  column names and a SHA-256 of its data (:func:`frame_digest`). A file that cannot be
  read (truncated, empty, flipped bits the parquet reader notices), lacks that metadata
  (another program, an older mdpkit) or disagrees with it or with the experiment (another
  experiment's or another seed's file, fewer rows, edited values, extra columns) is
  reported by a :class:`StoreIntegrityWarning` naming its path and the reason, and is
  treated as absent: :func:`mdpkit.experiments.run` recomputes the seed and replaces the
  file, :func:`load` reports it missing. It is never used.
* The ``algorithm`` column of a stored frame is set from the *current* experiment when
  read (``name`` is a label, not part of the hash), so rerunning with a new ``name``
  never mixes labels in one frame.
* A directory named like a seed file is an error (``IsADirectoryError`` naming it): it
  cannot be replaced atomically and is not a result.
* Verified frames found by :func:`stored_seeds` are kept until :func:`read_seed` asks
  for them (keyed by the file's inode, size and mtime), so each file is read once.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .experiment import Experiment

__all__ = [
    "load",
    "stored_seeds",
    "experiment_dir",
    "write_seed",
    "read_seed",
    "prepare",
    "frame_digest",
    "verify_seed_file",
    "StoreIntegrityWarning",
]

#: parquet schema-metadata key of a seed file's provenance record
META_KEY = b"mdpkit"
FORMAT_VERSION = 1


class StoreIntegrityWarning(UserWarning):
    """A stored seed file failed verification; it is ignored (and recomputed by ``run``)."""


def frame_digest(frame: pd.DataFrame) -> str:
    """SHA-256 (hex) of a result frame: column names, kinds and values, in order.

    Numeric columns enter through their little-endian bytes (dtype included), text
    columns through their UTF-8 values, so the digest does not depend on how pandas
    chose to represent strings when reading the file back."""
    h = hashlib.sha256()
    h.update(str(len(frame)).encode())
    for name in frame.columns:
        col = frame[name]
        h.update(b"\x00col\x00" + str(name).encode())
        if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
            arr = np.ascontiguousarray(col.to_numpy())
            arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
            h.update(arr.dtype.str.encode())
            h.update(arr.tobytes())
        else:
            h.update(b"text")
            h.update(json.dumps([None if v is None else str(v) for v in col.tolist()]).encode())
    return h.hexdigest()


_SEED_RE = re.compile(r"^seed-(\d{6})\.parquet$")
_TMP_RE = re.compile(r"^\..+\.(\d+)\.[0-9a-f]+\.tmp$")


def _check_store(store) -> Path:
    if not isinstance(store, (str, os.PathLike)):
        raise TypeError(
            f"store must be a directory path (str or PathLike), got {type(store).__name__}"
        )
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


_VERIFIED: dict = {}  # (path, inode, size, mtime_ns) -> verified frame (stored_seeds -> read_seed)
_VERIFIED_MAX = 4096  # frames kept between stored_seeds and read_seed (cleared beyond)


def _stat_key(path: Path):
    st = path.stat()
    return (str(path), st.st_ino, st.st_size, st.st_mtime_ns)


def verify_seed_file(path, experiment: Experiment, seed: int):
    """``(frame, None)`` when ``path`` is a valid result of ``seed`` of ``experiment``,
    else ``(None, reason)``. The frame's ``algorithm`` column is ``experiment.algorithm``.

    Raises ``IsADirectoryError`` when ``path`` is a directory."""
    import pyarrow.parquet as pq

    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(
            f"{path} is a directory where the result file of seed {seed} belongs; "
            "remove or rename it"
        )
    try:
        table = pq.read_table(path)
    except Exception as exc:  # any failure to parse the file makes it unusable
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return None, f"unreadable ({type(exc).__name__}: {first[:200]})"
    try:
        meta = _record(table)
        if meta is None:
            return None, "no mdpkit provenance record (not written by this version of the store)"
        want = {
            "format": FORMAT_VERSION,
            "experiment_hash": experiment.hash,
            "seed": int(seed),
            "n_rows": experiment.n_steps,
        }
        for key, value in want.items():
            if meta.get(key) != value:
                return None, f"{key} is {meta.get(key)!r} in the file, expected {value!r}"
        if table.num_rows != meta["n_rows"]:
            return None, f"holds {table.num_rows} rows, its record says {meta['n_rows']}"
        if list(table.column_names) != list(meta["columns"]):
            return None, (
                f"columns {list(table.column_names)} differ from its record {list(meta['columns'])}"
            )
        frame = table.to_pandas()
        digest = frame_digest(frame)
        if digest != meta["sha256"]:
            return None, "data checksum mismatch (values changed after writing)"
    except Exception as exc:  # malformed record or undecodable data
        return None, f"invalid provenance record or data ({type(exc).__name__}: {exc})"
    frame["algorithm"] = np.full(len(frame), experiment.algorithm, dtype=object)
    frame["algorithm"] = frame["algorithm"].astype(str)
    return frame, None


def _record(table):
    """The provenance record stored by :func:`write_seed`, or None."""
    raw = (table.schema.metadata or {}).get(b"PANDAS_ATTRS")
    if raw is None:
        return None
    rec = json.loads(raw).get(META_KEY.decode())
    return rec if isinstance(rec, dict) else None


def _report(path: Path, experiment: Experiment, seed: int, reason: str, stacklevel=3):
    warnings.warn(
        f"store: {path} is not a valid result of seed {seed} of {experiment.name} "
        f"(hash {experiment.hash}): {reason}; ignored, the seed will be recomputed by run()",
        StoreIntegrityWarning,
        stacklevel=stacklevel,
    )


def stored_seeds(store, experiment: Experiment) -> list[int]:
    """Seeds in ``range(experiment.n_seeds)`` whose results are in ``store`` and verified.

    Each candidate file is read and verified (module docstring); a file that fails is
    reported by a :class:`StoreIntegrityWarning` naming its path, and left out.

    Raises
    ------
    IsADirectoryError
        A directory is named like one of the experiment's seed files.
    """
    d = experiment_dir(store, experiment)
    if not d.is_dir():
        return []
    seeds = []
    for p in sorted(d.iterdir()):
        m = _SEED_RE.match(p.name)
        if not (m and int(m.group(1)) < experiment.n_seeds):
            continue
        seed = int(m.group(1))
        try:
            key = _stat_key(p)
        except FileNotFoundError:  # replaced or removed meanwhile
            continue
        frame, reason = verify_seed_file(p, experiment, seed)
        if frame is None:
            _report(p, experiment, seed, reason)
            continue
        if len(_VERIFIED) >= _VERIFIED_MAX:
            _VERIFIED.clear()
        _VERIFIED[key] = frame
        seeds.append(seed)
    return sorted(seeds)


def write_seed(store, experiment: Experiment, seed: int, frame: pd.DataFrame) -> Path:
    """Atomically write seed ``seed``'s rows with their provenance record (the directory
    must exist: :func:`prepare`)."""
    final = seed_path(store, experiment, seed)
    if final.is_dir():
        raise IsADirectoryError(
            f"{final} is a directory where the result file of seed {seed} belongs; "
            "remove or rename it"
        )
    meta = {
        "format": FORMAT_VERSION,
        "experiment_hash": experiment.hash,
        "seed": int(seed),
        "n_rows": int(len(frame)),
        "columns": [str(c) for c in frame.columns],
        "sha256": frame_digest(frame),
    }
    # pandas (>= 2.1) stores ``attrs`` as JSON in the parquet schema metadata
    # (key PANDAS_ATTRS); the record travels there, read back by _record()
    # (set on the caller's frame for the write only, then restored)
    saved = frame.attrs
    frame.attrs = {META_KEY.decode(): meta}
    try:
        _atomic_write(final, lambda p: frame.to_parquet(p, engine="pyarrow", index=False))
    finally:
        frame.attrs = saved
    return final


def read_seed(store, experiment: Experiment, seed: int) -> pd.DataFrame:
    """Verified rows of seed ``seed`` (labelled with ``experiment.algorithm``).

    Raises
    ------
    ValueError
        The file fails verification (the message names it and says why).
    FileNotFoundError
        No such file.
    """
    path = seed_path(store, experiment, seed)
    key = _stat_key(path)
    frame = _VERIFIED.pop(key, None)
    if frame is not None:
        return frame
    frame, reason = verify_seed_file(path, experiment, seed)
    if frame is None:
        raise ValueError(
            f"store: {path} is not a valid result of seed {seed} of "
            f"{experiment.name} (hash {experiment.hash}): {reason}"
        )
    return frame


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
            f"store {str(store)!r} holds no seed of {experiment.name} (hash {experiment.hash})"
        )
    from .runner import _concat

    return _concat([read_seed(store, experiment, s) for s in have], experiment)
