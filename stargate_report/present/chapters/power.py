"""The power chapter: from accelerators to facility power and energy."""
from __future__ import annotations

import pandas as pd

from stargate_report.model.reported import DERIVED_UNITS
from stargate_report.present import printed
from stargate_report.present.chapter import Chapter, scenario_of
from stargate_report.present.i18n import t
from stargate_report.present.printed import Printed, pointer


class PowerChapter(Chapter):
    """The power chapter: from accelerators to facility power and energy."""

    def sizing_text(self) -> Printed:
        """How the campus is sized (a capacity, an IT load or a count), with that number tagged."""
        sizing = scenario_of(self.results).sizing()
        role = "facility_capacity_mw" if sizing == "capacity_fact" else sizing
        return self.compose(f"sizing.{sizing}", capacity=self.num(role, show_range=False))

    def accelerator_name(self) -> str:
        """The accelerator's name in the chapter's language (catalogue ``accelerator.<id>``)."""
        return t(f"accelerator.{self.results.scenario['accelerator']}", self.lang)

    def reported_table(self) -> pd.DataFrame:
        """The model beside the published record (the results table ``model_vs_reported``): the quantity, the
        model's median with its P10-P90 range, the published figure with its source, their ratio, and the
        reason a figure outside the range may differ."""
        rows = []
        for i, r in enumerate(self.results.tables.get("model_vs_reported", [])):
            rid = r["reported_id"].removeprefix("fact:")
            key = pointer("tables", "model_vs_reported", i)
            rows.append({t("col.quantity", self.lang): t(f"label.{r['quantity']}", self.lang),
                         t("col.model", self.lang): printed.ranged(r["p50"], r["p10"], r["p90"], r["unit"], self.lang,
                                                                   key),
                         t("col.published", self.lang): printed.value(r["reported"], r["unit"], self.lang,
                                                                      f"{key}/reported"),
                         t("col.sources", self.lang): "; ".join(r["sources"]),
                         t("col.ratio", self.lang): printed.number(r["ratio"], self.lang, f"{key}/ratio", 2),
                         t("col.note", self.lang): t("reported.inside", self.lang) if r["inside"]
                         else self.compose(f"reported.reason.{rid}", **{
                             k: printed.value(r[k], unit, self.lang, f"{key}/{k}")
                             for k, unit in DERIVED_UNITS.items() if k in r})})
        return pd.DataFrame(rows)
