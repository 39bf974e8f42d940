"""The client side of the fork servers (:mod:`stargate_report.runtime.forkserver`): start the servers of a run
or a sweep (:class:`Servers`), ask one for a process (:func:`start`, a :class:`ForkedProcess`), and a
jupyter_client provisioner that forks kernels from the kernel server."""
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

from stargate_report.runtime import enabled
from stargate_report.runtime.forkserver import KERNEL_SERVER_ENV, alive


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
        while alive(self.pid):
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
    import uuid  # only when a kernel is provisioned or the servers start

    from jupyter_client.provisioning import LocalProvisioner  # only when a kernel is provisioned or the servers start

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
        import tempfile  # only when a kernel is provisioned or the servers start

        # only when a kernel is provisioned or the servers start
        from stargate_report.folders import claim, remove_unclaimed

        self.folder = tempfile.mkdtemp(prefix="sr-fork-")  # only this user may reach the sockets in it (0700)
        self._claimed = claim(self.folder)
        self.paths: dict[str, str] = {}
        self.procs: list[subprocess.Popen] = []
        self.used = False  # nothing was asked of the servers (a sweep rejected before it ran): just end them
        for role in roles if AVAILABLE and enabled() else ():
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
        # only when a kernel is provisioned or the servers start
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
