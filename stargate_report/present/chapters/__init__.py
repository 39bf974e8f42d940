"""Per-chapter content builders, each a :class:`~stargate_report.present.chapter.Chapter` with what its
notebook needs; :func:`open_chapter` opens the right one for a chapter notebook."""
from __future__ import annotations

import os
from pathlib import Path

from stargate_report.exceptions import ParameterError
from stargate_report.model.analyses import evaluate_run
from stargate_report.model.ledger import Results
from stargate_report.model.scenario import DEFAULT_PRESET, resolve
from stargate_report.present import formatting
from stargate_report.present.chapter import Chapter
from stargate_report.present.chapters.appendix import AppendixChapter
from stargate_report.present.chapters.deal import DealChapter
from stargate_report.present.chapters.footprint import FootprintChapter
from stargate_report.present.chapters.power import PowerChapter
from stargate_report.present.chapters.supply import SupplyChapter
from stargate_report.present.chapters.uncertainty import UncertaintyChapter

#: chapter name (``open_chapter``'s first argument in each notebook) -> its content builder; the summary
#: and economics chapters need only what every chapter has
CHAPTERS: dict[str, type[Chapter]] = {
    "summary": Chapter, "deal": DealChapter, "power": PowerChapter, "supply": SupplyChapter,
    "economics": Chapter, "footprint": FootprintChapter, "uncertainty": UncertaintyChapter,
    "appendix": AppendixChapter,
}


def _check_results_path(results_path: str) -> None:
    """A run's ledger must be there: a chapter re-run from another folder would otherwise fail with a bare
    ``FileNotFoundError`` (papermill runs the kernel in the folder it is started from, not the notebook's)."""

    stem = Path(results_path)
    missing = [p.name for p in (stem.with_suffix(".json"), stem.with_suffix(".npz")) if not p.is_file()]
    if missing:
        raise ParameterError(
            "results_path", results_path,
            "the stem of a run's data/results.json and .npz, relative to the kernel's working folder "
            f"({os.getcwd()})",
            f"{' and '.join(missing)} not found there: start the notebook from its own folder "
            "(papermill --cwd <its folder>), give an absolute path, or set results_path to '' to evaluate "
            "the scenario in the notebook")


def open_chapter(name: str, preset: str = DEFAULT_PRESET, overrides: dict | None = None, lang: str = "en",
                 results_path: str = "") -> Chapter:
    """Open a chapter: load the run's ledger, or evaluate the scenario when run alone."""
    formatting.check_lang(lang)
    if results_path:
        _check_results_path(results_path)
        results = Results.load(results_path)
    else:  # running alone: evaluate here, with the supply and its tables
        results = evaluate_run(resolve(preset, overrides=overrides or {}))
    return CHAPTERS.get(name, Chapter)(name=name, results=results, lang=lang, preset=preset)
