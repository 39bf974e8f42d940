"""Working folders that outlive a process killed outright, and how later processes clear them safely.

A run builds in a hidden temporary folder beside its target, a kernel pool keeps its sockets in a short
private folder in the system's temporary folder, a sweep's fork servers keep theirs in another. Each is
removed when its work ends; but a process killed outright (SIGKILL, the OOM killer, a CI timeout) leaves
its folder behind. So the process that makes such a folder *claims* it (an advisory ``flock`` that the
system drops when the process ends, however it ends), and a later process removes the ones of its kind
that nobody holds and that have not changed for :data:`STALE_AFTER_S` (one just made, not yet claimed,
is left alone). Standard library only: the fork servers' client imports this at the command's start.
"""
from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path

#: a folder left unclaimed this long is a killed process's (a new one is claimed microseconds after it is made)
STALE_AFTER_S = 60


def claim(folder: str | Path) -> int | None:
    """Hold an advisory lock on a folder this process works in for as long as it does, so
    :func:`remove_unclaimed` leaves it alone. Returns the descriptor to close at the end (:func:`release`),
    or ``None`` where there are no such locks (Windows, a file system without them)."""
    try:
        import fcntl  # POSIX only: where there is none, folders are not claimed
    except ImportError:
        return None
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def release(folder: str | Path, claimed: int | None) -> None:
    """Remove a folder this process made and claimed, then let go of its lock."""
    shutil.rmtree(folder, ignore_errors=True)
    if claimed is not None:
        os.close(claimed)


def remove_unclaimed(folders: Iterable[Path]) -> None:
    """Remove the folders no live process holds and that have not changed for :data:`STALE_AFTER_S`.
    A folder in use is locked and one just made is too new, so neither is touched; another user's private
    folder cannot be opened and is left alone; without locks nothing is removed."""
    try:
        import fcntl  # POSIX only: where there is none, folders are not claimed
    except ImportError:
        return
    now = time.time()
    for folder in folders:
        try:
            if now - folder.stat().st_mtime < STALE_AFTER_S:
                continue
            fd = os.open(folder, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: in use
            os.close(fd)
            continue
        try:
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            os.close(fd)
