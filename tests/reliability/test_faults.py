"""Faults: a dead kernel, a hanging cell, a full disk, Ctrl-C, symlinks. In every case: a clear message, a
non-zero exit, the previous good briefing intact, no temporary folder left, the failed notebook kept."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stargate_report import folders
from stargate_report.exceptions import BuildError, ChapterError, ParameterError
from stargate_report.pipeline import build, run_request
from stargate_report.runtime import kernels as warm_kernels

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
PARAMS = ('preset: str = "milam-county"\noverrides: dict = {}\nlang: str = "en"\nresults_path: str = ""')


def _chapter(code: str) -> dict:
    cells = [{"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": PARAMS, "outputs": [],
              "execution_count": None, "id": "p"},
             {"cell_type": "code", "metadata": {}, "source": code, "outputs": [], "execution_count": None, "id": "f"}]
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                          "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}


@pytest.fixture
def site(tmp_path):
    """An output folder with a good briefing, and a notebook folder we can add a faulty chapter to."""
    books = tmp_path / "notebooks"
    books.mkdir()
    summary = json.loads((REPO / "notebooks" / "01_summary.ipynb").read_text())
    (books / "01_summary.ipynb").write_text(json.dumps(summary))
    out = tmp_path / "output"
    good = run_request.make_request(out_dir=out, formats="html", name="run", overrides={"samples": 100})
    good.notebooks_dir = books
    build.run(good, warn=lambda m: None)
    return books, out, (out / "run" / "briefing.en.html").read_bytes()


def _request(books, out, **kw):
    req = run_request.make_request(out_dir=out, formats="html", name="run", overrides={"samples": 101}, **kw)
    req.notebooks_dir = books
    return req


def _intact(out, before):
    assert (out / "run" / "briefing.en.html").read_bytes() == before
    assert not [p for p in out.iterdir() if ".tmp-" in p.name]


@pytest.fixture(params=["launched", "forked"])
def kernels(request):
    """Kernels launched as new interpreters (the Python API), or forked from a kernel server (what
    `stargate-report run` and a sweep's workers use, on Linux)."""
    from stargate_report.runtime import forkclient

    if request.param == "launched":
        yield request.param
        return
    if not forkclient.AVAILABLE:
        pytest.skip("fork servers are for Linux")
    servers = forkclient.Servers(roles=("kernel",))
    try:
        with servers.kernels():
            yield request.param
    finally:
        servers.close()


def test_a_kernel_that_dies(site, kernels):
    books, out, before = site
    (books / "02_fault.ipynb").write_text(json.dumps(_chapter("import os\nos._exit(3)")))
    with pytest.raises(ChapterError) as err:
        build.run(_request(books, out), warn=lambda m: None)
    msg = str(err.value)
    assert "chapter '02_fault'" in msg and "cell 3" in msg and "kernel process died" in msg
    _intact(out, before)
    assert (out / "run.failed" / "en" / "02_fault.ipynb").is_file()


def test_a_cell_that_hangs_is_stopped_by_the_timeout(site, kernels):
    books, out, before = site
    (books / "02_fault.ipynb").write_text(json.dumps(_chapter("import time\ntime.sleep(600)")))
    t = time.perf_counter()
    with pytest.raises(ChapterError) as err:
        build.run(_request(books, out, cell_timeout_s=3), warn=lambda m: None)
    assert time.perf_counter() - t < 120
    msg = str(err.value)
    assert "chapter '02_fault'" in msg and "--cell-timeout" in msg
    _intact(out, before)


def test_a_full_disk(site, monkeypatch):
    books, out, before = site

    def full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(build, "render_languages", full)
    with pytest.raises(BuildError, match="No space left on device.*previous briefing, if any, is unchanged"):
        build.run(_request(books, out), warn=lambda m: None)
    _intact(out, before)


def test_ctrl_c_in_the_middle(site):
    books, out, before = site
    (books / "02_fault.ipynb").write_text(json.dumps(_chapter("import time\ntime.sleep(60)")))
    (books / "03_after.ipynb").write_text(json.dumps(_chapter("x = 1 + 1")))
    params = out.parent / "p.yaml"
    params.write_text("samples: 102\n")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    code = ("import sys; from pathlib import Path; from stargate_report.pipeline import build, run_request;"
            f"r = run_request.make_request(out_dir={str(out)!r}, formats='html', name='run', overrides={{'samples': 102}});"
            f"r.notebooks_dir = Path({str(books)!r});"
            "import signal; signal.signal(signal.SIGINT, signal.default_int_handler);"
            "\ntry:\n    build.run(r, warn=lambda m: None)\nexcept KeyboardInterrupt:\n    sys.exit(130)")
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, start_new_session=True)
    deadline = time.time() + 90
    while time.time() < deadline and not list(out.glob(".run.tmp-*/notebooks/en/01_summary.ipynb")):
        time.sleep(0.2)
    time.sleep(2)
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=120) == 130
    _intact(out, before)


def test_symlinks_are_not_followed_out_of_the_output_folder(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("precious")
    out = tmp_path / "output"
    out.mkdir()
    (out / "run").symlink_to(elsewhere)
    with pytest.raises(ParameterError, match="symbolic link"):  # at validation, before anything runs
        build.run(run_request.make_request(out_dir=out, formats="html", name="run"), warn=lambda m: None)
    assert (elsewhere / "keep.txt").read_text() == "precious" and (out / "run").is_symlink()


def test_a_killed_pool_writes_nothing_more(tmp_path):
    """Ctrl-C kills the kernels; a chapter's thread that sees its kernel die afterwards (nbclient may wait
    seconds for its output first) must not write its notebook into the run that is being cleaned up."""
    import threading

    import nbformat

    marker = tmp_path / "started"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        f"import time\nopen({str(marker)!r}, 'w').close()\ntime.sleep(60)")])
    path = tmp_path / "sleepy.ipynb"
    nbformat.write(nb, str(path))
    out = tmp_path / "run" / "sleepy.ipynb"
    out.parent.mkdir()
    pool = warm_kernels.KernelPool(1, tmp_path, 120)
    runner = threading.Thread(target=pool.run, args=([("en", path, out, {})], lambda msg: None), daemon=True)
    runner.start()
    deadline = time.time() + 60
    while time.time() < deadline and not marker.exists():
        time.sleep(0.1)
    assert marker.exists()
    pool.close(kill=True)  # waits for the threads at most briefly
    pool.join()  # (here: until the thread has seen its kernel die and ended)
    assert not out.exists()
    assert not pool.sockets.exists()  # removed with the last kernel's thread


def _building(books, out, samples: int, sleep_s: float, jobs: int | None = None) -> subprocess.Popen:
    """A build of 'run' in a process of its own, with a chapter that sleeps: returned once its first chapter
    is written into its temporary folder (it prints its status when it ends)."""
    (books / "02_slow.ipynb").write_text(json.dumps(_chapter(f"import time\ntime.sleep({sleep_s})")))
    code = ("from pathlib import Path; from stargate_report.pipeline import build, run_request;"
            f"r = run_request.make_request(out_dir={str(out)!r}, formats='html', name='run', overrides={{'samples': {samples}}});"
            f"r.notebooks_dir = Path({str(books)!r}); r.jobs = {jobs!r};"
            "print(build.run(r, warn=lambda m: None).status)")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 90
    while time.time() < deadline and not list(out.glob(".run.tmp-*/notebooks/en/01_summary.ipynb")):
        time.sleep(0.1)
    assert list(out.glob(".run.tmp-*")), "the build never started its chapters"
    return proc


def _finished(proc: subprocess.Popen, timeout_s: float) -> tuple[str, str]:
    """The build's output once it ends; a build that hangs fails the test (and is killed)."""
    try:
        return proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"the build hung (still running after {timeout_s} s)")


def test_two_runs_of_the_same_name_at_once_both_finish(site):
    """A run removes the temporary folders that runs of its name killed outright left behind; it used to
    remove the one a run of the same name (another terminal) was still building in, which then failed
    with 'cannot write the briefing ...: No such file or directory'."""
    books, out, _ = site
    first = _building(books, out, samples=103, sleep_s=4)
    second = build.run(_request(books, out), warn=lambda m: None, force=True)  # meanwhile, the same name
    stdout, stderr = _finished(first, 120)
    assert first.returncode == 0 and stdout.strip() == "ok", stderr
    assert second.status == "ok"
    assert (out / "run" / "briefing.en.html").is_file()
    assert not [p for p in out.iterdir() if ".tmp-" in p.name or ".old-" in p.name]


def test_a_killed_runs_temporary_folder_is_removed_by_the_next_run(site):
    books, out, _ = site
    dead = out / ".run.tmp-killed"  # what a run killed with SIGKILL leaves (its lock went with it)
    (dead / "notebooks").mkdir(parents=True)
    young = out / ".run.tmp-young"  # unlocked, but made a moment ago: maybe a run about to claim it
    young.mkdir()
    past = time.time() - folders.STALE_AFTER_S - 1
    os.utime(dead, (past, past))
    assert build.run(_request(books, out), warn=lambda m: None, force=True).status == "ok"
    assert not dead.exists() and young.is_dir()


def test_socket_folders_of_killed_processes_are_removed(tmp_path, monkeypatch):
    """A process killed outright (SIGKILL, the OOM killer, a CI timeout) leaves its kernels' socket folder
    in the temporary folder; the next pool removes such folders, but not one in use or just made."""
    monkeypatch.setattr(build.tempfile, "tempdir", str(tmp_path))
    past = time.time() - folders.STALE_AFTER_S - 1
    dead, live, young = (tmp_path / f"sr-kernels-{n}" for n in ("dead", "live", "young"))
    for folder in (dead, live, young):
        folder.mkdir()
        (folder / "k0-1").write_text("")
    claim = folders.claim(live)  # another process's pool, still running (its lock)
    try:
        for folder in (dead, live):
            os.utime(folder, (past, past))
        made = warm_kernels._socket_folder()
        assert not dead.exists() and live.is_dir() and young.is_dir() and made.is_dir()
    finally:
        os.close(claim)


def test_a_run_whose_folder_is_removed_under_it_fails_and_does_not_hang(site):
    """Something else removes the run's temporary folder while a chapter runs (a clean-up job, or before
    the fix above another run of the same name). The chapter's thread then failed to write even the failed
    notebook and ended unreported, and the run waited for it for ever."""
    books, out, before = site
    proc = _building(books, out, samples=104, sleep_s=3, jobs=2)
    for tmp in out.glob(".run.tmp-*"):
        subprocess.run(["rm", "-rf", str(tmp)], check=True)
    _, stderr = _finished(proc, 60)
    assert proc.returncode == 1
    assert "BuildError: cannot write the briefing under" in stderr and "No such file or directory" in stderr
    _intact(out, before)


@pytest.mark.parametrize("theirs", [False, True])
def test_a_good_run_clears_its_failed_notebooks_and_nothing_else(site, theirs):
    """After a good run, <run>.failed/ (the notebooks a failed run kept) goes; a folder of that name that
    holds anything else (someone's notes) used to go too."""
    books, out, _ = site
    kept = out / "run.failed" / "en"
    kept.mkdir(parents=True)
    (kept / "02_fault.ipynb").write_text("{}")
    if theirs:
        (out / "run.failed" / "notes.txt").write_text("precious")
    assert build.run(_request(books, out), warn=lambda m: None, force=True).status == "ok"
    assert (out / "run.failed").exists() == theirs
    if theirs:
        assert (out / "run.failed" / "notes.txt").read_text() == "precious"


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie nobody reaps, as under a container's first process, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_pdf_helpers_die_with_their_parent():
    """SIGKILL of `run` (or of a batch worker) orphaned its PDF helper process and multiprocessing's
    resource tracker, which then lived on for ever."""
    code = ("import os, sys, time\nfrom stargate_report.runtime.kernels import helper_pool\n"
            "pool = helper_pool(1)\nprint(pool.submit(os.getpid).result(), flush=True)\ntime.sleep(600)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        helper = int(proc.stdout.readline())
        family = set(_children(proc.pid)) | {helper}  # the helper and the resource tracker
        assert helper in family and len(family) >= 2
    finally:
        proc.kill()
        proc.wait()
    deadline = time.time() + 15
    while time.time() < deadline and any(_alive(p) for p in family):
        time.sleep(0.1)
    assert not [p for p in family if _alive(p)]


def test_kernel_connection_files_live_in_the_pools_private_folder(tmp_path):
    """The connection files carry the kernels' HMAC keys; they went to the shared runtime/temporary folder and
    stayed there after SIGKILL. Now they are in the pool's own folder (mode 700), which the next pool
    removes once its process is gone (test_socket_folders_of_killed_processes_are_removed)."""
    pool = warm_kernels.KernelPool(1, tmp_path, 60)
    try:
        assert (pool.sockets.stat().st_mode & 0o777) == 0o700
        files = [Path(km.connection_file) for km in pool.managers]
        assert files and all(f.parent == pool.sockets and f.is_file() for f in files)
    finally:
        pool.close()
    assert not pool.sockets.exists()
