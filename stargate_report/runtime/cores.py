"""Which cores a process may use, and keeping kernels and sweep workers on their share of them."""
from __future__ import annotations

import os

from stargate_report.runtime import enabled


def usable_cores() -> int:
    """How many cores this process may run on: its CPU affinity (``taskset``, a sweep's worker that keeps
    to its share of the cores), or every core where the system does not say."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # macOS, Windows
        return os.cpu_count() or 1


def _kernel_pid(km) -> int | None:
    return getattr(getattr(getattr(km, "provisioner", None), "process", None), "pid", None)


def same_cores(km) -> None:
    """Keep the kernel on the cores this process may use. A kernel started as a child inherits them; one
    forked by a sweep's kernel server (:mod:`stargate_report.runtime.forkserver`) has the server's, and would run
    on the cores of the sweep's other workers."""
    pid = _kernel_pid(km)
    if pid is None or not hasattr(os, "sched_getaffinity"):
        return
    try:
        ours = os.sched_getaffinity(0)
        if os.sched_getaffinity(pid) != ours:
            os.sched_setaffinity(pid, ours)
    except OSError:  # gone already (reported by its chapter), or not allowed: the system places it
        pass


def background_priority(km) -> None:
    """Lower the kernel's CPU priority (niceness :data:`KERNEL_NICENESS`): while it warms up, the evaluation in this process is the
    critical path; later the kernels run alone (this process only waits), so it costs them nothing."""
    pid = _kernel_pid(km)
    if pid is None or not hasattr(os, "setpriority"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, pid, KERNEL_NICENESS)
    except OSError:  # not allowed here: the kernel keeps normal priority
        return
    # a kernel runs in a session of its own; where Linux groups the CPU by session (autogroup), a
    # process's nice value counts only inside its group, so the group's gets the same value
    try:
        with open(f"/proc/{pid}/autogroup", "w", encoding="ascii") as fh:
            fh.write(str(KERNEL_NICENESS))
    except OSError:
        pass


KERNEL_NICENESS = 10


def slot_cores(workers: int, allowed: set[int] | frozenset[int] | None = None) -> list[frozenset[int]] | None:
    """The cores each of ``workers`` local slots keeps to: ``allowed`` (default: the cores this process may
    use) cut into that many runs of neighbouring cores, as equal as they go (two workers on two cores: one
    core each; on eight: four each). ``None`` (no pinning) for one worker, more workers than cores, or a
    system that does not pin processes.

    A worker, its kernels and its PDF helpers then share their slot's cores and never run on another's:
    measured on 2 cores with 2 workers, a sweep takes about 4 % less CPU time (caches stay warm, processes
    do not migrate) and finishes that much sooner (``bench/bench_pipeline.py``).
    """
    if not enabled():  # the speed machinery is off: the system places every process
        return None
    if allowed is None:
        if not hasattr(os, "sched_getaffinity"):
            return None
        allowed = os.sched_getaffinity(0)
    cores = sorted(allowed)
    if workers < 2 or workers > len(cores):
        return None
    size, extra = divmod(len(cores), workers)
    slots, start = [], 0
    for i in range(workers):
        end = start + size + (i < extra)
        slots.append(frozenset(cores[start:end]))
        start = end
    return slots


def pin(pid: int, cores: frozenset[int] | None) -> None:
    if cores:
        try:
            os.sched_setaffinity(pid, cores)
        except OSError:  # gone already (its run reports it), or not allowed: the system places it
            pass
