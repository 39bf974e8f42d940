"""Run a sweep: every run validated first, then executed (local workers or a dask cluster), then the index page."""
from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from stargate_report.batch.dask_executor import run_one
from stargate_report.batch.index_page import IndexRenderer, write_index
from stargate_report.batch.local_executor import STOPPING, LocalExecutor, guarded, run_on_worker, terminate_children
from stargate_report.batch.sweep_file import RunOutcome, RunSpec, Sweep
from stargate_report.exceptions import ParameterError
from stargate_report.pipeline import run_request
from stargate_report.runtime import cores, forkclient


def _spec_dict(spec: RunSpec, jobs: int | None = None) -> dict:
    return {"name": spec.name, "preset": spec.preset, "params": spec.params,
            "langs": ",".join(spec.request.langs), "formats": ",".join(spec.request.formats), "jobs": jobs}


def run_sweep(sweep: Sweep, out_dir: str | Path = "output", executor=None, workers: int = 2, force: bool = False,
              progress: Callable[[str], None] | None = None, jobs: int | None = None,
              run_progress: Callable[[str, str | None], None] | None = None,
              servers: forkclient.Servers | None = None, pin: bool = True) -> list[RunOutcome]:
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
    say = guarded(progress) or (lambda msg: None)
    run_progress = guarded(run_progress)
    out = run_request.output_folder(Path(out_dir) / sweep.name)
    run_request.make_output_folder(out)
    ex = executor or LocalExecutor(workers, servers, pin)
    # local runs share this machine's cores: each gets its share of kernels instead of all of them
    # (two runs of two kernels each on two cores would only fight over them); remote workers use their own
    STOPPING.clear()
    if jobs is None and isinstance(ex, LocalExecutor):
        jobs = max(1, cores.usable_cores() // ex.workers)
    futures = {}
    lock = threading.Lock()
    done_count = [0]
    total = len(sweep.runs)
    outcomes: dict[str, RunOutcome] = {}
    renderer = IndexRenderer()
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
        STOPPING.set()
        terminate_children()
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
