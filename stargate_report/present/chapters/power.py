"""The power chapter: from accelerators to facility power and energy."""
from __future__ import annotations

from stargate_report.present.chapter import Chapter, scenario_of
from stargate_report.present.i18n import t


class PowerChapter(Chapter):
    """The power chapter: from accelerators to facility power and energy."""

    def sizing_text(self) -> str:
        sizing = scenario_of(self.results).sizing()
        role = "facility_capacity_mw" if sizing == "capacity_fact" else sizing
        return t(f"sizing.{sizing}", self.lang).replace("{capacity}", self.num(role, show_range=False))

    def accelerator_name(self) -> str:
        """The accelerator's name in the chapter's language (``name_de`` of ``accelerators.csv`` in German)."""
        import csv

        from stargate_report.catalog.files import path

        column = "name_de" if self.lang == "de" else "name"
        with open(path("accelerators.csv"), newline="", encoding="utf-8") as fh:
            names = {r["id"]: r.get(column) or r["name"] for r in csv.DictReader(fh)}
        return names[self.results.scenario["accelerator"]]
