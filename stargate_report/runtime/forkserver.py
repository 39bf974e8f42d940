"""Warm process starts for a sweep: fork servers that import a role's libraries once for all its processes.

A sweep on N local workers starts N worker processes and N kernels. Each would otherwise import the
same libraries by itself: about 1.2 CPU-s for a worker (nbconvert, WeasyPrint, the notebook stack) and
0.9 CPU-s for a kernel (ipykernel, pandas, Altair). On a machine whose cores the workers already fill,
every duplicated second is time the sweep waits.

So the batch runner starts one server per role (``python -m stargate_report.runtime.forkserver ROLE SOCKET``,
roles in :data:`ROLES`) as the sweep begins. A server imports the role's libraries (single-threaded, no
kernel or renderer started), then forks a child for each request on its Unix socket, which is what
:mod:`multiprocessing`'s ``forkserver`` does for its own processes. A child starts with every library
already imported and shared copy-on-write with the server:

* ``worker``: runs :func:`stargate_report.batch.worker.main` on the pipes the batch runner passes it;
* ``kernel``: runs ipykernel with the command line jupyter_client made for it (the connection file,
  the warm-up lines), in a session of its own as jupyter_client's launcher would start it.

A request sends the child's standard streams as file descriptors (``SCM_RIGHTS``) with a JSON line
(``argv``, ``env``, ``cwd``, and for a kernel ``watch``: the pid of its worker, with which it ends);
the server answers ``{"pid": ...}`` at once and ``{"exit": code}`` when the
child ends (``code`` as :attr:`subprocess.Popen.returncode`: negative for a signal). The client side is
:func:`start`, which returns a :class:`ForkedProcess` (what the callers use of ``Popen``), or ``None``
when there is no server or it cannot fork (the caller then starts the process the usual way). A server
takes no more requests once its standard input closes (the batch runner closes it at the end, or
died) and ends when its last child has.
"""
from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

#: the module whose ``main()`` a forked ``worker`` runs (named, so that runtime/ imports nothing above it)
WORKER_ENTRY = "stargate_report.batch.worker"
#: set in a sweep's workers: the Unix socket of the fork server their kernels come from
KERNEL_SERVER_ENV = "STARGATE_REPORT_KERNEL_SERVER"
#: what each role's server imports before it forks anything
ROLES = {
    # (not stargate_report.present.chapters: Altair and the chapters' helpers are the kernels' business)
    "worker": ("stargate_report.batch.worker", "stargate_report.pipeline.build", "stargate_report.model.evaluate", "pandas",
               "stargate_report.render.exporters", "nbformat", "nbclient", "jupyter_client.manager",
               "papermill.iorw", "papermill.parameterize"),
    "kernel": ("ipykernel.kernelapp", "stargate_report.present.chapters", "stargate_report.present.charts"),
}
#: imported for a request that asks for them (``imports``), once: WeasyPrint only for sweeps with PDFs
ON_REQUEST = ("weasyprint",)
_MAX_MESSAGE = 1 << 20  # a request: argv, environment and folder as one JSON line


# -- the server ------------------------------------------------------------------------------------
def serve(role: str, path: str) -> int:
    """Import the role's libraries, then fork a child per request until standard input closes."""
    import gc
    import importlib

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)  # clients may connect now; they wait for their answer until the imports are done
    listener.listen(64)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the runner; it closes our input
    for name in ROLES[role]:
        importlib.import_module(name)
    gc.freeze()  # what was imported stays in shared pages: no collection in a child touches it
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)  # a child ended: wake the loop up
    children: dict[int, socket.socket] = {}  # pid -> the connection of its request (gets its exit code)
    watched = [0, listener, wake_r]
    try:
        while 0 in watched or children:  # after the end of input: until every child's end is reported
            ready, _, _ = select.select(watched, [], [])
            if wake_r in ready:
                os.read(wake_r, 512)
            _reap(children)
            if listener in ready:
                conn, _ = listener.accept()
                pid = _fork_child(role, conn, (listener, wake_r, wake_w, conn, *children.values()))
                if pid is not None:
                    children[pid] = conn
            if 0 in ready and not os.read(0, 512):  # the runner closed our input: no more requests
                watched = [wake_r]
                listener.close()
                Path(path).unlink(missing_ok=True)
        return 0
    finally:
        listener.close()
        Path(path).unlink(missing_ok=True)


def _reap(children: dict[int, socket.socket]) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = children.pop(pid, None)
        if conn is not None:
            _send(conn, {"exit": os.waitstatus_to_exitcode(status)})
            conn.close()


def _send(conn: socket.socket, message: dict) -> None:
    try:
        conn.sendall((json.dumps(message) + "\n").encode())
    except OSError:  # the client is gone: nothing to tell
        pass


def _fork_child(role: str, conn: socket.socket, inherited: tuple) -> int | None:
    """Read one request from ``conn`` and fork its child; returns the child's pid (``None``: refused)."""
    import importlib

    fds: list[int] = []
    try:
        conn.settimeout(10)  # a client that connects and sends nothing must not stop the server
        data, fds, _, _ = socket.recv_fds(conn, _MAX_MESSAGE, 3)
        while chunk := conn.recv(_MAX_MESSAGE):  # the rest of the request, up to the client's end of writing
            data += chunk
        conn.settimeout(None)
        request = json.loads(data)
    except (OSError, ValueError) as exc:
        for fd in fds:
            os.close(fd)
        _send(conn, {"error": f"bad request: {exc}"})
        conn.close()
        return None
    for name in request.get("imports") or ():
        if name in ON_REQUEST:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the child imports it itself, and reports what fails
                pass
    if len(fds) != 3 or threading.active_count() != 1:  # a fork is only safe from a single thread
        for fd in fds:
            os.close(fd)
        _send(conn, {"error": "cannot fork here"})
        conn.close()
        return None
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 1
        try:
            code = _child(role, request, fds, inherited)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # noqa: BLE001 - reported on the child's standard error
            import traceback

            traceback.print_exc()
        finally:
            _finish(code)
    for fd in fds:
        os.close(fd)
    _send(conn, {"pid": pid})
    return pid


def _child(role: str, request: dict, fds: list[int], inherited: tuple) -> int:
    """Become the requested process: its streams, signals, folder and environment, then its program."""
    signal.set_wakeup_fd(-1)  # the signals as a new interpreter has them (SIGPIPE stays ignored)
    for signum in (signal.SIGCHLD, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sock in inherited:
        try:
            os.close(sock if isinstance(sock, int) else sock.detach())
        except OSError:
            pass
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    import tempfile

    tempfile.tempdir = None  # the requester's TMPDIR, not the one the server may have looked up
    os.chdir(request["cwd"])
    sys.argv = list(request["argv"])
    if role == "worker":
        import importlib

        # the worker's program is named, not imported here: runtime/ sits below batch/ (docs/architecture.md)
        return importlib.import_module(WORKER_ENTRY).main()
    os.setsid()  # as jupyter_client's launcher starts a kernel: its own session and process group
    if request.get("watch"):
        _end_with(int(request["watch"]))
    if sys.path and sys.path[0] == "":  # what ipykernel_launcher does
        del sys.path[0]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()
    return 0


def _end_with(pid: int) -> None:
    """End this process when process ``pid`` ends. A kernel forked here is not its worker's child, so
    ipykernel's own watch (its parent changing) cannot see the worker die; a kernel whose worker was
    killed would live on."""
    def watch() -> None:
        try:
            fd = os.pidfd_open(pid)
        except (AttributeError, OSError):  # no pidfd (before Linux 5.3): look every half second
            while _alive(pid):
                time.sleep(0.5)
        else:
            select.select([fd], [], [])
        os._exit(1)

    threading.Thread(target=watch, name="worker-watch", daemon=True).start()


def _finish(code: int) -> None:
    import atexit

    try:
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)


# -- the client ------------------------------------------------------------------------------------
class ForkedProcess:
    """A child of a fork server, with what callers use of :class:`subprocess.Popen`: ``pid``,
    ``returncode``, :meth:`poll`, :meth:`wait`, :meth:`send_signal`, :meth:`terminate`, :meth:`kill`,
    and the ``stdin``/``stdout`` pipes when the caller made them. Its exit code comes from the server."""

    def __init__(self, pid: int, conn: socket.socket, stdin=None, stdout=None) -> None:
        self.pid, self.conn, self.stdin, self.stdout, self.stderr = pid, conn, stdin, stdout, None
        self.returncode: int | None = None
        self.args = ["forked", str(pid)]
        self._buffer = b""
        self._lock = threading.Lock()

    def _read(self, timeout: float | None) -> None:
        """Wait up to ``timeout`` seconds (None: for ever) for the server's word that the child ended."""
        with self._lock:
            if self.returncode is not None:
                return
            deadline = None if timeout is None else time.monotonic() + timeout
            while self.returncode is None:
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                # while the server lives it reports the exit; if it died, look at the process itself
                ready, _, _ = select.select([self.conn], [], [], 0.2 if left is None else min(left, 0.2))
                if ready:
                    chunk = self.conn.recv(4096)
                    if not chunk:  # the server is gone: the child was re-parented
                        self._server_gone(deadline)
                        return
                    self._buffer += chunk
                    while b"\n" in self._buffer and self.returncode is None:
                        line, self._buffer = self._buffer.split(b"\n", 1)
                        message = json.loads(line)
                        if "exit" in message:
                            self.returncode = int(message["exit"])
                            self.conn.close()
                elif deadline is not None and time.monotonic() >= deadline:
                    return

    def _server_gone(self, deadline: float | None) -> None:
        while _alive(self.pid):
            if deadline is not None and time.monotonic() >= deadline:
                return
            time.sleep(0.05)
        self.returncode = 1  # its exit code went with the server: report it as failed
        self.conn.close()

    def poll(self) -> int | None:
        self._read(0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        self._read(timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired(self.args, timeout)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for a parent that does not reap it counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def start(path: str | None, argv: list[str], fds: tuple[int, int, int], env: dict | None = None,
          cwd: str | None = None, watch: int | None = None, imports: tuple[str, ...] = (),
          timeout_s: float = 60.0) -> ForkedProcess | None:
    """Ask the server at ``path`` for a child with standard streams ``fds`` (stdin, stdout, stderr):
    a :class:`ForkedProcess`, or ``None`` if there is no server or it refuses (the caller then starts
    the process itself). Waits for the server's imports if it is still importing. ``watch``: a kernel
    ends when the process with this pid ends (its worker). ``imports``: libraries of :data:`ON_REQUEST`
    the child will need, imported by the server first (and kept for later children)."""
    if not path:
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.settimeout(timeout_s)
        conn.connect(path)
        request = {"argv": list(argv), "env": dict(os.environ if env is None else env), "cwd": cwd or os.getcwd(),
                   "watch": watch, "imports": list(imports)}
        payload = json.dumps(request).encode()
        sent = socket.send_fds(conn, [payload], list(fds))  # the descriptors travel with the first bytes
        conn.sendall(payload[sent:])
        conn.shutdown(socket.SHUT_WR)  # the end of the request; the answers come back on the same socket
        line = b""
        while not line.endswith(b"\n"):
            chunk = conn.recv(4096)
            if not chunk:
                raise OSError("the fork server closed the connection")
            line += chunk
        reply = json.loads(line.split(b"\n", 1)[0])
        if "pid" not in reply:
            raise OSError(reply.get("error", "no pid"))
    except (OSError, ValueError):
        conn.close()
        return None
    conn.settimeout(None)
    proc = ForkedProcess(int(reply["pid"]), conn)
    rest = line.split(b"\n", 1)[1]
    if rest:
        proc._buffer = rest
    return proc


def kernel_provisioner(km, path: str):
    """A jupyter_client provisioner for the kernel manager ``km`` that forks its kernel from the kernel
    server at ``path``; where that cannot be had it launches the kernel as jupyter_client would."""
    import uuid

    from jupyter_client.provisioning import LocalProvisioner

    class ForkedKernelProvisioner(LocalProvisioner):
        async def launch_kernel(self, cmd: list[str], **kwargs):
            proc = None
            if list(cmd[1:3]) == ["-m", "ipykernel_launcher"]:
                # the kernel has a parent, as jupyter_client's launcher tells it (JPY_PARENT_PID): else it
                # prints "To connect another client to this kernel ..." on standard output, as `ipython
                # kernel` does. An option, since the server read the variable's default when it imported it
                argv = ["ipykernel_launcher", *cmd[3:], f"--IPKernelApp.parent_handle={os.getpid()}"]
                devnull = os.open(os.devnull, os.O_RDONLY)
                try:  # the kernel writes where this process writes, as a launched one would
                    proc = start(path, argv, (devnull, 1, 2), env=kwargs.get("env"),
                                 cwd=str(kwargs.get("cwd") or os.getcwd()), watch=os.getpid())
                finally:
                    os.close(devnull)
            if proc is None:
                return await super().launch_kernel(cmd, **kwargs)
            self.process, self.pid, self.pgid = proc, proc.pid, proc.pid  # a session of its own: pgid = pid
            self.cwd = kwargs.get("cwd", os.getcwd())
            return self.connection_info

    km.kernel_id = km.kernel_id or str(uuid.uuid4())
    return ForkedKernelProvisioner(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)


#: where fork servers are used: Linux (fork, Unix sockets with descriptor passing, pidfd). Elsewhere
#: (macOS, where forking after its system libraries are loaded is unsafe; Windows, which cannot fork)
#: every process starts as a new interpreter.
AVAILABLE = sys.platform.startswith("linux")
#: how long to wait for a server's socket to appear (a new interpreter's start, on a busy machine) before
#: the processes start the usual way instead
SOCKET_WAIT_S = 30.0


class Servers:
    """The fork servers of one sweep (one per role), started at once; :meth:`close` ends them. Where
    fork servers are not :data:`AVAILABLE` there are none, and :meth:`path` is always ``None``."""

    def __init__(self, roles: tuple[str, ...] = ("worker", "kernel")) -> None:
        import tempfile

        from stargate_report.folders import claim, remove_unclaimed

        self.folder = tempfile.mkdtemp(prefix="sr-fork-")  # only this user may reach the sockets in it (0700)
        self._claimed = claim(self.folder)
        self.paths: dict[str, str] = {}
        self.procs: list[subprocess.Popen] = []
        self.used = False  # nothing was asked of the servers (a sweep rejected before it ran): just end them
        for role in roles if AVAILABLE else ():
            path = os.path.join(self.folder, f"{role}.sock")
            proc = subprocess.Popen([sys.executable, "-m", "stargate_report.runtime.forkserver", role, path],
                                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.procs.append(proc)
            self.paths[role] = path
        # (after the servers are on their way: clearing leftovers costs the command's start nothing)
        remove_unclaimed(Path(tempfile.gettempdir()).glob("sr-fork-*"))  # of sweeps killed outright

    def path(self, role: str) -> str | None:
        """The socket of the role's server (``None``: there is none, start processes the usual way)."""
        self.used = True
        return self._socket(role)

    def _socket(self, role: str) -> str | None:
        path = self.paths.get(role)
        # the socket appears within milliseconds of the server's start (seconds on a machine under load);
        # until then connect() would fail. A server that ended is not waited for.
        deadline = time.monotonic() + SOCKET_WAIT_S
        while True:
            if path is None or os.path.exists(path):
                return path
            if any(p.poll() is not None for p in self.procs) or time.monotonic() > deadline:
                return None
            time.sleep(0.01)

    @contextlib.contextmanager
    def kernels(self):
        """Inside this block, kernels that :class:`~stargate_report.pipeline.build.KernelPool` starts in this process
        are forked from the kernel server (when there is one). Asking nothing of it here keeps it unused:
        :meth:`close` then ends it at once (a run served from the cache does not wait for its imports)."""
        path = self._socket("kernel")  # (up within milliseconds of the server's start: no wait, as a rule)
        before = os.environ.get(KERNEL_SERVER_ENV)
        if path:
            os.environ[KERNEL_SERVER_ENV] = path
        try:
            yield
        finally:
            if before is None:
                os.environ.pop(KERNEL_SERVER_ENV, None)
            else:
                os.environ[KERNEL_SERVER_ENV] = before

    def release(self) -> None:
        """No more requests: the servers end (their children go on)."""
        for proc in self.procs:
            try:
                proc.stdin.close()
            except OSError:
                pass

    def close(self) -> None:
        """End the servers. They end by themselves once their children have ended; the caller has
        closed its workers by then, and a kernel ends with its worker, so a server still up after a
        moment (a child still shutting down) is ended, as one that was never asked anything is at once.
        Its children do not depend on it."""
        from stargate_report.folders import release as remove_folder

        self.release()
        deadline = time.monotonic() + (2.0 if self.used else 0.0)
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        remove_folder(self.folder, self._claimed)
        self._claimed = None


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1], sys.argv[2]))
