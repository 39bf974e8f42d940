"""Warm kernels for the chapters: a pool of long-lived kernels (one thread each) that run chapter jobs, kept
across the runs of a batch worker, and the PDF helper processes. Speed machinery: see docs/performance.md."""
from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import queue
import sys
import tempfile
import threading
import time
import weakref
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from stargate_report import folders
from stargate_report.runtime.cores import background_priority, same_cores
from stargate_report.runtime.forkclient import kernel_provisioner
from stargate_report.runtime.forkserver import KERNEL_SERVER_ENV


def helper_pool(n: int):
    """``n`` PDF helper processes. Each ends when the process that made it does, however that ends: a
    ``run`` or batch worker killed outright (SIGKILL, the OOM killer) used to leave its helpers, and with them
    multiprocessing's resource tracker (whose pipe they hold open), running for ever."""

    # spawned, not forked: this process holds kernel threads and sockets
    return ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"),
                               initializer=die_with_parent, initargs=(os.getpid(),))


#: how often a helper checks that the process that made it is still there [s]
PARENT_POLL_S = 0.5


def die_with_parent(parent: int) -> None:
    """Run in a helper process as it starts: end it when ``parent`` (the process that made it) has ended.

    A thread watches the parent's id (a process whose parent is gone is given another one). Not
    ``PR_SET_PDEATHSIG``: that fires when the *thread* that made the helper ends, and the thread that
    submits to a kept pool may well end before the process."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_S)
        os._exit(1)

    if os.getppid() != parent:  # gone already, before this started
        os._exit(1)
    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()




#: run by every kernel as it starts: the chapters' imports and the chart renderer's start-up; then the
#: objects so far (modules, schemas) move to the collector's permanent generation, so the full collection
#: in each chapter's namespace reset scans only what chapters made (about 70 ms a chapter otherwise)
WARM_UP = ("import stargate_report.present.chapters, stargate_report.present.charts", "stargate_report.present.charts.warm_up()",
           "import gc; gc.freeze()")


#: the kernels' command-line options: the warm-up, and no input history (IPython's history thread writes
#: every cell to an SQLite file in the user's profile: CPU and disk taken from the chapters, a file that
#: kernels side by side contend for, and nothing a briefing reads back)
KERNEL_ARGUMENTS = [f"--IPKernelApp.exec_lines={line}" for line in WARM_UP] + ["--HistoryManager.enabled=False"]


class NotWritten(Exception):
    """A chapter ran, but its executed notebook could not be written (``error``: the :class:`OSError`)."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


class KernelPool:
    """Long-lived kernels, one thread each, that run chapter jobs (as many kernels as cores by default).

    The kernels are launched when the pool is made and import the chapters' libraries by themselves, so
    the caller can do other work meanwhile (the build evaluates the scenario). :meth:`run` hands out a
    run's jobs and waits for them: papermill injects each chapter's parameters and nbclient executes it
    on a kernel, after a namespace reset and a change into the chapter's folder. Imports stay warm, so
    start-up (about two seconds with the scientific stack) is paid once per kernel, not once per chapter;
    a batch worker keeps one pool for all its runs (see :class:`SharedKernels`). After a failed chapter
    the pool is ``broken`` (its kernel may be dead or in a bad state) and should be closed.
    """

    def __init__(self, n: int, workdir: Path | None, cell_timeout_s: int):

        self.sockets = _socket_folder()
        # the kernels' working folder until a chapter changes it (None: the pool's own socket folder)
        self.n, self.workdir, self.timeout = max(1, n), Path(workdir or self.sockets), cell_timeout_s
        # removed when the last kernel is gone, or at the latest as this process exits (a run returns while
        # its kernels shut down, and the command's exit may come first)
        self._remove_sockets = weakref.finalize(self, folders.release, self.sockets, folders.claim(self.sockets))
        self._left, self._left_lock = self.n, threading.Lock()
        self.pending: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.killed = threading.Event()  # closed with kill (Ctrl-C): the run is abandoned, write nothing
        self.kill_deadline = 0.0  # until when a killed pool's threads are waited for
        self.idle = threading.Condition()
        self.remaining = 0
        self.failures: list = []
        self.start_errors: list[BaseException] = []
        self.total, self.counter, self.say = 0, itertools.count(1), (lambda msg: None)
        self.managers: list = []  # the kernel managers, for inspection
        self.threads = [threading.Thread(target=self._worker, args=(i,), daemon=True) for i in range(self.n)]
        self.launched = threading.Semaphore(0)
        for th in self.threads:
            th.start()
        # wait until the kernel processes are launched (a fraction of a second): launching in threads while
        # the caller computes would cost it more in contention for the interpreter lock than it saves
        for _ in self.threads:
            self.launched.acquire()

    @property
    def broken(self) -> bool:
        return bool(self.failures) or bool(self.start_errors) or self.stop.is_set()

    def run(self, jobs: list, say) -> list:
        """Run the jobs; returns ``[(job, exception, 1-based cell), ...]`` (the run stops at the first)."""
        if len(self.start_errors) == len(self.threads):
            return [(jobs[0], self.start_errors[0], None)] if jobs else []  # no kernel at all
        self.say, self.total, self.counter = say, len(jobs), itertools.count(1)
        with self.idle:
            self.remaining = len(jobs)
        for job in jobs:
            self.pending.put(job)
        try:
            with self.idle:
                while self.remaining > 0:
                    self.idle.wait(timeout=0.2)
                    if not any(t.is_alive() for t in self.threads):
                        break  # every kernel gone (each thread that failed has reported why)
        except KeyboardInterrupt:
            self.close(kill=True)
            raise
        return self.failures

    def close(self, kill: bool = False, wait: bool = True) -> None:
        """Stop handing out jobs and shut the kernels down.

        ``kill`` ends the kernel processes at once, so chapters still running stop now (Ctrl-C)
        instead of when their cells finish; their threads write nothing more, and are waited for only
        briefly (nbclient may wait seconds for output from a kernel that is gone: its IOPub timeout).
        ``wait=False`` returns while the kernels shut down (about 0.1 s); :meth:`join` waits for them.
        """
        self.stop.set()
        for _ in self.threads:
            self.pending.put(None)
        if kill and not self.killed.is_set():
            self.killed.set()
            self.kill_deadline = time.monotonic() + 1.0
            for km in self.managers:
                process = getattr(getattr(km, "provisioner", None), "process", None)
                if process is not None:
                    try:
                        process.kill()
                    except OSError:  # already gone
                        pass
        if wait:
            self.join(max(0.0, self.kill_deadline - time.monotonic()) if self.killed.is_set() else None)

    def join(self, timeout_s: float | None = None) -> None:
        """Wait until every kernel of a closed pool has shut down (its sockets and files removed), or for
        at most ``timeout_s`` seconds in all."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        for th in self.threads:
            th.join(None if deadline is None else max(0.0, deadline - time.monotonic()))

    def _done(self) -> None:
        with self.idle:
            self.remaining -= 1
            self.idle.notify_all()

    def _cells(self, nb, km, kc, on_start=None) -> None:
        from nbclient import NotebookClient  # the notebook stack only where chapters run

        # one kernel client per kernel, shared by every notebook it runs: a new client costs about 0.2 s
        # (it waits for the kernel's output channel to fall quiet)
        client = NotebookClient(nb, km=km, kernel_name="python3", timeout=self.timeout, allow_errors=False,
                                on_cell_start=on_start)
        client.kc = kc
        client.execute()

    def _worker(self, slot: int) -> None:
        try:
            self._serve(slot)
        finally:
            with self._left_lock:
                self._left -= 1
                last = self._left == 0
            if last:
                self._remove_sockets()

    def _serve(self, slot: int) -> None:
        """One kernel's thread: start the kernel, then run jobs on it until the pool closes."""
        import nbformat  # the notebook stack only where notebooks are read or written
        from jupyter_client.manager import AsyncKernelManager  # the notebook stack only where kernels run
        from jupyter_core.utils import run_sync  # the notebook stack only where kernels run
        from papermill.iorw import load_notebook_node  # the notebook stack only where chapters run
        from papermill.parameterize import parameterize_notebook  # the notebook stack only where chapters run

        # local IPC sockets, one path per kernel: no TCP ports, and no "unencrypted TCP" warning on stderr;
        # nbclient notices a dead kernel only through the async manager
        km = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=str(self.sockets / f"k{slot}"),
                                kernel_spec_manager=this_python_kernels())
        # the connection file holds the kernel's HMAC key: in the pool's private folder (mode 700), which goes
        # with the pool, or with the next pool's clean-up if this process is killed outright
        km.connection_file = str(self.sockets / f"k{slot}.json")
        server = os.environ.get(KERNEL_SERVER_ENV)
        if server:  # a sweep's worker: the kernel is forked with its libraries already imported

            km.provisioner = kernel_provisioner(km, server)
        self.managers.append(km)
        kc = None
        try:
            # the kernel warms up by itself (IPython's exec_lines): this thread stays idle meanwhile, so
            # it takes nothing from the evaluation running in this process
            run_sync(km.start_kernel)(cwd=str(self.workdir), extra_arguments=KERNEL_ARGUMENTS)
            same_cores(km)
            background_priority(km)
        except BaseException as exc:  # noqa: BLE001 - reported as the first chapter's failure if no kernel starts
            self.start_errors.append(exc)
            self.launched.release()
            self._shutdown(km, kc)
            return
        self.launched.release()
        try:
            # connect while the kernel warms up (the client waits for its first reply, about 0.2 s, which the
            # first chapter would otherwise wait for); a kernel that died meanwhile is reported by that chapter
            try:
                kc = self._connect(km)
            except Exception:  # noqa: BLE001 - tried again, and reported, by the first job
                kc = None
            while True:
                job = self.pending.get()
                if job is None or self.stop.is_set():  # closed (a run may have failed, or Ctrl-C)
                    return
                if self.failures:  # the run stops at its first failure: skip the rest of its jobs
                    self._done()
                    continue
                lang, nb_path, out, params = job
                current: dict = {"cell": None}
                nb = None

                def on_start(cell, cell_index, _current=current):
                    _current["cell"] = cell_index + 1

                # a clean namespace (what %reset -f does), then the chapter's folder as working directory
                reset = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
                    f"get_ipython().reset(new_session=False)\nimport os\nos.chdir({str(out.parent)!r})")])
                try:
                    self.say(f"[{lang}] running chapter {nb_path.stem} ({next(self.counter)}/{self.total})")
                    if kc is None:
                        kc = self._connect(km)
                    nb = parameterize_notebook(load_notebook_node(str(nb_path)), params, kernel_name="python3",
                                               language="python")
                    self._cells(reset, km, kc)
                    self._cells(nb, km, kc, on_start)
                    if not self.killed.is_set():
                        try:
                            nbformat.write(nb, str(out))
                        except OSError as exc:  # the chapter ran; its folder is full or gone
                            nb = None  # (no second try below)
                            raise NotWritten(exc) from exc
                except BaseException as exc:  # noqa: BLE001 - reported with the chapter's name and cell
                    if nb is not None and not self.killed.is_set():
                        # kept for the report if it can be (the failure may be that the folder is gone or full);
                        # an error here must not end this thread unreported: the run would wait for ever
                        with contextlib.suppress(OSError):
                            nbformat.write(nb, str(out))
                    self.failures.append((job, exc, current["cell"]))
                    self._done()
                    return  # this kernel may be dead or in a bad state: the pool is broken
                self._done()
        finally:
            self._shutdown(km, kc)

    @staticmethod
    def _connect(km):
        """A client of the kernel, once the kernel answers (after its warm-up)."""
        from jupyter_core.utils import run_sync  # the notebook stack only where kernels run

        kc = km.client()
        kc.start_channels()
        try:
            run_sync(kc.wait_for_ready)(timeout=60)
        except BaseException:
            kc.stop_channels()
            raise
        kc.allow_stdin = False
        return kc

    @staticmethod
    def _shutdown(km, kc) -> None:
        from jupyter_core.utils import run_sync  # the notebook stack only where kernels run

        if kc is not None:
            kc.stop_channels()
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - a kernel that died is already gone
            pass


#: the longest path a Unix socket may have (``sun_path``: 108 bytes with its terminating zero, on Linux)
_SOCKET_PATH_MAX = 107


def _socket_folder() -> Path:
    """A new private folder for a pool's kernel sockets, with a short path: a Unix socket's path has at
    most 107 bytes, and a run's own folder (deep in a home directory, say) is often longer. The system's
    temporary folder, or ``/tmp`` where that is itself long (macOS gives each user one under
    ``/var/folders/...``)."""
    base = tempfile.gettempdir()
    if len(base) > _SOCKET_PATH_MAX - 40 and os.path.isdir("/tmp"):
        base = "/tmp"
    folders.remove_unclaimed(Path(base).glob("sr-kernels-*"))  # of pools whose process was killed outright
    return Path(tempfile.mkdtemp(prefix="sr-kernels-", dir=base))


def this_python_kernels():
    """A kernel-spec manager whose ``python3`` is always this interpreter's ipykernel.

    The chapters need the Python that has stargate-report installed; a ``python3`` kernelspec installed
    for another environment (``jupyter kernelspec list``) must not take its place. No kernelspec folder
    is searched, which also spares importing IPython in the building process (about 0.2 s).
    """
    from jupyter_client.kernelspec import (  # the notebook stack only where kernels run
        KernelSpec,
        KernelSpecManager,
        NoSuchKernel,
    )

    class ThisPythonKernels(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            if kernel_name != "python3":
                raise NoSuchKernel(kernel_name)
            return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                              display_name="Python 3 (ipykernel)", language="python", name="python3",
                              metadata={"debugger": False})

    return ThisPythonKernels()


class SharedKernels:
    """One :class:`KernelPool` kept across the runs of a batch worker, replaced when it breaks.

    Runs that need kernels ask :meth:`get`; a pool of another size or cell timeout, or one that broke
    in an earlier run, is closed and a new one made. Its kernels work in the pool's own temporary folder
    (where their sockets are) until a chapter moves them into its run.
    """

    def __init__(self) -> None:
        self.pool: KernelPool | None = None
        self.render_pool, self.render_n = None, 0  # the PDF helper processes (render_languages), kept

    def helpers(self, n: int, fresh: bool = False):
        """``n`` PDF helper processes (:func:`render_languages`), started on first use and kept; a pool of
        another size is replaced, and so is the pool when ``fresh`` (its submit failed: a helper that
        died breaks its pool for good)."""
        pool = self.render_pool
        if pool is not None and (self.render_n != n or fresh):
            pool.shutdown(wait=True, cancel_futures=True)
            pool = None
        if pool is None:
            pool, self.render_n = helper_pool(n), n
            self.render_pool = pool
        return pool

    def get(self, n: int, cell_timeout_s: int) -> KernelPool:
        pool = self.pool
        if pool is not None and (pool.broken or pool.n != n or pool.timeout != cell_timeout_s):
            self.close()
        if self.pool is None:
            self.pool = KernelPool(n, None, cell_timeout_s)
        return self.pool

    def close(self) -> None:
        if self.render_pool is not None:
            self.render_pool.shutdown(wait=True, cancel_futures=True)
            self.render_pool = None
        if self.pool is not None:
            self.pool.close()
            self.pool = None
