"""Build briefings: papermill runs the chapters, nbconvert renders, WeasyPrint prints.

The flow of one run::

    validate scenario  ->  evaluate once (ledger to data/)  ->  execute chapters (papermill, in parallel)
    ->  merge into one notebook  ->  HTML (our exporter)  ->  PDF (WeasyPrint)  ->  manifest.json

Everything is written into a hidden temporary folder beside the target and renamed into place
at the end, so a failed run never replaces an earlier good briefing. A chapter that raises is
reported with its name, cell and exception; its executed notebook is kept in ``<run>.failed/``.
"""
from __future__ import annotations

import contextlib
import copy
import datetime as dt
import hashlib
import itertools
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__, datafiles, folders
from .exceptions import BuildError, ChapterError, ParameterError, UnknownNameError
from .formatting import LOCALES
from .scenario import DEFAULT_PRESET, Scenario, display_title, load_params_file, load_preset, merge_layers, validate

FORMATS = ("html", "pdf")
DEFAULT_CELL_TIMEOUT_S = 600
#: sources of the knowledge base published longer ago than this are named in a build warning
DEFAULT_MAX_SOURCE_AGE_DAYS = 730


@dataclass
class RunRequest:
    """A validated request for one briefing run."""

    scenario: Scenario
    preset: str
    params: dict[str, Any]  # the non-preset layers (params file + overrides), as given
    langs: tuple[str, ...] = ("en",)
    formats: tuple[str, ...] = FORMATS
    out_dir: Path = Path("output")
    cell_timeout_s: int = DEFAULT_CELL_TIMEOUT_S
    name: str | None = None
    notebooks_dir: Path | None = None  # default: the package's notebooks/
    max_source_age_days: int = DEFAULT_MAX_SOURCE_AGE_DAYS
    jobs: int | None = None  # chapters run at once, one kernel each (default: the number of cores)

    @property
    def slug(self) -> str:
        if self.name:
            return run_slug(self.name)
        if not self.params:
            return run_slug(self.preset)
        digest = hashlib.sha256(json.dumps(self.params, sort_keys=True, default=str).encode()).hexdigest()[:8]
        return run_slug(f"{self.preset}-{digest}")


@dataclass
class RunResult:
    folder: Path
    files: dict[str, Path] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    status: str = "ok"  # "ok" (built), "cached" (served as it was), "rendered" (re-rendered from the cache)
    warnings: list[str] = field(default_factory=list)


def _code_hash() -> str:
    """Hash of the package's own code and catalogues (what the chapters and the model run)."""
    pkg = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for p in sorted(pkg.rglob("*")):
        if p.is_file() and p.suffix in (".py", ".yaml", ".csv") and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(pkg)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def cache_keys(req: RunRequest) -> dict[str, str]:
    """Content hashes that decide what an earlier run can serve.

    ``execute``: validated parameters, package version and code, data files, chapter notebooks, languages;
    ``render``: the execute key plus the templates and the formats.
    """
    books = chapters(req.notebooks_dir)
    exec_part = {"scenario": req.scenario.to_dict(), "version": __version__, "code": _code_hash(),
                 "data": datafiles.file_hashes(), "notebooks": _hash_files(books), "langs": list(req.langs)}
    execute = hashlib.sha256(json.dumps(exec_part, sort_keys=True, default=str).encode()).hexdigest()
    templates = _hash_files(p for p in datafiles.bundled("templates").rglob("*") if p.is_file())
    render = hashlib.sha256(json.dumps({"execute": execute, "templates": templates, "formats": list(req.formats)},
                                       sort_keys=True).encode()).hexdigest()
    return {"execute": execute, "render": render}


def _cached(target: Path) -> dict | None:
    try:
        return json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


#: German letters spelled out as German does in addresses and file names (before accents are dropped)
_SPELLED = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def run_slug(text: str) -> str:
    """A safe folder name: lowercase letters, digits and dashes only (never ``..`` or ``/``), at most 80.

    Umlauts are spelled out (``Über Tage`` -> ``ueber-tage``), other accents dropped (``Évora`` -> ``evora``);
    a name in a script without Latin letters (``東京``) gets ``run-`` and a hash of it, so it still has a
    folder of its own."""
    import unicodedata

    text = str(text)
    latin = unicodedata.normalize("NFKD", text.translate(_SPELLED)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", latin.lower()).strip("-")[:80].rstrip("-")
    if not slug and any(ch.isalnum() for ch in text):
        slug = "run-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    if not slug:
        raise ParameterError("name", text, "a name with at least one letter or digit")
    return slug


def parse_list(key: str, value: str | list[str] | tuple[str, ...], allowed: tuple[str, ...]) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value)
    items = [i.strip() for i in items if i.strip()]
    if not items:
        raise ParameterError(key, value, "a comma-separated list of " + ", ".join(allowed))
    for i in items:
        if i not in allowed:
            raise UnknownNameError({"lang": "language", "format": "format"}.get(key, key), i, list(allowed))
    return tuple(dict.fromkeys(items))


def make_request(preset: str | None = None, params_file: str | None = None, overrides: dict | None = None,
                 langs="en", formats="html,pdf", out_dir: str | Path = "output",
                 cell_timeout_s: int = DEFAULT_CELL_TIMEOUT_S, name: str | None = None,
                 max_source_age_days: int = DEFAULT_MAX_SOURCE_AGE_DAYS, jobs: int | None = None) -> RunRequest:
    """Validate everything a run needs, before any kernel starts."""
    preset = DEFAULT_PRESET if preset is None else preset  # an empty name is an error, not the default
    base = load_preset(preset)
    layers: dict[str, Any] = {}
    if params_file:
        layers = merge_layers(layers, load_params_file(params_file))
    if overrides:
        layers = merge_layers(layers, dict(overrides))
    scenario = validate(merge_layers(base, layers))
    if not isinstance(cell_timeout_s, int) or isinstance(cell_timeout_s, bool) or cell_timeout_s < 1:
        raise ParameterError("cell-timeout", cell_timeout_s, "a whole number of seconds >= 1")
    if not isinstance(max_source_age_days, int) or isinstance(max_source_age_days, bool) or max_source_age_days < 0:
        raise ParameterError("max-source-age", max_source_age_days, "a whole number of days >= 0")
    if jobs is not None and (not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1):
        raise ParameterError("jobs", jobs, "a whole number of kernels >= 1")
    req = RunRequest(scenario=scenario, preset=preset, params=layers,
                     langs=parse_list("lang", langs, tuple(LOCALES)),
                     formats=parse_list("format", formats, FORMATS), out_dir=output_folder(out_dir),
                     cell_timeout_s=cell_timeout_s, name=name, max_source_age_days=max_source_age_days, jobs=jobs)
    # (checked again as the run starts; here it is part of validating the command)
    check_replaceable(req.out_dir.absolute() / req.slug, "name", req.slug)
    return req


#: what an output folder must be (the ``out`` parameter's rule, in its errors)
OUTPUT_FOLDER_RULE = "a folder that exists or can be created, and can be written"


def output_folder(out_dir: str | Path) -> Path:
    """``out_dir`` checked as an output folder, without creating anything: the deepest part of it that
    exists must be a folder this user can write to (a missing folder is created when the run starts).
    Raises :class:`ParameterError` (``out``) otherwise, naming the part that is in the way."""
    path = Path(out_dir)
    if not str(out_dir).strip():
        raise ParameterError("out", out_dir, OUTPUT_FOLDER_RULE)
    probe = path.absolute()
    while not probe.exists() and not probe.is_symlink() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise ParameterError("out", str(out_dir), OUTPUT_FOLDER_RULE, f"{probe} is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ParameterError("out", str(out_dir), OUTPUT_FOLDER_RULE, f"{probe} cannot be written by this user")
    return path


def make_output_folder(out_dir: Path) -> None:
    """Create ``out_dir`` (and its parents); an error names the ``out`` parameter (exit 2 on the command
    line), since a folder that cannot be made is the user's input, not a failed build."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ParameterError("out", str(out_dir), OUTPUT_FOLDER_RULE,
                             f"cannot create {out_dir}: {exc.strerror or exc}") from exc


def chapters(folder: Path | None = None) -> list[Path]:
    """The chapter notebooks (``NN_name.ipynb``), in file-name order."""
    found = sorted((folder or datafiles.bundled("notebooks")).glob("[0-9]*.ipynb"))
    if not found:
        raise BuildError("no chapter notebooks (NN_name.ipynb) found in notebooks/")
    return found


def _hash_files(paths) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(paths)}


def _safe_target(out_dir: Path, slug: str) -> Path:
    root = out_dir.resolve()
    if (root / slug).is_symlink():
        raise BuildError(f"{root / slug} is a symbolic link; refusing to replace it (remove it first)")
    target = (root / slug).resolve()
    if target.parent != root:
        raise ParameterError("out", str(out_dir), "a folder; the run folder must stay inside it")
    check_replaceable(target, "name", slug)
    return target


#: what a run may replace: nothing, an empty folder, or a briefing folder it wrote itself
REPLACEABLE_RULE = "a folder name that is free, or a briefing folder of stargate-report (with its manifest.json)"


def check_replaceable(target: Path, key: str, value: object,
                      hint: str = "choose another --name or --out, or move it away") -> None:
    """A run replaces its folder as a whole. That must never be a file or folder of the user's that happens
    to have the run's name (``--out ~ --name projects``): only a briefing folder this package wrote (its
    ``manifest.json`` says so), or an empty folder. Otherwise a :class:`ParameterError` naming ``key``."""
    if target.is_symlink():  # (a link to somewhere else: never followed, never replaced)
        raise ParameterError(key, value, REPLACEABLE_RULE,
                             f"{target} is a symbolic link; refusing to replace it (remove it first)")
    if not target.exists():
        return
    if not target.is_dir():
        raise ParameterError(key, value, REPLACEABLE_RULE, f"{target} is a file of yours: {hint}")
    if not any(target.iterdir()):
        return
    try:
        ours = json.loads((target / "manifest.json").read_text(encoding="utf-8")).get("package") == "stargate-report"
    except (OSError, ValueError, AttributeError):
        ours = False
    if not ours:
        raise ParameterError(key, value, REPLACEABLE_RULE,
                             f"{target} holds files that are not a briefing, which a run would replace: {hint}")


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
    from nbclient.exceptions import CellExecutionError
    from papermill.exceptions import PapermillExecutionError

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


def merge(executed: list[Path], meta: dict) -> Any:
    """One notebook from the executed chapters (cells in order), with the briefing metadata."""
    import nbformat

    books = [nbformat.read(str(p), as_version=4) for p in executed]
    merged = copy.deepcopy(books[0])
    merged.cells = []
    for nb in books:
        for cell in nb.cells:
            tags = cell.get("metadata", {}).get("tags", [])
            if "parameters" in tags or "injected-parameters" in tags:
                continue
            merged.cells.append(cell)
    merged.metadata.pop("papermill", None)
    merged.metadata["stargate"] = meta
    return merged


def render_languages(books: dict[str, Any], formats: tuple[str, ...], timings: dict[str, float] | None = None,
                     say: Callable[[str], None] = lambda msg: None, helpers: int = 0,
                     shared: SharedKernels | None = None) -> dict[str, dict[str, bytes]]:
    """HTML (nbconvert, our template) and PDF (WeasyPrint) of each language's merged notebook:
    ``{lang: {format: bytes}}``; adds ``html_s`` and ``pdf_s`` to ``timings`` if given.

    WeasyPrint lays a PDF out on one core (about 3 s for a briefing). With ``helpers`` > 0 and PDFs in
    several languages, the PDFs after the first are made in up to ``helpers`` helper processes while
    this process makes the first: English and German take about one PDF plus a helper's start (about
    1 s) instead of two PDFs. A helper that cannot start or dies only costs that time: its PDF is then
    made here. An error in the rendering itself is raised as it would be here. ``shared`` (a batch
    worker's) keeps the helpers warm from one run to the next instead of starting them for each run.
    """
    from .exporters import html_to_pdf

    timings = {} if timings is None else timings
    langs = list(books)
    later = langs[1:] if "pdf" in formats and helpers > 0 else []
    pool = own = None
    if later:
        n = min(helpers, len(later))
        pool = shared.helpers(n) if shared is not None else (own := _helper_pool(n))
    try:
        out: dict[str, dict[str, bytes]] = {}
        markups: dict[str, str] = {}
        helped: dict = {}
        for lang in langs:
            say(f"[{lang}] rendering {', '.join(formats)}")
            t = time.perf_counter()
            markups[lang], _ = _html_exporter().from_notebook_node(books[lang])
            timings["html_s"] = timings.get("html_s", 0.0) + time.perf_counter() - t
            out[lang] = {"html": markups[lang].encode("utf-8")} if "html" in formats else {}
            if lang in later:
                helped[lang] = _submit(pool, html_to_pdf, markups[lang])
                if helped[lang] is None and shared is not None:  # its kept helpers died since: new ones
                    pool = shared.helpers(n, fresh=True)
                    helped[lang] = _submit(pool, html_to_pdf, markups[lang])
        if "pdf" in formats:
            for lang in langs:
                t = time.perf_counter()
                pdf = _result(helped.get(lang))
                out[lang]["pdf"] = pdf if pdf is not None else html_to_pdf(markups[lang])
                timings["pdf_s"] = timings.get("pdf_s", 0.0) + time.perf_counter() - t
        return out
    finally:
        if own is not None:
            own.shutdown(wait=True, cancel_futures=True)


def _helper_pool(n: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawned, not forked: this process holds kernel threads and sockets
    return ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"))


def _html_exporter():
    from .exporters import BriefingHTMLExporter

    return BriefingHTMLExporter()


def _submit(pool, fn, *args):
    """``pool.submit``, or ``None`` when no helper process can be had (the caller does the work)."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return pool.submit(fn, *args)
    except (BrokenProcessPool, OSError, RuntimeError):
        return None


def _result(future):
    """A helper's result, or ``None`` when there is none (no helper, or it died)."""
    if future is None:
        return None
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool:
        return None


def source_age_warning(max_age_days: int, today: dt.date | None = None) -> str | None:
    """One line naming the knowledge-base sources older than ``max_age_days``, or None."""
    from .knowledge import stale_sources

    stale = stale_sources(max_age_days, today)
    if not stale:
        return None
    listed = ", ".join(f"{sid} ({d.isoformat()})" for sid, d in stale[:5])
    more = f" and {len(stale) - 5} more" if len(stale) > 5 else ""
    return (f"warning: {len(stale)} source(s) of the knowledge base are older than {max_age_days} days: "
            f"{listed}{more}; check them for updates (`stargate-report sources --stale {max_age_days}` lists "
            "them; --max-source-age sets the limit)")


def _execute_all(req: RunRequest, tmp: Path, books: list[Path], say, timings: dict,
                 shared: SharedKernels | None = None) -> KernelPool | None:
    """Start the kernels, evaluate once meanwhile, then run every chapter in every language on them.

    Returns the run's own pool, still shutting its kernels down (the briefing renders meanwhile): the
    caller waits for it (:meth:`~KernelPool.join`) before the run's folder moves into place. A failed run
    (a chapter, the evaluation, Ctrl-C) waits for its kernels before it raises; kernels ``shared``
    across runs stay up."""
    from .model import add_supply_tables, evaluate

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
    pool = shared.get(n, req.cell_timeout_s) if shared is not None else KernelPool(n, tmp, req.cell_timeout_s)
    all_ran = False  # only then do the kernels shut down while the caller goes on
    try:
        say(f"evaluating scenario '{req.slug}' ({req.scenario.samples} samples)")
        t = time.perf_counter()
        results = evaluate(req.scenario, supply=True)
        say("sizing the hourly supply (cost-vs-CFE curve, regions)")
        add_supply_tables(results)
        results.save(tmp / "data" / "results")
        results.to_frame().to_csv(tmp / "data" / "ledger.csv", index=False)
        timings["evaluate_s"] = time.perf_counter() - t
        t = time.perf_counter()
        failures = pool.run(jobs, say)
        timings["chapters_s"] = time.perf_counter() - t
        all_ran = not failures
    finally:  # an error or Ctrl-C waits for the kernels to be gone before it goes on up
        if shared is None:
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


def usable_cores() -> int:
    """How many cores this process may run on: its CPU affinity (``taskset``, a sweep's worker that keeps
    to its share of the cores), or every core where the system does not say."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # macOS, Windows
        return os.cpu_count() or 1


def _kernel_pid(km) -> int | None:
    return getattr(getattr(getattr(km, "provisioner", None), "process", None), "pid", None)


def _same_cores(km) -> None:
    """Keep the kernel on the cores this process may use. A kernel started as a child inherits them; one
    forked by a sweep's kernel server (:mod:`stargate_report.forkserver`) has the server's, and would run
    on the cores of the sweep's other workers."""
    pid = _kernel_pid(km)
    if pid is None or not hasattr(os, "sched_getaffinity"):
        return
    try:
        ours = os.sched_getaffinity(0)
        if os.sched_getaffinity(pid) != ours:
            os.sched_setaffinity(pid, ours)
    except OSError:  # gone already (reported by its chapter), or not allowed: the system places it
        pass


def _background_priority(km) -> None:
    """Lower the kernel's CPU priority (niceness :data:`KERNEL_NICENESS`): while it warms up, the evaluation in this process is the
    critical path; later the kernels run alone (this process only waits), so it costs them nothing."""
    pid = _kernel_pid(km)
    if pid is None or not hasattr(os, "setpriority"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, pid, KERNEL_NICENESS)
    except OSError:  # not allowed here: the kernel keeps normal priority
        return
    # a kernel runs in a session of its own; where Linux groups the CPU by session (autogroup), a
    # process's nice value counts only inside its group, so the group's gets the same value
    try:
        with open(f"/proc/{pid}/autogroup", "w", encoding="ascii") as fh:
            fh.write(str(KERNEL_NICENESS))
    except OSError:
        pass


KERNEL_NICENESS = 10
#: set in a sweep's workers: the Unix socket of the fork server their kernels come from
#: (:mod:`stargate_report.forkserver`)
KERNEL_SERVER_ENV = "STARGATE_REPORT_KERNEL_SERVER"
#: run by every kernel as it starts: the chapters' imports and the chart renderer's start-up; then the
#: objects so far (modules, schemas) move to the collector's permanent generation, so the full collection
#: in each chapter's namespace reset scans only what chapters made (about 70 ms a chapter otherwise)
WARM_UP = ("import stargate_report.report, stargate_report.charts", "stargate_report.charts.warm_up()",
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
        import queue

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
        from nbclient import NotebookClient

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
        import nbformat
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        # local IPC sockets, one path per kernel: no TCP ports, and no "unencrypted TCP" warning on stderr;
        # nbclient notices a dead kernel only through the async manager
        km = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=str(self.sockets / f"k{slot}"),
                                kernel_spec_manager=this_python_kernels())
        server = os.environ.get(KERNEL_SERVER_ENV)
        if server:  # a sweep's worker: the kernel is forked with its libraries already imported
            from .forkserver import kernel_provisioner

            km.provisioner = kernel_provisioner(km, server)
        self.managers.append(km)
        kc = None
        try:
            # the kernel warms up by itself (IPython's exec_lines): this thread stays idle meanwhile, so
            # it takes nothing from the evaluation running in this process
            run_sync(km.start_kernel)(cwd=str(self.workdir), extra_arguments=KERNEL_ARGUMENTS)
            _same_cores(km)
            _background_priority(km)
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
        from jupyter_core.utils import run_sync

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
        from jupyter_core.utils import run_sync

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
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager, NoSuchKernel

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
            pool, self.render_n = _helper_pool(n), n
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


def run(req: RunRequest, progress: Callable[[str], None] | None = None,
        warn: Callable[[str], None] | None = None, force: bool = False,
        kernels: SharedKernels | None = None) -> RunResult:
    """Build the briefing(s) of one request; see the module docstring for the flow.

    ``progress`` receives progress lines; ``warn`` receives warnings (default: ``warnings.warn``);
    ``kernels`` keeps warm kernels across calls (a batch worker); by default a run starts its own.
    """
    say = progress or (lambda msg: None)
    if warn is None:
        import warnings

        def warn(msg: str) -> None:
            warnings.warn(msg, UserWarning, stacklevel=3)

    stale_line = source_age_warning(req.max_source_age_days)
    if stale_line:
        warn(stale_line)
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    make_output_folder(req.out_dir)
    target = _safe_target(req.out_dir, req.slug)
    keys = cache_keys(req)
    previous = None if force else _cached(target)
    if previous and previous.get("cache", {}).get("render") == keys["render"] \
            and all((target / f).is_file() for f in previous.get("files", [])):
        say(f"'{req.slug}' is unchanged: served from {target}")
        return RunResult(target, {f: target / f for f in previous["files"]} | {"manifest.json": target / "manifest.json"},
                         {"total_s": time.perf_counter() - t0}, status="cached")
    reuse = bool(previous and previous.get("cache", {}).get("execute") == keys["execute"]
                 and all((target / "notebooks" / lang).is_dir() for lang in req.langs)
                 and (target / "data" / "results.json").is_file())
    _remove_stale_builds(req.out_dir.resolve(), req.slug)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{req.slug}.tmp-", dir=req.out_dir.resolve()))
    except OSError as exc:
        raise BuildError(f"cannot write under {req.out_dir}: {exc.strerror or exc}; choose another --out") from exc
    os.chmod(tmp, 0o755)  # mkdtemp makes it private; the briefing folder is meant to be shared
    in_use = folders.claim(tmp)  # another run of the same name must not take it for a killed run's
    closing: KernelPool | None = None  # this run's kernels, shutting down while the briefing renders
    try:
        books = chapters(req.notebooks_dir)
        if reuse:
            say(f"'{req.slug}': chapters unchanged, re-rendering from the executed notebooks")
            shutil.copytree(target / "data", tmp / "data")
            shutil.copytree(target / "notebooks", tmp / "notebooks")
        else:
            (tmp / "data").mkdir()
            (tmp / "notebooks").mkdir()
            closing = _execute_all(req, tmp, books, say, timings, kernels)
        files: dict[str, Path] = {}
        t = time.perf_counter()
        merged = {}
        for lang in req.langs:
            meta = {"title": display_title(req.preset, req.scenario.title, lang), "lang": lang, "preset": req.preset,
                    "date": dt.date.today().isoformat(), "scenario": req.scenario.to_dict()}
            merged[lang] = merge([tmp / "notebooks" / lang / nb.name for nb in books], meta)
        # the cores this run may use (a sweep's workers share them): one lays out the first PDF, the
        # others the PDFs of the other languages
        helpers = (req.jobs or usable_cores()) - 1
        for lang, payloads in render_languages(merged, req.formats, timings, say, helpers, kernels).items():
            for fmt in req.formats:
                name = f"briefing.{lang}.{fmt}"
                (tmp / name).write_bytes(payloads[fmt])
                files[name] = target / name
        timings["render_s"] = time.perf_counter() - t
        if closing is not None:  # the kernels' sockets live in the run's folder: gone before it moves
            closing.join()
            closing = None
        timings["total_s"] = time.perf_counter() - t0
        manifest = {
            "package": "stargate-report", "version": __version__, "created": dt.datetime.now(dt.timezone.utc)
            .isoformat(timespec="seconds"), "python": platform.python_version(), "preset": req.preset,
            "run": req.slug, "languages": list(req.langs), "formats": list(req.formats),
            "parameters": req.scenario.to_dict(), "given": req.params,
            "data_files": datafiles.file_hashes(), "notebooks": _hash_files(books),
            "templates": _hash_files(p for p in datafiles.bundled("templates").rglob("*") if p.is_file()),
            "timings_s": {k: round(v, 3) for k, v in timings.items()}, "files": sorted(files),
            "knowledge_as_of": _knowledge_as_of(), "source_age_warning": stale_line, "cache": keys,
            "reused_execution": reuse,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
        _swap_into_place(tmp, target)
        files["manifest.json"] = target / "manifest.json"
        return RunResult(target, files, timings, status="rendered" if reuse else "ok")
    except OSError as exc:  # full disk, read-only folder, ...: nothing was replaced
        raise BuildError(f"cannot write the briefing under {req.out_dir}: {exc.strerror or exc}; free some space "
                         f"or choose another --out (the previous briefing, if any, is unchanged)") from exc
    finally:
        if closing is not None:
            closing.join()
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        if in_use is not None:
            os.close(in_use)


def _remove_stale_builds(out_dir: Path, slug: str) -> None:
    """Remove the temporary folders of earlier runs of ``slug`` that were killed outright, but not the one
    a run of the same name is building in right now (two terminals, two scripts)."""
    folders.remove_unclaimed(out_dir.glob(f".{slug}.tmp-*"))


def _knowledge_as_of() -> str:
    from .knowledge import data_as_of

    return data_as_of().isoformat()


def _swap_into_place(tmp: Path, target: Path) -> None:
    """Replace ``target`` with ``tmp``: two renames, the old folder removed only after."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}-{time.monotonic_ns()}")
        os.replace(target, old)
    try:
        os.replace(tmp, target)
    except OSError:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    failed = target.with_name(f"{target.name}.failed")
    # the failed notebooks an earlier run kept (<run>.failed/<lang>/<chapter>.ipynb), and nothing of anyone else's
    if failed.is_dir() and not failed.is_symlink() and all(
            p.is_dir() and p.name in LOCALES and not p.is_symlink()
            and all(f.is_file() and f.suffix == ".ipynb" for f in p.iterdir()) for p in failed.iterdir()):
        shutil.rmtree(failed, ignore_errors=True)
