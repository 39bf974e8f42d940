"""Sweeps and the cache: validation first, parallel runs, one failure isolated, Dask, served from cache.

These build real briefings (HTML only, few samples), so they are marked slow.
"""
from __future__ import annotations

import html
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from stargate_report.batch import dask_executor, index_page, local_executor, runner, sweep_file
from stargate_report.exceptions import ParameterError, UnknownNameError
from stargate_report.pipeline import build, run_request
from stargate_report.present import formatting
from stargate_report.present.i18n import t
from stargate_report.runtime import cores, forkclient

pytestmark = pytest.mark.slow

SMALL = """
name: small
lang: en
formats: html
base: {preset: milam-county, params: {samples: 200}}
scenarios:
  - {name: texas}
  - {name: germany, params: {region: de}}
"""


def _sweep(tmp_path, text=SMALL, name="sweep.yaml"):
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.mark.parametrize("text,error,needle", [
    ("name: x\nscenaros: []\n", UnknownNameError, "did you mean 'scenarios'"),
    ("name: x\nscenarios:\n  - {name: a, params: {pue: 0.5}}\n", ParameterError, "scenario 'a'"),
    ("name: x\nscenarios:\n  - {name: a, params: {regon: de}}\n", ParameterError, "regon"),
    ("name: x\nscenarios:\n  - {name: a, colour: red}\n", UnknownNameError, "key of scenario 'a'"),
    ("name: x\ngrid: {region: []}\n", ParameterError, "grid.region"),
    ("name: x\nscenarios:\n  - {name: a}\n  - {name: A}\n", ParameterError, "unique run names"),
    ("name: x\n", ParameterError, "at least one run"),
    # the sweep's own keys named as such (they were reported as an error of the first scenario)
    ("name: x\nlang: fr\nscenarios:\n  - {name: a}\n", ParameterError, "invalid value for 'lang': 'fr'"),
    ("name: x\nformats: docx\nscenarios:\n  - {name: a}\n", ParameterError, "invalid value for 'formats': 'docx'"),
    ("name: x\nbase: {preset: milam}\nscenarios:\n  - {name: a}\n", ParameterError,
     "invalid value for 'base.preset': 'milam'; allowed: one of abilene, milam-county"),
    ("!!python/object/apply:os.system ['true']\n", ParameterError, "sweep"),
])
def test_bad_sweeps_are_rejected_before_anything_runs(tmp_path, text, error, needle):
    with pytest.raises(error, match=re.escape(needle)):
        sweep_file.load_sweep(_sweep(tmp_path, text), tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("address", ["foo", "tcp://", "tcp://localhost:99999", "localhost:0", "inproc://x",
                                     "http://localhost:8786", "", "   "])
def test_a_scheduler_address_that_is_not_one_is_named(tmp_path, address):
    """dask failed on these with a traceback (``ValueError: missing port number``, ``not enough values to
    unpack``), or tried for 10 s to reach a port that cannot exist."""
    t = time.perf_counter()
    with pytest.raises(ParameterError, match=r"invalid value for 'scheduler'.*tcp://host:port"):
        dask_executor.DaskExecutor(address)
    assert time.perf_counter() - t < 2


def test_a_scheduler_address_where_none_answers_is_named(tmp_path, monkeypatch):
    import socket

    with socket.socket() as sock:  # a port on this machine that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setattr(dask_executor, "SCHEDULER_TIMEOUT_S", 1)
    with pytest.raises(ParameterError, match=rf"'scheduler': '127.0.0.1:{port}'.*none answered within 1 s"):
        dask_executor.DaskExecutor(f"127.0.0.1:{port}")
    assert dask_executor.scheduler_address(f"127.0.0.1:{port}") == f"tcp://127.0.0.1:{port}"
    assert dask_executor.scheduler_address("tls://[::1]:8786") == "tls://[::1]:8786"


def test_a_scheduler_without_dask_installed_says_what_to_install(monkeypatch):
    """dask is an optional extra: without it, --scheduler ended in a ModuleNotFoundError traceback."""
    for name in ("dask.distributed", "distributed", "distributed.comm.addressing"):
        monkeypatch.setitem(sys.modules, name, None)  # (an import of it now fails, as if not installed)
    with pytest.raises(ParameterError, match=r"'scheduler'.*pip install 'stargate-report\[dask\]'"):
        dask_executor.DaskExecutor("tcp://localhost:8786")


def test_a_bad_scheduler_on_the_command_line_exits_2_before_anything_runs(tmp_path):
    path = _sweep(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "stargate_report", "batch", str(path), "--out", str(tmp_path / "out"),
                           "--scheduler", "tcp://localhost"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"stargate-report: error: invalid value for 'scheduler': 'tcp://localhost'; allowed: {dask_executor.SCHEDULER_RULE}"]
    assert not (tmp_path / "out").exists()


def test_grid_expands_to_named_runs(tmp_path):
    sweep = sweep_file.load_sweep(_sweep(tmp_path, "name: g\ngrid: {region: [us-tx, de], pue: [1.1, 1.3]}\n"), tmp_path)
    assert [r.name for r in sweep.runs] == ["region-us-tx-pue-1-1", "region-us-tx-pue-1-3", "region-de-pue-1-1",
                                            "region-de-pue-1-3"]
    assert sweep.runs[3].request.scenario.region == "de" and sweep.runs[3].request.scenario.pue == 1.3


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    path = _sweep(root)
    sweep = sweep_file.load_sweep(path, root / "out")
    steps: list = []
    lock = threading.Lock()

    def step(run, text):  # called from the slots' threads
        with lock:
            steps.append((run, text))

    placed: dict = {}  # run -> {"worker": cores, "kernel": cores} as seen while it was built
    done = threading.Event()
    sampler = threading.Thread(target=_where_runs_run, args=(root / "out", placed, done), daemon=True)
    sampler.start()
    try:
        first = runner.run_sweep(sweep, root / "out", workers=2, run_progress=step)
    finally:
        done.set()
        sampler.join()
    t = time.perf_counter()
    second = runner.run_sweep(sweep, root / "out", workers=2)
    return root, sweep, first, second, time.perf_counter() - t, steps, placed


def _where_runs_run(out, placed: dict, done: threading.Event) -> None:
    """Samples which cores each run's worker (``local_executor.RUNNING``) and kernels (working in the run's
    temporary folder, ``.<run>.tmp-*``) may use, until ``done``."""
    while not done.is_set():
        for pid, run in list(local_executor.RUNNING.items()):
            try:
                placed.setdefault(run, {}).setdefault("worker", set()).add(frozenset(os.sched_getaffinity(pid)))
            except OSError:
                pass
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                cwd = os.readlink(f"/proc/{pid}/cwd")
                match = re.search(r"/\.([^/]+)\.tmp-", cwd) if cwd.startswith(str(out)) else None
                if match:
                    cores = frozenset(os.sched_getaffinity(int(pid)))
                    placed.setdefault(match.group(1), {}).setdefault("kernel", set()).add(cores)
            except OSError:
                pass
        time.sleep(0.05)


def test_each_run_reports_its_chapters_as_they_start(swept):
    steps = swept[5]
    for run in ("texas", "germany"):
        own = [text for name, text in steps if name == run]
        chapters = [text for text in own if text and "running chapter" in text]
        assert chapters == [f"[en] running chapter {nb.stem} ({i}/8)" for i, nb in enumerate(run_request.chapters(), 1)]
        assert own[0].startswith("evaluating scenario") and own[-2] == "[en] rendering html" and own[-1] is None


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="pinning needs at least two cores")
def test_each_worker_and_its_kernels_keep_to_their_own_cores(swept):
    placed = swept[-1]
    slots = local_executor.slot_cores(2)
    assert set(placed) == {"texas", "germany"}
    for run, seen in placed.items():
        # the worker is pinned as it starts; its kernel comes from the sweep's kernel server, which may use
        # every core, and is moved onto the worker's
        assert len(seen["worker"]) == 1 and next(iter(seen["worker"])) in slots, (run, seen)
        assert seen["kernel"] == seen["worker"], (run, seen)
    assert placed["texas"]["worker"] != placed["germany"]["worker"]  # one slot each, side by side


@pytest.mark.parametrize("workers,allowed,slots", [
    (2, {0, 1}, [{0}, {1}]),
    (2, set(range(8)), [{0, 1, 2, 3}, {4, 5, 6, 7}]),
    (3, set(range(8)), [{0, 1, 2}, {3, 4, 5}, {6, 7}]),
    (2, {2, 9, 5, 7}, [{2, 5}, {7, 9}]),  # the cores this process may use (taskset), in order
    (1, {0, 1}, None),  # one worker: the system spreads its kernels over every core
    (3, {0, 1}, None),  # more workers than cores: no core of its own for each
])
def test_slots_get_neighbouring_cores_as_equal_as_they_go(workers, allowed, slots):
    assert local_executor.slot_cores(workers, allowed) == (None if slots is None else [frozenset(c) for c in slots])


def test_runs_count_the_cores_they_may_use(monkeypatch):
    # `taskset -c 3 stargate-report run`, or a pinned sweep worker: one kernel, not one per core of the machine
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3}, raising=False)
    assert cores.usable_cores() == 1
    assert local_executor.slot_cores(2) is None  # two workers, one core: nothing to pin
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)  # macOS, Windows
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert cores.usable_cores() == 6 and local_executor.slot_cores(2) is None


def test_no_pin_leaves_the_workers_to_the_system(monkeypatch):
    from stargate_report.cli import main as cli

    args = cli.parser().parse_args(["batch", "sweep.yaml", "--no-pin"])
    assert args.pin is False and cli.parser().parse_args(["batch", "sweep.yaml"]).pin is True

    class NoServers:
        def release(self) -> None: ...
        def close(self) -> None: ...

    monkeypatch.setattr(local_executor, "slot_cores", lambda workers, allowed=None: [frozenset({0}), frozenset({1})])
    unpinned, pinned = local_executor.LocalExecutor(2, NoServers(), pin=False), local_executor.LocalExecutor(2, NoServers())
    try:
        assert unpinned.slots == [None, None] and pinned.slots == [frozenset({0}), frozenset({1})]
    finally:
        unpinned.shutdown()
        pinned.shutdown()


def test_sweep_status_on_a_terminal_and_in_a_log():
    import io

    from stargate_report.cli.sweep_status import SweepStatus

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    for stream in (io.StringIO(), Terminal()):
        status = SweepStatus(stream, 2)
        status.step("texas", "[en] running chapter 04_supply (4/8)")
        status.step("germany", "evaluating scenario 'germany' (200 samples)")
        status.step("texas", None)
        status.line("[#.] 1/2 ok       texas (3.0 s)")
        status.close()
        out = stream.getvalue()
        if stream.isatty():  # a live block (the bar, each running run's short step); finished runs' lines stay
            assert "texas: [en] 04_supply 4/8" in out and "germany: evaluating scenario" in out
            assert "0/2" in out and "1/2" in out
            assert "[#.] 1/2 ok       texas (3.0 s)\n" in out
            assert status.done == 1 and status.tasks == {"germany": status.tasks["germany"]}
        else:  # a line per step, prefixed with its run
            assert out.splitlines() == ["texas: [en] running chapter 04_supply (4/8)",
                                        "germany: evaluating scenario 'germany' (200 samples)",
                                        "[#.] 1/2 ok       texas (3.0 s)"]


def test_sweep_status_on_a_closed_stream_stays_quiet():
    import io

    from stargate_report.cli.sweep_status import SweepStatus

    class Closed(io.StringIO):  # a pipe whose reader has gone (`| head`)
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    status = SweepStatus(Closed(), 2)
    status.step("texas", "evaluating scenario 'texas' (200 samples)")  # no exception, and none later
    status.step("texas", None)
    status.line("[#.] 1/2 ok       texas (3.0 s)")
    status.close()
    assert status.stream is None and status.done == 1


def test_a_sweep_piped_into_head_finishes_its_runs(tmp_path):
    """`stargate-report batch sweep.yaml 2>&1 | head -1`: once the reader has gone, progress lines fail
    to write. That used to look like a dead worker, whose end the slot then waited for forever."""
    path = _sweep(tmp_path, SMALL.replace("name: small", "name: piped"))
    proc = subprocess.Popen([sys.executable, "-m", "stargate_report", "batch", str(path), "--out",
                             str(tmp_path / "out")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            cwd=tmp_path)
    first = proc.stdout.readline()  # then the reader goes, like `head -1`
    proc.stdout.close()
    try:
        code = proc.wait(timeout=180)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the sweep hung after its output pipe closed")
    assert first and code == 0
    for run in ("texas", "germany"):
        assert (tmp_path / "out" / "piped" / run / "briefing.en.html").is_file()
    assert (tmp_path / "out" / "piped" / "index.html").is_file()
    assert _left_in(tmp_path) == []


def test_sweep_runs_every_scenario_and_writes_an_index(swept):
    root, sweep, first, *_ = swept
    assert [o.status for o in first] == ["ok", "ok"]
    index = (root / "out" / "small" / "index.html").read_text()
    for run in ("texas", "germany"):
        assert (root / "out" / "small" / run / "briefing.en.html").is_file()
        assert f'href="{run}/briefing.en.html"' in index
    assert not re.findall(r'(?:src|href)="https?:', index) and "<svg" in index
    # metrics under their labels (the ledger id in the tooltip); chart axes in a plot unit, with its title
    assert '<th title="capex_usd">Campus capital cost (without the supply)</th>' in index
    for metric in index_page.INDEX_CHARTS:
        assert html.escape(t(f"index.axis.{metric}", "en"), quote=False) in index
    assert index_page.summary_table(first).splitlines()[-1].startswith("ok 2, cached 0")
    # headline figures carry their P10-P90 range, in the table and as rules on the bars (as in a briefing)
    results = json.loads((root / "out" / "small" / "texas" / "data" / "results.json").read_text())
    capex = results["quantities"]["capex_usd"]
    assert html.escape(formatting.with_range(capex["p50"], capex["p10"], capex["p90"], "usd", "en")) in index
    assert re.search(r"\(\d[\d.]*–\d[\d.]*\)", formatting.with_range(capex["p50"], capex["p10"], capex["p90"], "usd"))
    assert index.count('class="mark-rule') >= len(index_page.INDEX_CHARTS)  # the P10-P90 rules
    assert html.escape(t("index.ranges", "en"), quote=False) in index


def test_the_worker_folders_of_killed_sweeps_are_removed(tmp_path, monkeypatch):
    """A sweep killed outright left its workers' stargate-sweep-* TMPDIR behind for good; the next sweep
    removes such folders when no live sweep holds them."""
    import tempfile

    from stargate_report import folders

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(forkclient, "AVAILABLE", False)
    dead = tmp_path / "stargate-sweep-dead"
    (dead / "sr-kernels-x").mkdir(parents=True)
    past = time.time() - folders.STALE_AFTER_S - 1
    os.utime(dead, (past, past))
    live = local_executor.LocalExecutor(1)
    os.utime(live.tmp, (past, past))
    try:
        ex = local_executor.LocalExecutor(1)
        ex.shutdown()
        assert not dead.exists() and os.path.isdir(live.tmp) and not os.path.exists(ex.tmp)
    finally:
        live.shutdown()
    assert not os.path.exists(live.tmp)


def test_a_german_sweeps_index_is_german(tmp_path):
    """Its headers, counts and statuses were English whatever the sweep's language, and seconds had a dot."""
    sweep = sweep_file.load_sweep(_sweep(tmp_path, SMALL.replace("lang: en", "lang: de")), tmp_path / "out")
    (tmp_path / "out" / "small").mkdir(parents=True)
    outcomes = [sweep_file.RunOutcome("texas", "failed", 12.25, "", "kaputt"), sweep_file.RunOutcome("germany", "cached", 0.5)]
    index = index_page.write_index(sweep, tmp_path / "out" / "small", outcomes).read_text()
    assert '<html lang="de">' in index
    for key in ("index.kicker", "index.col.run", "index.col.preset", "index.col.parameters", "index.col.seconds",
                "index.col.briefings", "index.status.failed", "index.status.cached"):
        assert html.escape(t(key, "de"), quote=False) in index, key
    assert f"2 {t('index.runs', 'de')}: ok 0, {t('index.status.cached', 'de')} 1" in index
    assert "<td>12,2</td>" in index or "<td>12,3</td>" in index  # decimal comma
    assert "<th>run</th>" not in index and "seconds" not in index


def test_unchanged_sweep_is_served_from_the_cache(swept):
    second, seconds = swept[3], swept[4]
    assert [o.status for o in second] == ["cached", "cached"]
    assert seconds < 10  # two child processes that start, hash and stop; no kernel


def _temporary_folders() -> set[str]:
    """The sweeps' and kernel pools' folders in the system's temporary folder."""
    import tempfile

    prefixes = ("stargate-sweep-", "stargate-kernels-", "sr-kernels-", "sr-fork-")
    return {n for n in os.listdir(tempfile.gettempdir()) if n.startswith(prefixes)}


def _left_in(folder, wait_s: float = 10.0) -> list[int]:
    """Processes still working in ``folder`` (kernels run in their run's folder) after up to ``wait_s``."""
    deadline = time.time() + wait_s
    while True:
        left = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if os.readlink(f"/proc/{pid}/cwd").startswith(str(folder)):
                    left.append(int(pid))
            except OSError:
                pass
        if not left or time.time() > deadline:
            return left
        time.sleep(0.1)


def test_a_worker_that_dies_fails_only_its_run(tmp_path):
    path = _sweep(tmp_path, SMALL.replace("name: small", "name: killed"))
    sweep = sweep_file.load_sweep(path, tmp_path / "out")
    killed = []

    def assassin():
        deadline = time.time() + 60
        while time.time() < deadline and not killed:
            for pid, name in list(local_executor.RUNNING.items()):
                if name == "germany":  # the worker process building germany
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    break
            time.sleep(0.05)

    thread = threading.Thread(target=assassin)
    thread.start()
    outcomes = runner.run_sweep(sweep, tmp_path / "out", workers=2)
    thread.join()
    assert killed
    status = {o.name: o for o in outcomes}
    assert status["texas"].status == "ok"
    assert status["germany"].status == "failed" and "worker died (signal 9)" in status["germany"].message
    assert not (tmp_path / "out" / "killed" / "germany").exists()  # no half-written briefing in place
    assert _left_in(tmp_path) == []  # its kernels ended with it
    index = (tmp_path / "out" / "killed" / "index.html").read_text()
    assert "failed" in index


def test_one_slot_keeps_its_worker_and_replaces_a_dead_one(tmp_path):
    text = SMALL.replace("name: small", "name: serial") + "  - {name: spain, params: {region: es}}\n"
    sweep = sweep_file.load_sweep(_sweep(tmp_path, text), tmp_path / "out")
    seen: dict[str, int] = {}
    killed = []

    def watch():
        deadline = time.time() + 120
        while time.time() < deadline and len(seen) < 3:
            for pid, name in list(local_executor.RUNNING.items()):
                seen.setdefault(name, pid)
                if name == "germany" and not killed:
                    time.sleep(1.0)  # let it start building
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
            time.sleep(0.02)

    thread = threading.Thread(target=watch)
    thread.start()
    before = _temporary_folders()
    outcomes = runner.run_sweep(sweep, tmp_path / "out", workers=1)
    thread.join()
    assert _temporary_folders() == before  # what the killed worker had in its TMPDIR went with the sweep
    status = {o.name: o.status for o in outcomes}
    assert status == {"texas": "ok", "germany": "failed", "spain": "ok"}
    assert seen["texas"] == seen["germany"]  # the same worker process built both (kernels kept warm)
    assert seen["spain"] != seen["germany"]  # a new worker after the death
    assert not local_executor.RUNNING and not local_executor.CHILDREN  # every worker closed at the end
    assert _left_in(tmp_path) == []  # no kernel left, of the dead worker either
    assert (tmp_path / "out" / "serial" / "spain" / "briefing.en.html").is_file()


def test_dask_local_cluster_runs_a_sweep(tmp_path):
    from dask.distributed import Client, LocalCluster

    path = _sweep(tmp_path, SMALL.replace("name: small", "name: dask").replace(
        "  - {name: germany, params: {region: de}}\n", ""))
    sweep = sweep_file.load_sweep(path, tmp_path / "out")
    steps = []
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        outcomes = runner.run_sweep(sweep, tmp_path / "out", executor=dask_executor.DaskExecutor(client), jobs=1,
                                   run_progress=lambda run, line: steps.append((run, line)))
    assert [o.status for o in outcomes] == ["ok"]
    assert (tmp_path / "out" / "dask" / "texas" / "briefing.en.html").is_file()
    # the run's steps came back from the cluster's worker as events, in order, then its end
    assert {run for run, _ in steps} == {"texas"}
    own = [line for _, line in steps]
    chapters = [line for line in own if line and "running chapter" in line]
    assert chapters == [f"[en] running chapter {nb.stem} ({i}/8)" for i, nb in enumerate(run_request.chapters(), 1)]
    assert own[0].startswith("evaluating scenario") and own[-2] == "[en] rendering html" and own[-1] is None


def test_a_cluster_gets_the_output_folder_in_full_and_runs_it_cannot_share_fail(tmp_path, monkeypatch):
    """A cluster's worker runs in a folder of its own: a relative --out used to land there (`dask worker`
    started in /: the briefings went to /output/...), and the sweep reported them ok with an empty index."""
    from concurrent.futures import Future

    class ElsewhereCluster:  # what DaskExecutor offers run_sweep; the runs 'succeed' on another disk
        def __init__(self):
            self.outs = []

        def submit(self, fn, spec, out, force, topic):
            self.outs.append(out)
            fut = Future()
            fut.set_result({"name": spec["name"], "status": "ok", "seconds": 1.0, "folder": "", "message": ""})
            return fut

        def release(self):
            pass

        def shutdown(self):
            pass

    monkeypatch.chdir(tmp_path)
    sweep = sweep_file.load_sweep(_sweep(tmp_path), "out")
    cluster = ElsewhereCluster()
    outcomes = runner.run_sweep(sweep, "out", executor=cluster)
    assert cluster.outs and all(out == str(tmp_path / "out" / "small") for out in cluster.outs)
    assert {o.status for o in outcomes} == {"failed"}
    assert all("--out must be a folder the workers share with this machine" in o.message for o in outcomes)


def test_a_run_on_a_cluster_whose_worker_dies_fails_with_why(tmp_path):
    """What a dask worker runs (:func:`dask_executor.run_one`, outside a dask task here): a worker process of its
    own; killed, the run fails and says so, and no process or half-written briefing is left."""
    spec = {"name": "texas", "preset": "milam-county", "params": {"samples": 200}, "langs": "en",
            "formats": "html", "jobs": 1}
    killed = []

    def assassin():
        deadline = time.time() + 60
        while time.time() < deadline and not killed:
            for pid in list(local_executor.RUNNING):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.05)

    thread = threading.Thread(target=assassin)
    thread.start()
    outcome = dask_executor.run_one(spec, str(tmp_path / "out"), False)
    thread.join()
    assert killed and outcome["status"] == "failed" and "worker died (signal 9)" in outcome["message"]
    assert not local_executor.RUNNING and not local_executor.CHILDREN
    assert not (tmp_path / "out" / "texas").exists()
    assert dask_executor.run_one(spec, str(tmp_path / "out"), False)["status"] == "ok"  # and a new one works


def test_the_cache_reruns_exactly_what_changed(tmp_path):
    def req(**kw):
        return run_request.make_request(out_dir=tmp_path, formats=kw.pop("formats", "html"), name="c",
                                  overrides={"samples": 200, **kw})

    first = build.run(req(), warn=lambda m: None)
    assert first.status == "ok"
    assert build.run(req(), warn=lambda m: None).status == "cached"
    again = build.run(req(formats="html,pdf"), warn=lambda m: None)  # a format: re-render, no kernel
    assert again.status == "rendered" and (tmp_path / "c" / "briefing.en.pdf").is_file()
    changed = build.run(req(pue=1.3), warn=lambda m: None)  # a parameter: everything again
    assert changed.status == "ok"
    assert build.run(req(pue=1.3), warn=lambda m: None, force=True).status == "ok"


def test_ctrl_c_stops_a_sweep_at_once_and_leaves_nothing_behind(tmp_path, process_tree):
    text = SMALL.replace("name: small", "name: stopped") + "  - {name: spain, params: {region: es}}\n"
    path = _sweep(tmp_path, text)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "stargate_report", "batch", str(path), "--out", str(out),
                             "--workers", "2", "--quiet"], start_new_session=True, stderr=subprocess.PIPE, text=True,
                            env=process_tree.env)
    deadline = time.time() + 120
    while time.time() < deadline and not list(out.glob("stopped/.*.tmp-*/data/results.json")):
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends to the whole group
    t = time.time()
    assert proc.wait(timeout=60) == 130
    assert time.time() - t < 20  # running kernels are killed, no new run starts
    assert "interrupted" in proc.stderr.read()
    time.sleep(0.5)
    assert not list(out.glob("stopped/.*"))  # no temporary folder, no half-written briefing
    left = " ".join(process_tree.commands())  # (this sweep's processes only, not the machine's)
    assert str(path) not in left and "stargate_report.batch.worker" not in left
    assert "stargate_report.runtime.forkserver" not in left


def test_a_worker_that_crashes_says_why(tmp_path):
    # a request without a preset is a bug in the runner, not bad user input: the worker crashes
    out = local_executor.run_on_worker({"name": "x", "params": {}, "langs": "en", "formats": "html"}, str(tmp_path), False)
    assert out["status"] == "failed"
    assert "worker exited with code 1" in out["message"] and "KeyError: 'preset'" in out["message"]
    assert not local_executor.CHILDREN


def test_the_index_renderer_warms_up_at_once_at_the_lowest_priority(monkeypatch):
    from stargate_report.present import charts

    seen = []
    monkeypatch.setattr(charts, "warm_up", lambda: seen.append(
        (threading.current_thread().name, os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))))
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    renderer = index_page.IndexRenderer()
    renderer.wait()
    assert seen == [("index-renderer", 19)]  # only time the runs leave idle
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine  # this thread keeps its own
