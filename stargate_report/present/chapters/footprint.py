"""The footprint chapter: water, land and the comparison of regions."""
from __future__ import annotations

import pandas as pd

from stargate_report.present import formatting, printed
from stargate_report.present.chapter import Chapter
from stargate_report.present.i18n import t
from stargate_report.present.printed import pointer


class FootprintChapter(Chapter):
    """The footprint chapter: water, land and the comparison of regions."""

    # -- footprint, uncertainty, run ----------------------------------------------------------------
    def regions_table(self, qids: list[str]) -> pd.DataFrame:
        """Each quantity (median with range) of the same scenario evaluated in every region (results table
        ``regions_footprint``)."""

        by_region: dict[str, dict[str, tuple[int, dict]]] = {}
        for i, r in enumerate(self.results.tables["regions_footprint"]):
            by_region.setdefault(r["region"], {})[r["quantity"]] = (i, r)
        rows = []
        for region, found in by_region.items():
            row = {t("col.region", self.lang): t(f"region.{region}", self.lang)}
            for q in qids:
                i, r = found.get(q, (None, None))
                row[t(f"label.{q}", self.lang)] = (printed.ranged(r["p50"], r["p10"], r["p90"], r["unit"], self.lang,
                                                                  pointer("tables", "regions_footprint", i))
                                                   if r else "–")
            rows.append(row)
        return pd.DataFrame(rows)

    def regions(self, qid: str, plot_unit: str) -> pd.DataFrame:
        """One quantity of the same scenario evaluated in every region (results table ``regions_footprint``),
        in a plot unit."""

        scale = formatting.plot_scale(plot_unit)
        df = pd.DataFrame([r for r in self.results.tables["regions_footprint"] if r["quantity"] == qid])
        df["label"] = [t(f"region.{r}", self.lang) for r in df["region"]]
        for c in ("p10", "p50", "p90"):
            df[c] = df[c] / scale
        return df[["region", "label", "p10", "p50", "p90", "inputs"]]
