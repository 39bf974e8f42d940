"""The uncertainty chapter: ranges, the drivers (tornado) and the global (Sobol) indices."""
from __future__ import annotations

import pandas as pd

from stargate_report.model.evaluate import OPTIONAL_QUANTITIES, ROLES
from stargate_report.model.scenario import Scenario
from stargate_report.model.sensitivity import sobol, tornado
from stargate_report.present import formatting
from stargate_report.present.chapter import Chapter, catalogue_keys
from stargate_report.present.i18n import t


class UncertaintyChapter(Chapter):
    """The uncertainty chapter: ranges, the drivers (tornado) and the global (Sobol) indices."""

    def ranges_table(self, qids: list[str]) -> pd.DataFrame:
        """Quantities with P10, P50, P90 and the relative width of the range."""
        rows = []
        for q in qids:
            if q in OPTIONAL_QUANTITIES and q not in self.results.quantities:
                continue  # not computable in this region (no published input, e.g. no grid price)
            quant = self.results[q]
            width = (quant.p90 - quant.p10) / quant.p50 if quant.p50 else 0.0
            rows.append({t("col.quantity", self.lang): t(f"label.{q}", self.lang),
                         "P10": formatting.value(quant.p10, quant.unit, self.lang),
                         "P50": formatting.value(quant.p50, quant.unit, self.lang),
                         "P90": formatting.value(quant.p90, quant.unit, self.lang),
                         t("col.width", self.lang): formatting.value(width, "fraction", self.lang),
                         t("col.status", self.lang): self.status(quant.status)})
        return pd.DataFrame(rows)

    def _label_of_role(self, role: str) -> str:

        quantity = ROLES.get(role, (role,))[0]
        key = f"quantity.{quantity}"
        return t(key, self.lang) if key in catalogue_keys(self.lang) else quantity

    def tornado_frame(self, output: str, plot_unit: str, top: int = 8) -> pd.DataFrame:
        """One-at-a-time swings of ``output`` (largest first): ``label, assumption, low, high, base``."""

        scale = formatting.plot_scale(plot_unit)
        df = tornado(Scenario(**self.results.scenario), output)
        df = df[df["swing"] > 0].head(top)
        return pd.DataFrame({
            "label": [f"{self._label_of_role(r)} ({a})" for r, a in zip(df["role"], df["assumption"])],
            "assumption": df["assumption"], "at_low": df["output_at_low"] / scale,
            "at_high": df["output_at_high"] / scale, "base": df["output_base"] / scale, "inputs": df["assumption"]})

    def drivers_text(self, output: str, n: int = 3) -> str:
        """The ``n`` largest drivers of ``output`` in words: assumption, its range, and the output's range."""

        df = tornado(Scenario(**self.results.scenario), output)
        unit = self.results[output].unit
        parts = []
        for _, row in df[df["swing"] > 0].head(n).iterrows():
            lo_out, hi_out = sorted((row["output_at_low"], row["output_at_high"]))
            parts.append(t("uncertainty.driver", self.lang).format(
                name=self._label_of_role(row["role"]),
                low=formatting.value(row["low"], row["unit"], self.lang),
                high=formatting.value(row["high"], row["unit"], self.lang),
                out_low=formatting.value(lo_out, unit, self.lang), out_high=formatting.value(hi_out, unit, self.lang)))
        return "; ".join(parts)

    def sobol_table(self, output: str, n: int = 256, top: int = 6) -> pd.DataFrame:

        df = sobol(Scenario(**self.results.scenario), output, n=n).head(top)
        return pd.DataFrame({t("col.assumption", self.lang): [f"{self._label_of_role(r)} ({a})"
                                                              for r, a in zip(df["role"], df["assumption"])],
                             t("col.first_order", self.lang): [formatting.number(x, self.lang, 2) for x in df["S1"]],
                             t("col.total", self.lang): [formatting.number(x, self.lang, 2) for x in df["ST"]]})
