"""Fork servers: a sweep's workers and kernels start with their libraries imported, report how they end,
and without a server everything starts the usual way."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import nbformat
import pytest

from stargate_report.batch import local_executor
from stargate_report.runtime import forkclient, forkserver
from stargate_report.runtime import kernels as warm_kernels

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not forkclient.AVAILABLE, reason="fork servers are for Linux")]


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        return int(fh.read().rsplit(")", 1)[1].split()[1])


def _mapped(pid: int, name: str) -> bool:
    with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as fh:
        return name in fh.read()


def _ignored(pid: int) -> set[int]:
    """The signals process ``pid`` ignores."""
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        mask = int(next(ln for ln in fh if ln.startswith("SigIgn:")).split()[1], 16)
    return {n for n in range(1, 65) if mask & (1 << (n - 1))}


@pytest.fixture
def servers():
    s = forkclient.Servers()
    yield s
    s.close()


def test_a_forked_worker_has_its_libraries_loaded_and_reports_how_it_ends(servers):
    plain = local_executor.start_worker()  # a new interpreter: WeasyPrint's Pango is loaded only at the first PDF
    forked = local_executor.start_worker(servers)
    try:
        assert isinstance(plain, subprocess.Popen)
        assert isinstance(forked, forkclient.ForkedProcess), (  # (what went wrong, if the server did not fork)
            [p.poll() for p in servers.procs], os.listdir(servers.folder))
        assert _parent(forked.pid) == servers.procs[0].pid  # a child of the worker server
        time.sleep(0.3)
        assert _mapped(forked.pid, "libpango") and not _mapped(plain.pid, "libpango")
        assert forked.poll() is None
        assert _ignored(forked.pid) == _ignored(plain.pid)  # signals as a new interpreter has them (SIGPIPE)
    finally:
        for proc in (plain, forked):
            proc.stdin.close()  # end of input: the worker exits
            assert proc.wait(timeout=30) == 0
            local_executor.CHILDREN.discard(proc)
            proc.log.close()
    killed = local_executor.start_worker(servers)
    os.kill(killed.pid, signal.SIGKILL)
    assert killed.wait(timeout=30) == -signal.SIGKILL  # as Popen reports a signal
    local_executor.CHILDREN.discard(killed)
    killed.log.close()


def test_weasyprint_is_imported_for_the_first_worker_that_makes_pdfs(servers):
    html_only = local_executor.start_worker(servers, pdf=False)
    with_pdf = local_executor.start_worker(servers, pdf=True)
    try:
        time.sleep(0.3)
        assert not _mapped(html_only.pid, "libpango")  # an HTML sweep's workers start without it
        assert _mapped(with_pdf.pid, "libpango")
    finally:
        for proc in (html_only, with_pdf):
            proc.stdin.close()
            assert proc.wait(timeout=30) == 0
            local_executor.CHILDREN.discard(proc)
            proc.log.close()


def test_the_worker_server_imports_what_a_run_uses_and_no_more(tmp_path):
    """Each library the worker server imports costs every sweep's start (it is imported before the first
    worker forks); a run that imports it anyway is what makes that worth it. Altair belongs to the kernels."""
    code = ("import sys\nfrom stargate_report.pipeline import build, run_request\nfrom stargate_report.batch import worker  # a forked worker runs worker.main\n"
            "req = run_request.make_request('milam-county', None, {'samples': 200}, 'en', 'html', sys.argv[1], "
            "name='probe', jobs=1)\n"
            "assert build.run(req, warn=lambda msg: None).status == 'ok'\n"
            "print(' '.join(m for m in sys.argv[2:] if m not in sys.modules))\n"
            "print('altair' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "out"), *forkserver.ROLES["worker"]],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    unused, altair = out.stdout.splitlines()[-2:]
    assert unused == ""  # every preloaded module is one a run imports
    assert altair == "False" and "altair" not in forkserver.ROLES["worker"]


def test_a_sweep_workers_kernels_are_forked_from_the_kernel_server(servers, tmp_path, monkeypatch, capfd):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("out = ''", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("import os, sys\nopen(out, 'w').write(f\"{os.getppid()} {os.getpid()} "
                                  "{'stargate_report.present.charts' in sys.modules}\")")])
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, str(path))
    monkeypatch.setenv(forkserver.KERNEL_SERVER_ENV, servers.path("kernel"))
    pool = warm_kernels.KernelPool(1, tmp_path, 60)
    try:
        (tmp_path / "run").mkdir()
        failures = pool.run([("en", path, tmp_path / "run" / "probe.ipynb", {"out": str(tmp_path / "pids")})],
                            lambda msg: None)
        assert failures == []
    finally:
        pool.close()
    parent, pid, warm = (tmp_path / "pids").read_text().split()
    assert int(parent) == servers.procs[1].pid and warm == "True"  # forked, its libraries already there
    deadline = time.time() + 10
    while time.time() < deadline and os.path.exists(f"/proc/{pid}"):
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{pid}")  # shut down with the pool, and reaped by its server
    # it knew it had a parent (JPY_PARENT_PID), as a launched kernel does: no `ipython kernel` banner
    # ("To connect another client to this kernel ...") on the standard output it shares with its worker
    assert "To connect another client" not in capfd.readouterr().out


def test_a_forked_kernel_ends_with_the_worker_that_asked_for_it(servers, tmp_path):
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])  # stands in for a worker
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        kernel = forkclient.start(servers.path("kernel"), ["ipykernel_launcher", "-f", str(tmp_path / "k.json")],
                                  (devnull, devnull, devnull), watch=worker.pid)
    finally:
        os.close(devnull)
    assert kernel is not None and _parent(kernel.pid) == servers.procs[1].pid
    time.sleep(1.0)
    assert kernel.poll() is None  # running while its worker lives
    worker.kill()
    worker.wait()
    assert kernel.wait(timeout=20) == 1  # ended with it (a killed worker leaves no kernel behind)


def test_a_large_request_reaches_the_server_whole(servers):
    env = {**os.environ, "BIG": "x" * 300_000}  # more than one read of the socket
    stdin_r, stdin_w = os.pipe()
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        worker = forkclient.start(servers.path("worker"), ["worker"], (stdin_r, devnull, devnull), env=env)
    finally:
        os.close(stdin_r)
        os.close(devnull)
    os.close(stdin_w)  # no runs: the worker ends
    assert worker is not None  # a request cut short would not parse, and the server would refuse it
    assert worker.wait(timeout=30) == 0


def test_a_child_whose_server_died_is_still_seen_to_end(servers):
    worker = local_executor.start_worker(servers, pdf=False)
    servers.procs[0].kill()  # the worker server dies: the exit code would have come from it
    servers.procs[0].wait()
    assert worker.poll() is None  # the worker lives on
    worker.stdin.close()
    assert worker.wait(timeout=30) == 1  # its end is seen; its code went with the server: "failed"
    local_executor.CHILDREN.discard(worker)
    worker.log.close()


def test_where_fork_servers_are_not_available_there_are_none(monkeypatch):
    monkeypatch.setattr(forkclient, "AVAILABLE", False)
    servers = forkclient.Servers()
    try:
        assert servers.procs == [] and servers.path("worker") is None and servers.path("kernel") is None
    finally:
        servers.close()
    assert not os.path.exists(servers.folder)


def test_the_socket_folders_of_killed_sweeps_are_removed(tmp_path, monkeypatch):
    """A sweep killed outright (SIGKILL) left its sr-fork-* folder in the temporary folder for good; the
    next command's servers remove such folders, but not one that live servers hold or that was just made."""
    import tempfile

    from stargate_report import folders

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(forkclient, "AVAILABLE", False)  # (the folders are the point, not the servers)
    past = time.time() - folders.STALE_AFTER_S - 1
    dead, young = tmp_path / "sr-fork-dead", tmp_path / "sr-fork-young"
    for folder in (dead, young):
        folder.mkdir()
    os.utime(dead, (past, past))
    live = forkclient.Servers()
    os.utime(live.folder, (past, past))  # old, but its command is alive
    try:
        servers = forkclient.Servers()
        servers.close()
        assert not dead.exists() and young.is_dir() and os.path.isdir(live.folder)
        assert not os.path.exists(servers.folder)  # its own folder goes with it
    finally:
        live.close()
    assert not os.path.exists(live.folder)


def test_without_a_server_processes_start_the_usual_way(tmp_path):
    assert forkclient.start(None, ["x"], (0, 1, 2)) is None
    assert forkclient.start(str(tmp_path / "nobody.sock"), ["x"], (0, 1, 2)) is None
    broken = forkclient.Servers()
    for proc in broken.procs:  # servers that died: a worker is started as a new interpreter
        proc.kill()
        proc.wait()
    try:
        worker = local_executor.start_worker(broken)
        assert isinstance(worker, subprocess.Popen)
        worker.stdin.close()
        assert worker.wait(timeout=30) == 0
        local_executor.CHILDREN.discard(worker)
        worker.log.close()
    finally:
        broken.close()


def test_servers_end_after_their_children_and_leave_nothing(servers):
    worker = local_executor.start_worker(servers)
    servers.release()  # no more requests; the running worker goes on
    time.sleep(0.3)
    assert all(p.poll() is None for p in servers.procs[:1])  # the worker server waits to report its child
    worker.stdin.close()
    assert worker.wait(timeout=30) == 0  # reported by the server before it ended
    local_executor.CHILDREN.discard(worker)
    worker.log.close()
    servers.close()
    assert all(p.poll() is not None for p in servers.procs)
    assert not os.path.exists(servers.folder)


def test_a_rejected_sweep_leaves_no_server_behind(tmp_path, process_tree):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nscenarios:\n  - {name: a, params: {pue: 0.5}}\n")
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "stargate_report", "batch", str(bad), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=60, env=process_tree.env)
    assert proc.returncode == 2 and "pue" in proc.stderr
    assert time.perf_counter() - t < 10  # the servers are ended, not waited for
    assert not [c for c in process_tree.commands() if "stargate_report.runtime.forkserver" in c]  # (its own only)
    assert not (tmp_path / "out").exists()


def test_a_cli_runs_kernels_are_forked_from_a_kernel_server_started_with_the_command(tmp_path, monkeypatch):
    from stargate_report.cli.main import main

    forked: list = []
    real_start = forkclient.start

    def recording_start(path, argv, *args, **kwargs):
        proc = real_start(path, argv, *args, **kwargs)
        forked.append((argv[0], proc))
        return proc

    monkeypatch.setattr(forkclient, "start", recording_start)
    import tempfile

    def ours() -> set[str]:  # the kernels' socket folders, the fork server's
        return {n for n in os.listdir(tempfile.gettempdir()) if n.startswith(("sr-kernels-", "sr-fork-"))}

    before = ours()
    assert main(["run", "--format", "html", "--out", str(tmp_path), "--quiet", "--jobs", "2",
                 "-p", "samples=200"]) == 0
    assert ours() == before  # removed, though the run returns while its kernels shut down
    assert len(list(tmp_path.glob("*/briefing.en.html"))) == 1
    assert [name for name, _ in forked] == ["ipykernel_launcher"] * 2  # both kernels came from the server
    assert all(isinstance(proc, forkclient.ForkedProcess) for _, proc in forked)
    assert forkserver.KERNEL_SERVER_ENV not in os.environ  # only while the run asked for kernels
    forked.clear()
    assert main(["run", "--format", "html", "--out", str(tmp_path), "--quiet", "--jobs", "2",
                 "-p", "samples=200"]) == 0  # unchanged: served from the cache, no kernel asked for
    assert forked == []


def test_a_kernel_server_asked_nothing_is_ended_at_once():
    servers = forkclient.Servers(roles=("kernel",))
    with servers.kernels():
        assert os.environ[forkserver.KERNEL_SERVER_ENV] == servers.paths["kernel"]
    assert forkserver.KERNEL_SERVER_ENV not in os.environ
    servers.close()  # it never forked: not waited for (it would finish its imports first)
    assert servers.procs[0].returncode == -signal.SIGKILL
    assert not os.path.exists(servers.folder)


def test_a_servers_socket_appears_only_once_it_accepts(tmp_path):
    """Clients connect as soon as the socket file exists (forkclient.Servers waits for it). A server that
    bound its socket and listened a moment later refused the clients of that moment (ECONNREFUSED): they
    started their processes unforked, which made the fork tests above fail now and then on a busy machine.
    Here that moment is made half a second long; a client that connects the instant the file appears must
    be accepted."""
    path = tmp_path / "worker.sock"
    code = ("import socket, sys, time\n"
            "listen = socket.socket.listen\n"
            "socket.socket.listen = lambda self, n: (time.sleep(0.5), listen(self, n))[1]\n"
            "from stargate_report.runtime import forkserver\n"
            "sys.exit(forkserver.serve('worker', sys.argv[1]))\n")
    server = subprocess.Popen([sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE)
    try:
        deadline = time.time() + 30
        while not path.exists():
            assert time.time() < deadline and server.poll() is None
            time.sleep(0.001)
        import socket

        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(str(path))  # refused if the file came before listen()
        finally:
            conn.close()
    finally:
        server.stdin.close()
        server.wait(timeout=60)
