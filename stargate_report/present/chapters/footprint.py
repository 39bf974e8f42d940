"""The footprint chapter: water, land and the comparison of regions."""
from __future__ import annotations

import pandas as pd

from stargate_report.model import evaluate as model
from stargate_report.model.scenario import Scenario, region_ids
from stargate_report.present import formatting
from stargate_report.present.chapter import Chapter
from stargate_report.present.i18n import t


class FootprintChapter(Chapter):
    """The footprint chapter: water, land and the comparison of regions."""

    # -- footprint, uncertainty, run ----------------------------------------------------------------
    def regions_table(self, qids: list[str]) -> pd.DataFrame:
        """Each quantity (median with range) of the same scenario evaluated in every region."""

        sc = Scenario(**self.results.scenario)
        rows = []
        for region in region_ids():
            res = model.evaluate(sc.model_copy(update={"region": region}))
            row = {t("col.region", self.lang): t(f"region.{region}", self.lang)}
            for q in qids:
                row[t(f"label.{q}", self.lang)] = formatting.quantity(res[q], self.lang) if q in res else "–"
            rows.append(row)
        return pd.DataFrame(rows)

    def regions(self, qid: str, plot_unit: str) -> pd.DataFrame:
        """One quantity of the same scenario evaluated in every region, in a plot unit."""

        scale = formatting.plot_scale(plot_unit)
        sc = Scenario(**self.results.scenario)
        df = model.evaluate_regions(sc, qid)
        df["label"] = [t(f"region.{r}", self.lang) for r in df["region"]]
        for c in ("p10", "p50", "p90"):
            df[c] = df[c] / scale
        return df[["region", "label", "p10", "p50", "p90", "inputs"]]
