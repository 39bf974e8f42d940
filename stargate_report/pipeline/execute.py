"""Execute a run's chapters: evaluate the scenario once, then run every chapter notebook on kernels.

The kernels come from :mod:`stargate_report.runtime` (warm, reused kernels); with the runtime switched off
(``STARGATE_REPORT_RUNTIME=plain``) each chapter runs through papermill as shipped."""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from stargate_report import runtime
from stargate_report.exceptions import ChapterError
from stargate_report.pipeline.plain import PlainRunner
from stargate_report.pipeline.run_request import RunRequest
from stargate_report.runtime.cores import usable_cores
from stargate_report.runtime.kernels import KernelPool, NotWritten, SharedKernels


def _running_cell(executed: Path | None) -> int | None:
    """1-based index of the cell papermill marked as running or failed (a kernel death leaves it so)."""
    if executed is None or not executed.is_file():
        return None
    try:
        nb = json.loads(executed.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for i, cell in enumerate(nb.get("cells", []), start=1):
        if cell.get("metadata", {}).get("papermill", {}).get("status") in ("running", "failed"):
            return i
    return None


def _chapter_error(name: str, exc: BaseException, kept: Path | None, cell: int | None = None) -> ChapterError:
    from nbclient.exceptions import CellExecutionError  # the notebook stack only where chapters run
    from papermill.exceptions import PapermillExecutionError  # the notebook stack only where chapters run

    if isinstance(exc, PapermillExecutionError):
        return ChapterError(name, exc.cell_index + 1 if exc.cell_index is not None else None, exc.ename,
                            str(exc.evalue), kept)
    if isinstance(exc, CellExecutionError):
        return ChapterError(name, cell, exc.ename, str(exc.evalue), kept)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
    ename = type(exc).__name__
    if "Timeout" in ename or "timed out" in text:
        text += " (a cell ran longer than --cell-timeout allows; raise it if the work is legitimate)"
    if "DeadKernel" in ename or "died" in text.lower():
        text += " (the kernel process died: out of memory, or os._exit in the chapter)"
    return ChapterError(name, cell or _running_cell(kept), ename, text, kept)


def _runner(n: int, tmp: Path, cell_timeout_s: int, shared: SharedKernels | None, say):
    """The chapters' runner: warm kernels (:mod:`stargate_report.runtime`), or papermill as shipped when the
    runtime is switched off (``STARGATE_REPORT_RUNTIME=plain``)."""
    if not runtime.enabled():
        return PlainRunner(n, cell_timeout_s)
    return shared.get(n, cell_timeout_s) if shared is not None else KernelPool(n, tmp, cell_timeout_s)


#: the languages whose titles a run's results hold, in this order (the title page's key is their index)
TITLE_LANGS = ("en", "de")


def execute_all(req: RunRequest, tmp: Path, books: list[Path], say, timings: dict,
                 shared: SharedKernels | None = None) -> KernelPool | None:
    """Start the kernels, evaluate once meanwhile, then run every chapter in every language on them.

    Returns the run's own pool, still shutting its kernels down (the briefing renders meanwhile): the
    caller waits for it (:meth:`~KernelPool.join`) before the run's folder moves into place. A failed run
    (a chapter, the evaluation, Ctrl-C) waits for its kernels before it raises; kernels ``shared``
    across runs stay up."""

    # the model (numpy, the supply sizing) only when chapters run: a run served from the cache never needs it
    from stargate_report.model.analyses import add_analysis_tables
    from stargate_report.model.evaluate import add_supply_tables, evaluate
    from stargate_report.present.subject import display_title

    jobs = []
    for lang in req.langs:
        (tmp / "notebooks" / lang).mkdir()
        for nb in books:
            # relative to the executed notebook, so it can be re-run from output/<run>/notebooks/<lang>/
            params = {"preset": req.preset, "overrides": req.scenario.to_dict(), "lang": lang,
                      "results_path": "../../data/results"}
            jobs.append((lang, nb, tmp / "notebooks" / lang / nb.name, params))
    # the kernels start and import the chapters' libraries while this process evaluates
    n = min(len(jobs), req.jobs or usable_cores())
    pool = _runner(n, tmp, req.cell_timeout_s, shared, say)
    all_ran = False  # only then do the kernels shut down while the caller goes on
    try:
        say(f"evaluating scenario '{req.slug}' ({req.scenario.samples} samples)")
        t = time.perf_counter()
        results = evaluate(req.scenario, supply=True)
        say("sizing the hourly supply (cost-vs-CFE curve, regions)")
        add_supply_tables(results)
        say("tornado, Sobol indices and regions")
        add_analysis_tables(results)
        # the title each language's briefing shows (it names the scale: a printed number, kept with the results)
        results.tables["titles"] = [{"lang": lang, "title": display_title(req.preset, req.scenario, lang)}
                                    for lang in TITLE_LANGS]
        results.save(tmp / "data" / "results")
        results.to_frame().to_csv(tmp / "data" / "ledger.csv", index=False)
        timings["evaluate_s"] = time.perf_counter() - t
        t = time.perf_counter()
        failures = pool.run(jobs, say)
        if failures and isinstance(pool, KernelPool) and len(pool.start_errors) == pool.n:
            # not one warm kernel started (a broken ipykernel set-up, a sandbox): papermill as shipped
            say(f"warm kernels could not start ({failures[0][1]}): running the chapters with papermill")
            if shared is not None:
                shared.close()
            else:
                pool.close()
            pool = PlainRunner(n, req.cell_timeout_s)
            failures = pool.run(jobs, say)
        timings["chapters_s"] = time.perf_counter() - t
        all_ran = not failures
    finally:  # an error or Ctrl-C waits for the kernels to be gone before it goes on up
        if shared is None or not isinstance(pool, KernelPool):
            pool.close(wait=not all_ran)
        elif pool.broken:
            shared.close()
    for (lang, nb, out, _), exc, cell in failures[:1]:
        if isinstance(exc, NotWritten):  # reported as what it is: the output folder, not the chapter
            raise exc.error
        kept = None
        if out.exists():
            failed = req.out_dir.resolve() / f"{req.slug}.failed" / lang
            failed.mkdir(parents=True, exist_ok=True)
            kept = failed / nb.name
            shutil.copyfile(out, kept)
        raise _chapter_error(nb.stem, exc, kept, cell) from None
    return pool if shared is None else None
