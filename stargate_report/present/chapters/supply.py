"""The supply chapter: dispatch week, year heat map, cost-versus-CFE curve, regions."""
from __future__ import annotations

import pandas as pd

from stargate_report.present import formatting
from stargate_report.present.chapter import Chapter
from stargate_report.present.i18n import t
from stargate_report.supply import dispatch as supply
from stargate_report.supply.profiles import region_profiles
from stargate_report.supply.sizing import TYPICAL_WEEKS


class SupplyChapter(Chapter):
    """The supply chapter: dispatch week, year heat map, cost-versus-CFE curve, regions."""

    # -- supply -----------------------------------------------------------------------------------
    def dispatch(self):
        """Hourly dispatch of the sized supply mix (a :class:`supply.Dispatch`)."""

        kept = {k.split(".", 1)[1]: v for k, v in self.results.series.items() if k.startswith("dispatch.")}
        if kept:  # simulated by the model when it sized the mix
            return supply.Dispatch(**kept)
        mix = self.results.tables["supply_mix"][0]
        prof = region_profiles(mix["region"])
        return supply.simulate(mix["load_mw"], mix["solar_mw"], mix["wind_mw"], mix["battery_mw"],
                               mix["battery_mwh"], solar_profile=prof.solar, wind_profile=prof.wind,
                               round_trip_efficiency=mix["round_trip_efficiency"], keep_hourly=True).hourly

    def dispatch_week_frame(self) -> pd.DataFrame:
        """How the load is met in a winter and a summer week: ``season, hour, source, mw`` (stacked)."""

        h = self.dispatch()
        direct = h.load - h.discharge - h.grid
        rows = []
        for season, first_day in TYPICAL_WEEKS.items():
            sl = slice(first_day * 24, first_day * 24 + 7 * 24)
            for key, series in (("direct", direct), ("battery", h.discharge), ("grid", h.grid)):
                for k, val in enumerate(series[sl]):
                    rows.append({"season": t(f"season.{season}", self.lang), "hour": k,
                                 "source": t(f"source.{key}", self.lang), "order": key, "mw": float(val)})
        return pd.DataFrame(rows)

    def cfe_heatmap_frame(self) -> pd.DataFrame:
        """Carbon-free share of the load by week of the year and hour of the day: ``week, hour, cfe``."""
        h = self.dispatch()
        share = 1.0 - h.grid / h.load
        days = share[: 364 * 24].reshape(52, 7, 24).mean(axis=1)
        return pd.DataFrame([{"week": w + 1, "hour": hr, "cfe": float(days[w, hr])}
                             for w in range(52) for hr in range(24)])

    def cfe_curve_frame(self) -> pd.DataFrame:
        rows = self.results.tables["cfe_curve"]
        return pd.DataFrame([{"target": r["target_cfe"] * 100, "cost": r["cost_usd_per_mwh"],
                              "annual_matching": r["annual_matching_usd_per_mwh"], "feasible": r["feasible"],
                              "solar_mw": r["solar_mw"], "wind_mw": r["wind_mw"], "battery_mwh": r["battery_mwh"],
                              "inputs": "model:supply-sizing"} for r in rows])

    def cfe_curve_table(self) -> pd.DataFrame:
        out = []
        for r in self.results.tables["cfe_curve"]:
            out.append({t("col.target", self.lang): formatting.value(r["target_cfe"], "fraction", self.lang),
                        t("col.solar", self.lang): formatting.value(r["solar_mw"], "MW", self.lang),
                        t("col.wind", self.lang): formatting.value(r["wind_mw"], "MW", self.lang),
                        t("col.battery", self.lang): formatting.value(r["battery_mwh"], "MWh", self.lang),
                        t("col.capex", self.lang): formatting.value(r["capex_usd"], "usd", self.lang),
                        t("col.cost", self.lang): formatting.value(r["cost_usd_per_mwh"], "usd_per_mwh", self.lang)
                        if r["feasible"] else t("supply.unreachable", self.lang),
                        t("col.premium", self.lang): formatting.value(r["premium_usd_per_mwh"], "usd_per_mwh", self.lang)
                        if r["feasible"] else "–"})
        return pd.DataFrame(out)

    def supply_regions_frame(self) -> pd.DataFrame:
        rows = [r for r in self.results.tables["supply_regions"] if r["feasible"]]
        return pd.DataFrame([{"region": r["region"], "label": t(f"region.{r['region']}", self.lang),
                              "cost": r["cost_usd_per_mwh"], "inputs": "model:supply-sizing"} for r in rows])

    def supply_regions_table(self) -> pd.DataFrame:
        out = []
        for r in self.results.tables["supply_regions"]:
            out.append({t("col.region", self.lang): t(f"region.{r['region']}", self.lang),
                        t("col.solar", self.lang): formatting.value(r["solar_mw"], "MW", self.lang),
                        t("col.wind", self.lang): formatting.value(r["wind_mw"], "MW", self.lang),
                        t("col.battery", self.lang): formatting.value(r["battery_mwh"], "MWh", self.lang),
                        t("col.cfe", self.lang): formatting.value(r["hourly_cfe_share"], "fraction", self.lang),
                        t("col.cost", self.lang): formatting.value(r["cost_usd_per_mwh"], "usd_per_mwh", self.lang)
                        if r["feasible"] else t("supply.unreachable", self.lang)})
        return pd.DataFrame(out)

    def weather_values(self) -> dict[str, str]:
        """The weather station behind the profiles (results table ``supply_weather``), for ``supply.weather``."""
        rows = self.results.tables.get("supply_weather") or [{}]
        w = rows[0]
        calibration = w.get("calibration_wind", "")
        return {"station": w.get("name", "-"), "station_id": w.get("station_id", "-"),
                "dataset": w.get("dataset", "-"), "attribution": w.get("attribution", ""),
                "calibration": f"Wind: {calibration}." if calibration and self.lang == "en" else "",
                "flag": w.get("flag", "")}
