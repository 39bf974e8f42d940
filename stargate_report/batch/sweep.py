"""Sweeps: many briefings from one YAML file, in parallel, with a summary and an index page.

A sweep file names scenarios, or a grid over parameters, or both::

    name: regions-and-chips        # the sweep's folder under --out
    lang: en                       # languages of every run (comma-separated)
    formats: html                  # formats of every run
    base: {preset: milam-county, params: {samples: 2000}}
    grid: {region: [us-tx, de, no], accelerator: [h100, gb200]}
    scenarios:
      - {name: norway, preset: stargate-norway, params: {pue: 1.15}}

Every run is validated before anything runs (an error names the scenario and the key). Runs are
executed outside this process, so a run that fails or whose worker dies marks that run failed and the
others go on. The executor is pluggable: a local pool of worker slots (default; each slot keeps a worker
process, :mod:`stargate_report.batch.worker`, with warm kernels across its runs) or a dask.distributed cluster
(``--scheduler tcp://host:port``; each run in a worker process of its own, whose progress comes back as
events of the cluster).
"""
from __future__ import annotations

import html
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stargate_report import folders
from stargate_report.catalog import files as datafiles
from stargate_report.exceptions import ParameterError, StargateReportError, UnknownNameError
from stargate_report.pipeline import run_request
from stargate_report.runtime import cores, forkserver

SWEEP_KEYS = ("name", "lang", "formats", "base", "grid", "scenarios")
RUN_KEYS = ("name", "preset", "params")
#: marks the index pages this package writes (an index.html without it is never replaced)
INDEX_GENERATOR = '<meta name="generator" content="stargate-report">'
#: ledger quantities the index page compares (median with its P10-P90 range)
INDEX_METRICS = ("facility_power_mw", "annual_energy_mwh", "capex_usd", "supply_cost_usd_per_mwh",
                 "emissions_tco2e_per_year", "water_m3_per_year")
#: the index page's bar charts: metric -> plot unit (``formatting.PLOT_UNITS``); axis titles are the
#: catalogue's ``index.axis.<metric>``
INDEX_CHARTS = {"capex_usd": "usd_bn", "supply_cost_usd_per_mwh": "usd_per_mwh", "emissions_tco2e_per_year": "mt"}


@dataclass
class RunSpec:
    """One run of a sweep, validated: its name, preset and parameters (what ``run`` gets)."""

    name: str
    preset: str
    params: dict[str, Any]
    request: run_request.RunRequest = field(repr=False, default=None)


@dataclass
class Sweep:
    name: str
    langs: str
    formats: str
    runs: list[RunSpec]


@dataclass
class RunOutcome:
    name: str
    status: str  # ok | cached | rendered | failed
    seconds: float
    folder: str = ""
    message: str = ""


def _mapping(value, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ParameterError(where, value, "a mapping of key: value")
    return value


def load_sweep(path: str | Path, out_dir: str | Path = "output") -> Sweep:
    """Read and validate a sweep file; every run is validated before anything runs."""
    p = Path(path)
    data = _mapping(datafiles.read_user_yaml(p, "sweep", "a YAML mapping"), "sweep")
    for key in data:
        if key not in SWEEP_KEYS:
            raise UnknownNameError("sweep key", key, list(SWEEP_KEYS))
    name = run_request.run_slug(data.get("name") or p.stem)
    langs = data.get("lang", "en")
    formats = data.get("formats", "html,pdf")
    langs = ",".join(langs) if isinstance(langs, list) else str(langs)
    formats = ",".join(formats) if isinstance(formats, list) else str(formats)
    base = _mapping(data.get("base"), "base")
    for key in base:
        if key not in ("preset", "params"):
            raise UnknownNameError("base key", key, ["preset", "params"])
    base_preset = base.get("preset")
    base_params = _mapping(base.get("params"), "base.params")
    # the sweep's own keys are named as such (each run would otherwise be reported for them)
    from stargate_report.model.scenario import load_preset, preset_names
    from stargate_report.present.formatting import LOCALES

    for key, check, allowed in (
            ("lang", lambda: run_request.parse_list("lang", langs, tuple(LOCALES)), "a list of " + ", ".join(LOCALES)),
            ("formats", lambda: run_request.parse_list("format", formats, run_request.FORMATS),
             "a list of " + ", ".join(run_request.FORMATS)),
            ("base.preset", lambda: base_preset is None or load_preset(base_preset),
             "one of " + ", ".join(preset_names()))):
        try:
            check()
        except StargateReportError as exc:
            value = {"lang": langs, "formats": formats}.get(key, base_preset)
            raise ParameterError(key, value, allowed, getattr(exc, "hint", "")) from None  # (did you mean ...)

    specs: list[tuple[str, str | None, dict]] = []
    grid = _mapping(data.get("grid"), "grid")
    if grid:
        keys = list(grid)
        values = []
        for k in keys:
            v = grid[k]
            if not isinstance(v, list) or not v:
                raise ParameterError(f"grid.{k}", v, "a non-empty list of values")
            values.append(v)
        for combo in itertools.product(*values):
            params = dict(zip(keys, combo))
            label = "-".join(f"{k}-{v}" for k, v in params.items())
            specs.append((label, base_preset, {**base_params, **params}))
    scenarios = data.get("scenarios") or []
    if not isinstance(scenarios, list):
        raise ParameterError("scenarios", scenarios, "a list of {name, preset, params}")
    for i, sc in enumerate(scenarios, start=1):
        sc = _mapping(sc, f"scenarios[{i}]")
        for key in sc:
            if key not in RUN_KEYS:
                raise UnknownNameError(f"key of scenario {sc.get('name', i)!r}", key, list(RUN_KEYS))
        if not sc.get("name"):
            raise ParameterError(f"scenarios[{i}].name", sc.get("name"), "a name for the run")
        specs.append((str(sc["name"]), sc.get("preset", base_preset),
                      {**base_params, **_mapping(sc.get("params"), f"scenarios[{i}].params")}))
    if not specs:
        raise ParameterError("sweep", str(path), "at least one run: a 'grid' or a list of 'scenarios'")

    runs: list[RunSpec] = []
    seen: set[str] = set()
    out = run_request.output_folder(Path(out_dir) / name)  # (the runs' requests would name it only as theirs)
    for label, preset, params in specs:
        slug = run_request.run_slug(label)
        if slug in seen:
            raise ParameterError("scenarios", label, "unique run names (two runs would share a folder)")
        seen.add(slug)
        # a file or folder of the user's where the run's folder would go: refused now, not when the run ends
        run_request.check_replaceable(out.absolute() / slug, f"scenario '{label}'", slug,
                                "rename the scenario, choose another --out, or move it away")
        try:
            req = run_request.make_request(preset, None, params, langs, formats, out, name=slug)
        except StargateReportError as exc:
            raise ParameterError(f"scenario '{label}'", params, "valid parameters", str(exc)) from None
        runs.append(RunSpec(slug, req.preset, params, req))
    index = out.absolute() / "index.html"
    if index.exists() and not _our_index(index):
        raise ParameterError("name", name, "a sweep name whose folder holds no index.html but a sweep's own",
                             f"{index} is not one this package wrote: choose another sweep name or --out")
    return Sweep(name, langs, formats, runs)


def _our_index(path: Path) -> bool:
    """Whether ``path`` is a sweep index this package wrote: marked by its generator tag (older ones, written
    before the tag, by their kicker line)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:  # a folder, unreadable
        return False
    return INDEX_GENERATOR in text or '<p class="sr-kicker">stargate-report sweep</p>' in text


# -- executors -------------------------------------------------------------------------------------
def run_one(spec: dict, out: str, force: bool, topic: str | None = None) -> dict:
    """Run one briefing in a worker process of its own (:mod:`stargate_report.batch.worker`, one run, then it
    exits): what a dask.distributed worker runs for each run of a sweep. Returns an outcome dict and never
    raises for a failed run, so one failure cannot stop a sweep.

    ``topic``: the run's progress lines (evaluation, each chapter, rendering) are sent to the client as
    events of this topic (``{"run": name, "line": ...}``, see :meth:`DaskExecutor.follow`), when this runs
    on a dask.distributed worker."""
    t = time.perf_counter()
    publish = _event_publisher(topic, spec["name"]) if topic else None
    proc = _start_worker()
    try:
        line = _exchange(proc, spec, out, force, publish, close=True)
        proc.wait()
    finally:
        _CHILDREN.discard(proc)
    return _outcome(spec, out, proc, line, time.perf_counter() - t)


def _event_publisher(topic: str, run: str) -> Callable[[str, str], None] | None:
    """Send progress lines as events of ``topic`` from the dask worker this task runs on (none elsewhere)."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):  # not in a dask task
        return None

    def publish(_run: str, line: str) -> None:
        worker.log_event(topic, {"run": run, "line": line})

    return publish


_CHILDREN: set = set()
#: pid of a worker process -> the run it is building (what a test kills, what Ctrl-C interrupts)
RUNNING: dict[int, str] = {}
_SLOT = threading.local()  # each local slot (a thread of the executor) keeps its worker process here
_STOPPING = threading.Event()  # set on Ctrl-C: slots start no new worker and no new run


def slot_cores(workers: int, allowed: set[int] | frozenset[int] | None = None) -> list[frozenset[int]] | None:
    """The cores each of ``workers`` local slots keeps to: ``allowed`` (default: the cores this process may
    use) cut into that many runs of neighbouring cores, as equal as they go (two workers on two cores: one
    core each; on eight: four each). ``None`` (no pinning) for one worker, more workers than cores, or a
    system that does not pin processes.

    A worker, its kernels and its PDF helpers then share their slot's cores and never run on another's:
    measured on 2 cores with 2 workers, a sweep takes about 4 % less CPU time (caches stay warm, processes
    do not migrate) and finishes that much sooner (``bench/bench_pipeline.py``).
    """
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


def _pin(pid: int, cores: frozenset[int] | None) -> None:
    if cores:
        try:
            os.sched_setaffinity(pid, cores)
        except OSError:  # gone already (its run reports it), or not allowed: the system places it
            pass


def _start_worker(servers: forkserver.Servers | None = None, pdf: bool = True,
                  tmp: str | None = None, cores: frozenset[int] | None = None) -> subprocess.Popen | forkserver.ForkedProcess:
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
        proc = forkserver.start(servers.path("worker"), argv, (in_r, out_w, log.fileno()), env=env,
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
    _pin(proc.pid, cores)
    proc.log = log  # type: ignore[union-attr]
    _CHILDREN.add(proc)
    return proc


def _slot_worker(pdf: bool = True) -> subprocess.Popen | forkserver.ForkedProcess:
    """This slot's worker process, started on first use or after a death (for runs that make a ``pdf``)."""
    proc = getattr(_SLOT, "proc", None)
    if proc is None or proc.poll() is not None:
        proc = _SLOT.proc = _start_worker(getattr(_SLOT, "servers", None), pdf, getattr(_SLOT, "tmp", None),
                                          getattr(_SLOT, "cores", None))
    return proc


def _exchange(proc: subprocess.Popen, spec: dict, out: str, force: bool,
              progress: Callable[[str, str], None] | None, close: bool = False) -> str:
    """Send one run to a worker and pass its progress lines on; returns its reply line, or ``""`` if the
    worker died. ``close``: end the worker's input after the run (it exits once the run is over)."""
    RUNNING[proc.pid] = spec["name"]
    progress = _guarded(progress)
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


def _guarded(callback: Callable | None) -> Callable | None:
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


def _outcome(spec: dict, out: str, proc: subprocess.Popen, line: str, seconds: float) -> dict:
    """The outcome dict of a run from its worker's reply line (``""``: the worker died)."""
    folder = str(Path(out) / spec["name"])
    if not line:
        code = proc.wait()
        _CHILDREN.discard(proc)
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
    if _STOPPING.is_set():
        return {"name": spec["name"], "status": "failed", "seconds": 0.0, "folder": str(Path(out) / spec["name"]),
                "message": "interrupted before it started"}
    proc = _slot_worker("pdf" in str(spec.get("formats", "")).split(","))
    if _STOPPING.is_set():  # Ctrl-C while the worker started: it gets no run (it is closed with the pool)
        return {"name": spec["name"], "status": "failed", "seconds": 0.0, "folder": str(Path(out) / spec["name"]),
                "message": "interrupted before it started"}
    line = _exchange(proc, spec, out, force, progress)
    return _outcome(spec, out, proc, line, time.perf_counter() - t)


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
    _CHILDREN.discard(proc)
    proc.log.close()


def _terminate_children() -> None:
    for proc in list(_CHILDREN):
        try:
            proc.send_signal(signal.SIGTERM)
        except OSError:
            pass
    for proc in list(_CHILDREN):
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


class LocalExecutor:
    """A pool of worker slots on this machine; each slot keeps one worker process (and its kernels) for
    the runs it is given (:func:`run_on_worker`)."""

    def __init__(self, workers: int, servers: forkserver.Servers | None = None, pin: bool = True) -> None:
        self.workers = max(1, workers)
        self.pool = ThreadPoolExecutor(max_workers=self.workers)
        # each slot's worker keeps to its share of the cores (pin=False: the system places them)
        self.slots = (slot_cores(self.workers) if pin else None) or [None] * self.workers
        self._next_slot = itertools.count()
        self.procs: list = []
        self.lock = threading.Lock()
        # the workers and their kernels are forked from servers that import the libraries once for all
        # (the caller may have started them earlier, to import while it validated the sweep)
        self.servers = servers if servers is not None else forkserver.Servers()
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


#: what ``--scheduler`` accepts (dask.distributed's network transports; a bare ``host:port`` means tcp)
SCHEDULER_RULE = "a dask scheduler address, tcp://host:port (or tls://, ws://, wss://; port 1-65535)"
#: how long to try to reach a scheduler before giving up (dask's own default is 30 s)
SCHEDULER_TIMEOUT_S = 10


def scheduler_address(value) -> str:
    """``value`` as a scheduler address dask can connect to, or a :class:`ParameterError` naming ``scheduler``.

    dask itself would fail later, with a traceback (``ValueError: missing port number``) or after trying
    to connect to a port that cannot exist."""
    try:
        from distributed.comm.addressing import parse_address, parse_host_port
    except ImportError:  # (reported by DaskExecutor, which needs it anyway)
        raise ParameterError("scheduler", value, "an address, with dask.distributed installed",
                             "it is not: pip install 'stargate-report[dask]'") from None

    text = value.strip() if isinstance(value, str) else ""
    try:
        scheme, location = parse_address(text)
        host, port = parse_host_port(location)
    except (ValueError, TypeError):
        raise ParameterError("scheduler", value, SCHEDULER_RULE) from None
    if scheme not in ("tcp", "tls", "ws", "wss") or not host or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ParameterError("scheduler", value, SCHEDULER_RULE)
    return text if "://" in text else f"tcp://{text}"


class DaskExecutor:
    """Sends runs to a dask.distributed cluster (scheduler address, or an existing ``Client``).

    An address that is not one, or where no scheduler answers within :data:`SCHEDULER_TIMEOUT_S`, is a
    :class:`ParameterError` naming ``scheduler`` (before any run is sent)."""

    def __init__(self, scheduler) -> None:
        try:
            from dask.distributed import Client
        except ImportError:
            raise ParameterError("scheduler", scheduler, "an address, with dask.distributed installed",
                                 "it is not: pip install 'stargate-report[dask]', or leave out --scheduler "
                                 "to run on this machine's cores") from None

        self.own = not isinstance(scheduler, Client)
        if not self.own:
            self.client = scheduler
            return
        address = scheduler_address(scheduler)
        try:
            self.client = Client(address, timeout=f"{SCHEDULER_TIMEOUT_S}s")
        except (OSError, TimeoutError):  # distributed reports a refused or silent address as OSError
            raise ParameterError(
                "scheduler", scheduler, "the address of a running dask scheduler",
                f"none answered within {SCHEDULER_TIMEOUT_S} s: check host and port, "
                "start one with `dask scheduler`, or leave out --scheduler to run on this machine's cores",
            ) from None

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def follow(self, callback: Callable[[str, str], None]) -> str:
        """Receive the runs' progress lines: a new event topic whose events (sent by :func:`run_one` on the
        cluster's workers) call ``callback(run, line)`` here. Returns the topic, for :meth:`unfollow`."""
        import uuid

        topic = f"stargate-report-progress-{uuid.uuid4().hex}"

        def handler(event) -> None:
            _, msg = event  # (timestamp, message)
            callback(msg["run"], msg["line"])

        self.client.subscribe_topic(topic, handler)
        return topic

    def unfollow(self, topic: str) -> None:
        self.client.unsubscribe_topic(topic)

    def release(self) -> None:
        """Nothing to release early: the cluster's workers belong to the cluster."""

    def shutdown(self) -> None:
        if self.own:
            self.client.close()


def _spec_dict(spec: RunSpec, jobs: int | None = None) -> dict:
    return {"name": spec.name, "preset": spec.preset, "params": spec.params,
            "langs": ",".join(spec.request.langs), "formats": ",".join(spec.request.formats), "jobs": jobs}


def run_sweep(sweep: Sweep, out_dir: str | Path = "output", executor=None, workers: int = 2, force: bool = False,
              progress: Callable[[str], None] | None = None, jobs: int | None = None,
              run_progress: Callable[[str, str | None], None] | None = None,
              servers: forkserver.Servers | None = None, pin: bool = True) -> list[RunOutcome]:
    """Run every run of a sweep; returns the outcomes in the sweep's order. Writes the index page.

    ``progress`` receives a line per finished run (a bar of the runs done, status, time).
    ``run_progress(run, line)`` receives each running run's progress lines (evaluation, each chapter,
    rendering), from local workers or (as events) from a dask cluster's, and ``(run, None)`` when the run
    is over, just before its line in ``progress``. ``jobs``: kernels per run (chapters at once); default
    on this machine ``cores // workers``, on a cluster the worker's own cores. ``servers``: fork servers
    already started for the local workers (:mod:`stargate_report.runtime.forkserver`); they are closed at the end.
    ``pin``: each local worker keeps to its share of the cores (:func:`slot_cores`).
    """
    if jobs is not None and (not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1):
        raise ParameterError("jobs", jobs, "a whole number of kernels >= 1")
    say = _guarded(progress) or (lambda msg: None)
    run_progress = _guarded(run_progress)
    out = run_request.output_folder(Path(out_dir) / sweep.name)
    run_request.make_output_folder(out)
    ex = executor or LocalExecutor(workers, servers, pin)
    # local runs share this machine's cores: each gets its share of kernels instead of all of them
    # (two runs of two kernels each on two cores would only fight over them); remote workers use their own
    _STOPPING.clear()
    if jobs is None and isinstance(ex, LocalExecutor):
        jobs = max(1, cores.usable_cores() // ex.workers)
    futures = {}
    lock = threading.Lock()
    done_count = [0]
    total = len(sweep.runs)
    outcomes: dict[str, RunOutcome] = {}
    renderer = _IndexRenderer()
    finished = False
    over: set[str] = set()  # runs whose end was reported: a progress event arriving later is dropped
    topic = None
    if run_progress is not None and hasattr(ex, "follow"):
        def remote_progress(run: str, line: str) -> None:
            with lock:
                if run not in over:
                    run_progress(run, line)

        topic = ex.follow(remote_progress)
    try:
        for spec in sweep.runs:
            # local slots keep a warm worker; a remote cluster gets one worker process per run
            if isinstance(ex, LocalExecutor):
                futures[spec.name] = ex.submit(run_on_worker, _spec_dict(spec, jobs), str(out), force, run_progress)
            else:  # in full: a cluster's worker runs in a folder of its own (a relative path would land there)
                futures[spec.name] = ex.submit(run_one, _spec_dict(spec, jobs), str(out.absolute()), force, topic)
        for spec in sweep.runs:
            fut = futures[spec.name]
            try:
                res = fut.result()
                outcome = RunOutcome(**res)
            except Exception as exc:  # noqa: BLE001 - a worker that died (dask KilledWorker, ...)
                outcome = RunOutcome(spec.name, "failed", 0.0, str(out / spec.name), f"worker failed: {exc}")
            if outcome.status != "failed" and not (out / spec.name / "manifest.json").is_file():
                # built on a cluster's machine whose disk this one does not see
                outcome = RunOutcome(spec.name, "failed", outcome.seconds, str(out / spec.name),
                                     f"built by the cluster's worker in {(out / spec.name).absolute()} on its own "
                                     "machine, which this one cannot see: --out must be a folder the workers share "
                                     "with this machine (a network file system)")
            with lock:
                done_count[0] += 1
                outcomes[spec.name] = outcome
                over.add(spec.name)
            if run_progress is not None:
                run_progress(spec.name, None)
            bar = "#" * done_count[0] + "." * (total - done_count[0])
            say(f"[{bar}] {done_count[0]}/{total} {outcome.status:8s} {spec.name} ({outcome.seconds:.1f} s)"
                + (f": {outcome.message}" if outcome.message else ""))
        finished = True
    except KeyboardInterrupt:
        _STOPPING.set()
        _terminate_children()
        raise
    finally:
        if topic is not None:
            ex.unfollow(topic)
        if executor is None and not finished:
            ex.shutdown()
    try:
        if executor is None:
            ex.release()  # the workers shut down while the index is written
        ordered = [outcomes[s.name] for s in sweep.runs]
        renderer.wait()
        write_index(sweep, out, ordered)
    finally:
        if executor is None:
            ex.shutdown()
    return ordered


class _IndexRenderer:
    """Warms the index page's chart renderer (Altair's imports and vl-convert's JavaScript engine, about
    0.9 CPU-s) in a background thread at the lowest CPU priority, from the start of the sweep: it takes
    only time the runs leave idle, and the index is written at once when the last run ends."""

    def __init__(self) -> None:
        self.thread = threading.Thread(target=_warm_index_charts, name="index-renderer", daemon=True)
        self.thread.start()

    def wait(self) -> None:
        self.thread.join()


def _warm_index_charts() -> None:
    try:  # this thread only (Linux: a thread is a task of its own); the renderer's threads inherit it
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):
        pass
    try:
        from stargate_report.present import charts

        charts.warm_up()
    except Exception:  # noqa: BLE001 - only a head start: write_index renders (and reports) for real
        pass


# -- the sweep's index page ------------------------------------------------------------------------
def _metrics(folder: Path) -> dict[str, float] | None:
    try:
        meta = json.loads((folder / "data" / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    q = meta["quantities"]
    # the median with its P10-P90 range, as every headline figure of a briefing
    return {k: (q[k]["p50"], q[k].get("p10", q[k]["p50"]), q[k].get("p90", q[k]["p50"])) for k in INDEX_METRICS
            if k in q} | {"_units": {k: q[k]["unit"] for k in INDEX_METRICS if k in q}}


def write_index(sweep: Sweep, out: Path, outcomes: list[RunOutcome]) -> Path:
    """``<out>/index.html``: one self-contained page comparing the runs, with links to each briefing."""
    import pandas as pd

    from stargate_report.present import charts, formatting
    from stargate_report.present.i18n import t

    lang = sweep.langs.split(",")[0]
    rows, chart_rows = [], []
    for spec, oc in zip(sweep.runs, outcomes):
        folder = out / spec.name
        m = _metrics(folder) if oc.status != "failed" else None
        links = " ".join(f'<a href="{html.escape(spec.name)}/briefing.{lg}.{fmt}">{lg}.{fmt}</a>'
                         for lg in spec.request.langs for fmt in spec.request.formats
                         if (folder / f"briefing.{lg}.{fmt}").is_file())
        cells = []
        for k in INDEX_METRICS:
            if m and k in m:
                p50, p10, p90 = m[k]
                cells.append(html.escape(formatting.with_range(p50, p10, p90, m["_units"][k], lang)))
                chart_rows.append({"run": spec.name, "metric": k, "p10": p10, "p50": p50, "p90": p90})
            else:
                cells.append("–")
        params = ", ".join(f"{k}={v}" for k, v in spec.params.items())
        rows.append(f"<tr><td>{html.escape(spec.name)}</td><td>{html.escape(spec.preset)}</td>"
                    f"<td>{html.escape(params)}</td><td>{html.escape(t(f'index.status.{oc.status}', lang))}</td>"
                    f"<td>{formatting.number(oc.seconds, lang, 1)}</td>" + "".join(f"<td>{c}</td>" for c in cells)
                    + f"<td>{links}</td></tr>"
                    + (f'<tr class="err"><td colspan="{6 + len(INDEX_METRICS)}">{html.escape(oc.message)}</td></tr>'
                       if oc.message else ""))
    svgs = []
    df = pd.DataFrame(chart_rows)
    for metric, plot_unit in INDEX_CHARTS.items():
        part = df[df["metric"] == metric] if not df.empty else df
        if part.empty:
            continue
        scale = formatting.plot_scale(plot_unit)
        part = part.assign(**{c: part[c] / scale for c in ("p10", "p50", "p90")})
        # bars of the median, a rule from P10 to P90 (as the briefings' range charts)
        chart = charts.range_bars(part, "run", t(f"index.axis.{metric}", lang), "", sort=list(part["run"]))
        svgs.append(f"<figure>{charts.to_svg(chart.properties(width=charts.WIDTH - 160), lang)}</figure>")
    css = (datafiles.bundled("templates") / "briefing" / "static" / "briefing.css").read_text(encoding="utf-8")
    # the metrics' headers are their labels in the sweep's language; the ledger id stays in the tooltip
    head = "".join(f"<th>{html.escape(t(f'index.col.{h}', lang))}</th>"
                   for h in ("run", "preset", "parameters", "status", "seconds")) \
        + "".join(f'<th title="{html.escape(k)}">{html.escape(t(f"label.{k}", lang))}</th>' for k in INDEX_METRICS) \
        + f"<th>{html.escape(t('index.col.briefings', lang))}</th>"
    statuses = ("ok", "cached", "rendered", "failed")
    page = (f'<!DOCTYPE html><html lang="{html.escape(lang)}"><head><meta charset="utf-8"><title>'
            f"{html.escape(sweep.name)}</title>{INDEX_GENERATOR}<style>{css}\n.err td {{ color: #a00; }}</style></head>"
            f'<body class="sr-briefing"><header class="sr-title"><p class="sr-kicker">'
            f'{html.escape(t("index.kicker", lang))}</p>'
            f'<h1 class="sr-doc-title">{html.escape(sweep.name)}</h1><p class="sr-meta">{len(outcomes)} '
            f'{html.escape(t("index.runs", lang))}: '
            + ", ".join(f"{html.escape(t(f'index.status.{s}', lang))} {sum(o.status == s for o in outcomes)}"
                        for s in statuses)
            + f'</p><p class="sr-meta">{html.escape(t("index.ranges", lang))}</p></header>'
            f'<table class="sr-table sr-auto"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}'
            f"</tbody></table>{''.join(svgs)}</body></html>")
    tmp = out / ".index.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out / "index.html")
    return out / "index.html"


def summary_table(outcomes: list[RunOutcome]) -> str:
    width = max([len(o.name) for o in outcomes] + [3])
    lines = [f"{'run':{width}s}  status    seconds  message", "-" * (width + 30)]
    lines += [f"{o.name:{width}s}  {o.status:8s}  {o.seconds:7.1f}  {o.message}" for o in outcomes]
    counts = {s: sum(o.status == s for o in outcomes) for s in ("ok", "cached", "rendered", "failed")}
    lines.append(", ".join(f"{k} {v}" for k, v in counts.items()) + f"; total {sum(o.seconds for o in outcomes):.1f} s")
    return "\n".join(lines)
