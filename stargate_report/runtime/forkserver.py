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

import json
import os
import select
import signal
import socket
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
    # in the server or its forked child only: the server imports its role's libraries, nothing more, before it forks
    import gc

    # in the server or its forked child only: the server imports its role's libraries, nothing more, before it forks
    import importlib

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # clients connect once the socket file exists: it gets its name only when it listens (a client between
    # bind() and listen() was refused, and started its process unforked); they then wait for their answer
    # until the imports are done
    pending = f"{path}.bound"
    listener.bind(pending)
    listener.listen(64)
    os.rename(pending, path)
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
    # in the server or its forked child only: the server imports its role's libraries, nothing more, before it forks
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
            # in the server or its forked child only: the server imports its role's libraries, nothing more, before it forks
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
    # in the server or its forked child only: the server imports its role's libraries, nothing more, before it forks
    import tempfile

    tempfile.tempdir = None  # the requester's TMPDIR, not the one the server may have looked up
    os.chdir(request["cwd"])
    sys.argv = list(request["argv"])
    if role == "worker":
        # in the server or its forked child only: the server imports its role's libraries, nothing more, before it forks
        import importlib

        # the worker's program is named, not imported here: runtime/ sits below batch/ (docs/architecture.md)
        return importlib.import_module(WORKER_ENTRY).main()
    os.setsid()  # as jupyter_client's launcher starts a kernel: its own session and process group
    if request.get("watch"):
        _end_with(int(request["watch"]))
    if sys.path and sys.path[0] == "":  # what ipykernel_launcher does
        del sys.path[0]
    # in the server or its forked child only: the server imports its role's libraries, nothing more, before it forks
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
            while alive(pid):
                time.sleep(0.5)
        else:
            select.select([fd], [], [])
        os._exit(1)

    threading.Thread(target=watch, name="worker-watch", daemon=True).start()


def _finish(code: int) -> None:
    # in the server or its forked child only: the server imports its role's libraries, nothing more, before it forks
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



def alive(pid: int) -> bool:
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


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1], sys.argv[2]))
