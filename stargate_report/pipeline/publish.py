"""Merge the executed chapters into one notebook per language and render it: HTML (nbconvert), PDF (WeasyPrint)."""
from __future__ import annotations

import copy
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from stargate_report.runtime.kernels import SharedKernels, helper_pool


def merge(executed: list[Path], meta: dict) -> Any:
    """One notebook from the executed chapters (cells in order), with the briefing metadata."""
    import nbformat  # the notebook stack only where notebooks are read or written

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
    # nbconvert and WeasyPrint (about 1 s) only when a briefing is rendered, never for a run served from the cache
    from stargate_report.render.exporters import html_to_pdf

    timings = {} if timings is None else timings
    langs = list(books)
    later = langs[1:] if "pdf" in formats and helpers > 0 else []
    pool = own = None
    if later:
        n = min(helpers, len(later))
        pool = shared.helpers(n) if shared is not None else (own := helper_pool(n))
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


def _html_exporter():
    # nbconvert (about 0.4 s) only when a briefing is rendered: a run served from the cache never needs it
    from stargate_report.render.exporters import BriefingHTMLExporter


    return BriefingHTMLExporter()


def _submit(pool, fn, *args):
    """``pool.submit``, or ``None`` when no helper process can be had (the caller does the work)."""

    try:
        return pool.submit(fn, *args)
    except (BrokenProcessPool, OSError, RuntimeError):
        return None


def _result(future):
    """A helper's result, or ``None`` when there is none (no helper, or it died)."""
    if future is None:
        return None

    try:
        return future.result()
    except BrokenProcessPool:
        return None
