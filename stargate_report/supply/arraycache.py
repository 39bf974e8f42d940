"""An on-disk cache of derived arrays (the least-cost LP solutions), keyed by a content hash of their inputs.

A least-cost 24/7 mix is the solution of a linear programme (5-10 s with HiGHS); it changes only when one
of its inputs does, so each result is kept as a ``.npz`` file named after a SHA-256 of:

* the caller's key (the region's row, the capacity factors it is calibrated to, ...),
* the source code of the module that derives it,
* the versions of stargate-report, numpy, pandas, linopy and highspy.

Any change to one of these gives a new name, so a stale array is never read; a file that cannot be read
is derived again. Files are written aside and renamed into place, so runs side by side (a sweep's
workers) never see half a file; while one process derives a file, the others that need it wait for it
(an advisory lock beside it) instead of deriving it too.

Where: ``$STARGATE_REPORT_CACHE_DIR`` if set (empty turns the cache off), else
``$XDG_CACHE_HOME/stargate-report``, else ``~/.cache/stargate-report``. Deleting the folder is always
safe. A folder that cannot be written only costs the time to derive the arrays again.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from stargate_report.catalog.files import package_hash

ENV_VAR = "STARGATE_REPORT_CACHE_DIR"
#: the libraries whose versions are part of every key (their models and data shape the arrays)
KEY_LIBRARIES = ("stargate-report", "numpy", "pandas", "linopy", "highspy")


def cache_dir() -> Path | None:
    """The cache folder, or ``None`` when ``$STARGATE_REPORT_CACHE_DIR`` is set to an empty value."""
    env = os.environ.get(ENV_VAR)
    if env is not None:
        return Path(env).expanduser() if env.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "stargate-report"


@functools.cache
def _library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version  # only when a cache file is written or keyed

    out = {}
    for name in KEY_LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "-"
    return out


def cache_key(kind: str, key: dict) -> str:
    """SHA-256 of ``key`` (JSON), the package's content hash (every code and data file: a change anywhere a
    cached array may derive from, code or costs, makes a new key) and the libraries' versions."""
    doc = {"kind": kind, "key": key, "package": package_hash(), "versions": _library_versions()}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def is_cached(kind: str, key: dict) -> bool:
    """Whether :func:`cached_arrays` with these arguments would read a file (no derivation needed)."""
    folder = cache_dir()
    return folder is not None and (folder / f"{kind}-{cache_key(kind, key)[:32]}.npz").is_file()


def cached_arrays(kind: str, key: dict, derive: Callable[[], dict[str, np.ndarray | None]]) -> dict[str, np.ndarray | None]:
    """The arrays ``derive()`` returns, read from the cache when the same inputs were derived before.

    Parameters
    ----------
    kind : str
        What the arrays are (part of the file name), e.g. ``"region-profiles"``.
    key : dict
        Every input of ``derive`` that is not in the package's files or a library: JSON-serialisable.
    derive : callable
        Returns ``{name: array or None}``; ``None`` entries are kept as ``None``.

    Returns
    -------
    dict
        ``{name: array or None}``, the same on a hit as ``derive()`` would return (bit for bit).
    """
    folder = cache_dir()
    if folder is None:
        return derive()
    path = folder / f"{kind}-{cache_key(kind, key)[:32]}.npz"
    found = _read(path)
    if found is not None:
        return found
    # one process derives, the others wait for its file (a sweep's workers start on the same inputs)
    with _exclusive(path.with_suffix(".lock")):
        found = _read(path)
        if found is not None:
            return found
        arrays = derive()
        _write(path, arrays)
    return arrays


def _read(path: Path) -> dict[str, np.ndarray | None] | None:
    try:
        with np.load(path, allow_pickle=False) as npz:
            names = [str(n) for n in npz["__names__"]]
            return {n: (npz[n] if n in npz.files else None) for n in names}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):  # missing, unreadable, cut short
        return None


@contextlib.contextmanager
def _exclusive(lock_path: Path):
    """An advisory lock on ``lock_path`` (``flock``; the system drops it if its holder dies). Where no
    lock can be had (no ``fcntl``, a folder that cannot be written), each process derives on its own."""
    try:
        import fcntl  # only when a cache file is written or keyed

        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(lock_path, "a")  # noqa: SIM115 - closed below, after the lock is released
    except (ImportError, OSError):
        yield
        return
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        except OSError:
            pass  # a file system without locks: derive without one
        yield
    finally:
        fh.close()  # closing releases the lock


def _write(path: Path, arrays: dict[str, np.ndarray | None]) -> None:
    """Write aside, then rename into place; a folder that cannot be written is left alone."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, __names__=np.array(list(arrays), dtype=str),
                     **{n: a for n, a in arrays.items() if a is not None})
        os.replace(tmp, path)
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
