"""The appendix: parameters, assumptions, derivations, sources and the run."""
from __future__ import annotations

import platform

import pandas as pd

from stargate_report import __version__
from stargate_report.catalog.files import file_hashes
from stargate_report.catalog.knowledge import get_fact
from stargate_report.catalog.sources import load_sources
from stargate_report.model.scenario import Scenario
from stargate_report.present import formatting, printed
from stargate_report.present.chapter import Chapter
from stargate_report.present.i18n import assumption_note, formula_note, t
from stargate_report.present.printed import pointer


class AppendixChapter(Chapter):
    """The appendix: parameters, assumptions, derivations, sources and the run."""

    def run_frame(self) -> pd.DataFrame:
        """The run's reproducibility record: version, Python, parameters that fix the numbers, data hashes."""


        rows = [("stargate-report", __version__), ("Python", platform.python_version()),
                ("preset", self.preset), ("samples", str(self.results.scenario["samples"])),
                ("seed", str(self.results.scenario["seed"]))]
        rows += [(name, digest[:16]) for name, digest in file_hashes().items()]
        return pd.DataFrame(rows, columns=[t("col.item", self.lang), t("col.value", self.lang)])

    def assumptions_frame(self) -> pd.DataFrame:
        rows = []
        for iid, i in self.results.inputs.items():
            key = pointer("assumptions", iid)
            # the range low to high, never in brackets: brackets are P10-P90 of outputs only
            rows.append({t("col.id", self.lang): iid,
                         t("col.value", self.lang): printed.value(i.value, i.unit, self.lang, f"{key}/value"),
                         t("col.range", self.lang): printed.span(i.low, i.high, i.unit, self.lang, key)
                         if i.low != i.high else "–",
                         t("col.status", self.lang): self.status(i.status),
                         t("col.sources", self.lang): "; ".join(i.sources)})
        return pd.DataFrame(rows)

    def assumption_notes_frame(self) -> pd.DataFrame:
        """What each input rests on, in the chapter's language: an assumption's note (English: the
        assumptions file's text; another language: catalogue key ``assumption.note.<id>``, :func:`assumption_note`),
        a fact's statement; a model input's note is the model's own English text, in German a pointer to it."""
        rows = []
        for iid, i in self.results.inputs.items():
            kind, _, name = iid.partition(":") if ":" in iid else ("assumption", "", iid)
            if kind == "assumption":
                note = assumption_note(iid, i.note, self.lang)
            elif kind == "fact":
                note = get_fact(name).statement(self.lang)
            elif kind == "model" and i.note:
                note = i.note if self.lang == "en" else t("appendix.note.model", self.lang)
            else:
                note = ""
            if note:  # the note of results.json (English), or its translation (the same numbers)
                rows.append({t("col.id", self.lang): iid,
                             t("col.note", self.lang): printed.text(note, pointer("assumptions", iid, "note"))})
        return pd.DataFrame(rows)

    def derivations_frame(self) -> pd.DataFrame:
        rows = []
        for qid, q in self.results.quantities.items():
            key = pointer("quantities", qid)
            formula = printed.text(q.formula, f"{key}/formula")
            if q.note:
                formula = formula + " (" + printed.text(formula_note(qid, q.note, self.lang), f"{key}/note") + ")"
            rows.append({t("col.quantity", self.lang): qid, t("col.value", self.lang): self.num(qid),
                         t("col.formula", self.lang): formula,
                         t("col.inputs", self.lang): ", ".join(q.inputs)})
        return pd.DataFrame(rows)

    def tables_frame(self) -> pd.DataFrame:
        """The run's named result tables (``results.json``, ``tables``): name and what each holds
        (catalogue key ``table.<name>``), so a chart or table of a chapter can be traced like a quantity."""
        return pd.DataFrame([{t("col.table", self.lang): name,
                              t("col.definition", self.lang): t(f"table.{name}", self.lang)}
                             for name in self.results.tables])

    def parameters_frame(self) -> pd.DataFrame:
        """The run's parameters and their values, in the chapter's language: a preset's own title as the
        briefing shows it (:attr:`title`), a parameter left unset (``None``: sampled from its range, or
        the campus sized another way) and a yes/no in words, numbers as given in the language's format
        (a random seed without thousands separators)."""
        def shown(k: str, v):
            if k == "title":
                return self.title
            if v is None:
                return t("appendix.parameter_not_set", self.lang)
            if isinstance(v, bool):
                return t("appendix.yes" if v else "appendix.no", self.lang)
            if isinstance(v, (int, float)):
                field = Scenario.model_fields.get(k)
                unit = (field.json_schema_extra or {}).get("unit", "-") if field is not None else "-"
                return formatting.exact(v, self.lang, grouped=unit != "-")
            return v

        def key(k: str) -> str:  # the title as shown is the run's titles table's (the scenario's may be empty)
            titles = [i for i, r in enumerate(self.results.tables.get("titles", [])) if r["lang"] == self.lang]
            return pointer("tables", "titles", titles[0], "title") if k == "title" and titles else pointer("scenario", k)

        return pd.DataFrame([{t("col.parameter", self.lang): k,
                              t("col.value", self.lang): printed.text(str(shown(k, v)), key(k))}
                             for k, v in self.results.scenario.items()])

    def sources_frame(self) -> pd.DataFrame:
        used: list[str] = []
        for i in self.results.inputs.values():
            for s in i.sources:
                if s not in used:
                    used.append(s)
        reg = load_sources()
        return pd.DataFrame([{t("col.id", self.lang): s, t("col.sources", self.lang): reg[s].citation()}
                             for s in used])
