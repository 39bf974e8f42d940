"""The uncertainty chapter: ranges, the drivers (tornado) and the global (Sobol) indices."""
from __future__ import annotations

import pandas as pd

from stargate_report.model.evaluate import OPTIONAL_QUANTITIES, ROLES
from stargate_report.present import formatting, printed
from stargate_report.present.chapter import Chapter, catalogue_keys
from stargate_report.present.i18n import t
from stargate_report.present.printed import Printed, pointer


class UncertaintyChapter(Chapter):
    """The uncertainty chapter: ranges, the drivers (tornado) and the global (Sobol) indices."""

    def ranges_table(self, qids: list[str]) -> pd.DataFrame:
        """Quantities with P10, P50, P90 and the relative width of the range (ledger ``width``)."""
        rows = []
        for q in qids:
            if q in OPTIONAL_QUANTITIES and q not in self.results.quantities:
                continue  # not computable in this region (no published input, e.g. no grid price)
            quant = self.results[q]
            key = pointer("quantities", q)
            rows.append({t("col.quantity", self.lang): t(f"label.{q}", self.lang),
                         **{p.upper(): printed.value(getattr(quant, p), quant.unit, self.lang, f"{key}/{p}")
                            for p in ("p10", "p50", "p90")},
                         t("col.width", self.lang): printed.value(quant.width, "fraction", self.lang, f"{key}/width"),
                         t("col.status", self.lang): self.status(quant.status)})
        return pd.DataFrame(rows)

    def _label_of_role(self, role: str) -> str:

        quantity = ROLES.get(role, (role,))[0]
        key = f"quantity.{quantity}"
        return t(key, self.lang) if key in catalogue_keys(self.lang) else quantity

    def tornado_frame(self, output: str, plot_unit: str, top: int = 8) -> pd.DataFrame:
        """One-at-a-time swings of ``output`` (largest first): ``label, assumption, low, high, base``."""

        scale = formatting.plot_scale(plot_unit)
        df = self._tornado(output).head(top)
        return pd.DataFrame({
            "label": [f"{self._label_of_role(r)} ({a})" for r, a in zip(df["role"], df["assumption"])],
            "assumption": df["assumption"], "at_low": df["output_at_low"] / scale,
            "at_high": df["output_at_high"] / scale, "base": df["output_base"] / scale, "inputs": df["assumption"]})

    def drivers_text(self, output: str, n: int = 3) -> Printed:
        """The ``n`` largest drivers of ``output`` in words: assumption, its range, and the output's range."""

        table = f"tornado_{output}"
        unit = self.results[output].unit
        parts = []
        for i, row in self._tornado(output).head(n).iterrows():
            key = pointer("tables", table, i)
            at = sorted(("output_at_low", "output_at_high"), key=lambda c: row[c])
            parts.append(self.compose(
                "uncertainty.driver", name=self._label_of_role(row["role"]),
                low=printed.value(row["low"], row["unit"], self.lang, f"{key}/low"),
                high=printed.value(row["high"], row["unit"], self.lang, f"{key}/high"),
                out_low=printed.value(row[at[0]], unit, self.lang, f"{key}/{at[0]}"),
                out_high=printed.value(row[at[1]], unit, self.lang, f"{key}/{at[1]}")))
        out = Printed("")
        for k, part in enumerate(parts):
            out = out + ("; " if k else "") + part
        return out

    def _tornado(self, output: str) -> pd.DataFrame:
        """The run's tornado table of ``output`` (results table ``tornado_<output>``, swings > 0)."""
        return pd.DataFrame(self.results.tables[f"tornado_{output}"])

    def sobol_table(self, output: str, top: int = 6) -> pd.DataFrame:
        """The run's Sobol indices of ``output`` (results table ``sobol_<output>``), largest total first."""
        table = f"sobol_{output}"
        df = pd.DataFrame(self.results.tables[table]).head(top)
        return pd.DataFrame({t("col.assumption", self.lang): [f"{self._label_of_role(r)} ({a})"
                                                              for r, a in zip(df["role"], df["assumption"])],
                             t("col.first_order", self.lang): [printed.number(x, self.lang, pointer("tables", table, i, "S1"), 2)
                                                               for i, x in enumerate(df["S1"])],
                             t("col.total", self.lang): [printed.number(x, self.lang, pointer("tables", table, i, "ST"), 2)
                                                         for i, x in enumerate(df["ST"])]})

    def change_values(self) -> dict[str, Printed]:
        """What ``uncertainty.change.text`` names, from the run's tables: the two assumptions with the largest
        total Sobol index of the capital cost (with the indices), the largest driver of the emissions (tornado),
        and the weather station of the supply."""
        sob = self.results.tables["sobol_capex_usd"]
        tor = self.results.tables["tornado_emissions_tco2e_per_year"]
        values: dict[str, Printed] = {}
        for n, name in enumerate(("capex_first", "capex_second")):
            values[name] = Printed(self._label_of_role(sob[n]["role"]))
            values[f"{name}_st"] = printed.number(sob[n]["ST"], self.lang, pointer("tables", "sobol_capex_usd", n, "ST"), 2)
        values["emissions_first"] = Printed(self._label_of_role(tor[0]["role"]) if tor else "–")
        weather = (self.results.tables.get("supply_weather") or [{}])[0]
        values["station"] = printed.text(str(weather.get("name", "–")), pointer("tables", "supply_weather", 0, "name"))
        return values
