"""The local executor of a sweep: worker slots, each keeping a worker process (with warm kernels) across its runs."""
from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from stargate_report import folders
from stargate_report.runtime import forkclient, forkserver
from stargate_report.runtime.cores import pin, slot_cores

CHILDREN: set = set()


#: pid of a worker process -> the run it is building (what a test kills, what Ctrl-C interrupts)
RUNNING: dict[int, str] = {}


_SLOT = threading.local()  # each local slot (a thread of the executor) keeps its worker process here


STOPPING = threading.Event()  # set on Ctrl-C: slots start no new worker and no new run


def start_worker(servers: forkclient.Servers | None = None, pdf: bool = True,
                  tmp: str | None = None, cores: frozenset[int] | None = None) -> subprocess.Popen | forkclient.ForkedProcess:
    """A new worker process; its standard error (and its kernels') goes to a temporary file, read back if
    the worker dies. With a sweep's fork ``servers`` the worker is forked from the worker server and
    its kernels from the kernel server (their libraries already imported; WeasyPrint when the runs make
    ``pdf``); without them, or if a server fails, it is started as a new interpreter. ``tmp``: the
    worker's (and its kernels') temporary folder, ``TMPDIR``, which the sweep removes at its end: what
    a killed worker leaves there (kernel sockets, connection files) goes with it. ``cores``: the slot's
    cores (:func:`slot_cores`), which the worker keeps to, and its kernels and helpers with it; it runs no
    kernel before its first run arrives, so pinning it once it is started is early enough."""
    log = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")
    argv = [sys.executable, "-m", "stargate_report.batch.worker"]
    env = dict(os.environ)
    if tmp:
        env["TMPDIR"] = tmp
    proc = None
    if servers is not None:
        kernels = servers.path("kernel")
        if kernels:
            env[forkserver.KERNEL_SERVER_ENV] = kernels
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        proc = forkclient.start(servers.path("worker"), argv, (in_r, out_w, log.fileno()), env=env,
                                imports=("weasyprint",) if pdf else ())
        os.close(in_r)
        os.close(out_w)
        if proc is None:
            os.close(in_w)
            os.close(out_r)
        else:
            proc.stdin = open(in_w, "w", encoding="utf-8", buffering=1)  # noqa: SIM115 - closed with the worker
            proc.stdout = open(out_r, encoding="utf-8")  # noqa: SIM115
    if proc is None:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
                                bufsize=1, env=env)
    pin(proc.pid, cores)
    proc.log = log  # type: ignore[union-attr]
    CHILDREN.add(proc)
    return proc


def _slot_worker(pdf: bool = True) -> subprocess.Popen | forkclient.ForkedProcess:
    """This slot's worker process, started on first use or after a death (for runs that make a ``pdf``)."""
    proc = getattr(_SLOT, "proc", None)
    if proc is None or proc.poll() is not None:
        proc = _SLOT.proc = start_worker(getattr(_SLOT, "servers", None), pdf, getattr(_SLOT, "tmp", None),
                                          getattr(_SLOT, "cores", None))
    return proc


def exchange(proc: subprocess.Popen, spec: dict, out: str, force: bool,
              progress: Callable[[str, str], None] | None, close: bool = False) -> str:
    """Send one run to a worker and pass its progress lines on; returns its reply line, or ``""`` if the
    worker died. ``close``: end the worker's input after the run (it exits once the run is over)."""
    RUNNING[proc.pid] = spec["name"]
    progress = guarded(progress)
    try:
        proc.stdin.write(json.dumps({**spec, "out": str(out), "force": force}) + "\n")
        proc.stdin.flush()
        if close:
            proc.stdin.close()
        while True:
            line = proc.stdout.readline()
            if not line.startswith('{"progress": '):
                return line  # the reply (or nothing: the worker died)
            if progress is not None:
                progress(spec["name"], json.loads(line)["progress"])
    except (BrokenPipeError, OSError):  # the worker's pipes: it died
        return ""
    finally:
        RUNNING.pop(proc.pid, None)


def guarded(callback: Callable | None) -> Callable | None:
    """``callback`` (a progress callback), made harmless: the first time it raises (a closed terminal or
    pipe: ``stargate-report batch ... 2>&1 | head``) it is dropped with a warning, and the runs go on
    without it. A failing progress line must not look like a dead worker or stop the sweep."""
    if callback is None:
        return None
    failed: list[BaseException] = []

    def call(*args) -> None:
        if failed:
            return
        try:
            callback(*args)
        except Exception as exc:  # noqa: BLE001 - whatever the callback raises, the runs are not at fault
            failed.append(exc)
            warnings.warn(f"progress lines are no longer shown: {exc!r}", RuntimeWarning, stacklevel=2)

    return call


def outcome(spec: dict, out: str, proc: subprocess.Popen, line: str, seconds: float) -> dict:
    """The outcome dict of a run from its worker's reply line (``""``: the worker died)."""
    folder = str(Path(out) / spec["name"])
    if not line:
        code = proc.wait()
        CHILDREN.discard(proc)
        msg = f"worker died (signal {-code})" if code < 0 else f"worker exited with code {code}"
        last = _last_line(proc.log)
        if last:
            msg += f"; its last words: {last}"
        return {"name": spec["name"], "status": "failed", "seconds": seconds, "folder": folder, "message": msg}
    if proc.stdin.closed:
        proc.log.close()
    reply = json.loads(line)
    return {"name": spec["name"], "status": reply["status"], "seconds": seconds, "folder": folder,
            "message": reply["message"]}


def run_on_worker(spec: dict, out: str, force: bool, progress: Callable[[str, str], None] | None = None) -> dict:
    """Run one briefing on this slot's worker process, which keeps its kernels warm between runs.

    Returns an outcome dict and never raises for a failed run; a worker that dies fails only this run
    (the slot starts a new worker for its next run). ``progress(run, line)`` receives the run's progress
    lines as the worker sends them (evaluation, each chapter, rendering)."""
    t = time.perf_counter()
    if STOPPING.is_set():
        return {"name": spec["name"], "status": "failed", "seconds": 0.0, "folder": str(Path(out) / spec["name"]),
                "message": "interrupted before it started"}
    proc = _slot_worker("pdf" in str(spec.get("formats", "")).split(","))
    if STOPPING.is_set():  # Ctrl-C while the worker started: it gets no run (it is closed with the pool)
        return {"name": spec["name"], "status": "failed", "seconds": 0.0, "folder": str(Path(out) / spec["name"]),
                "message": "interrupted before it started"}
    line = exchange(proc, spec, out, force, progress)
    return outcome(spec, out, proc, line, time.perf_counter() - t)


def _last_line(log) -> str:
    """The last non-empty line a worker wrote to standard error (a traceback's exception line)."""
    try:
        log.seek(0)
        lines = [ln.strip() for ln in log.read().splitlines() if ln.strip()]
    except (OSError, ValueError):
        return ""
    finally:
        log.close()
    return lines[-1][:300] if lines else ""


def _close_worker(proc: subprocess.Popen) -> None:
    try:
        proc.stdin.close()  # end of input: the worker shuts its kernels down and exits
        proc.wait(timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        proc.kill()
        proc.wait()
    CHILDREN.discard(proc)
    proc.log.close()


def terminate_children() -> None:
    for proc in list(CHILDREN):
        try:
            proc.send_signal(signal.SIGTERM)
        except OSError:
            pass
    for proc in list(CHILDREN):
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


class LocalExecutor:
    """A pool of worker slots on this machine; each slot keeps one worker process (and its kernels) for
    the runs it is given (:func:`run_on_worker`)."""

    def __init__(self, workers: int, servers: forkclient.Servers | None = None, pin: bool = True) -> None:
        self.workers = max(1, workers)
        self.pool = ThreadPoolExecutor(max_workers=self.workers)
        # each slot's worker keeps to its share of the cores (pin=False: the system places them)
        self.slots = (slot_cores(self.workers) if pin else None) or [None] * self.workers
        self._next_slot = itertools.count()
        self.procs: list = []
        self.lock = threading.Lock()
        # the workers and their kernels are forked from servers that import the libraries once for all
        # (the caller may have started them earlier, to import while it validated the sweep)
        self.servers = servers if servers is not None else forkclient.Servers()
        folders.remove_unclaimed(Path(tempfile.gettempdir()).glob("stargate-sweep-*"))  # of sweeps killed outright
        self.tmp = tempfile.mkdtemp(prefix="stargate-sweep-")  # the workers' TMPDIR, removed at the end
        self._claimed = folders.claim(self.tmp)

    def submit(self, fn, *args) -> Future:
        def task():
            _SLOT.servers, _SLOT.tmp = self.servers, self.tmp
            if not hasattr(_SLOT, "cores"):  # this thread's first run: it takes the next slot's cores
                _SLOT.cores = self.slots[next(self._next_slot) % self.workers]
            try:
                return fn(*args)
            finally:
                proc = getattr(_SLOT, "proc", None)
                if proc is not None:
                    with self.lock:
                        if proc not in self.procs:
                            self.procs.append(proc)

        return self.pool.submit(task)

    def release(self) -> None:
        """Tell every worker there is no more work (end of input): they shut their kernels down and exit
        while this process goes on (writing the index); :meth:`shutdown` then waits for them."""
        with self.lock:
            procs = list(self.procs)
        for proc in procs:
            try:
                proc.stdin.close()
            except OSError:
                pass
        if self.servers is not None:
            self.servers.release()

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.release()
        for proc in self.procs:
            _close_worker(proc)
        if self.servers is not None:
            self.servers.close()
        folders.release(self.tmp, self._claimed)
        self._claimed = None
