"""The supply chapter: dispatch weeks, year heat map, cost-versus-CFE curve with the literature, regions.

Everything charted here was computed with the results (``dispatch_week``, ``cfe_heatmap``, ``cfe_curve``,
``supply_regions``, ``supply_mix``, ``supply_weather``, ``literature_cfe`` in ``Results.tables``); this module
only labels, formats and arranges it, every number tagged with its key in the results.
"""
from __future__ import annotations

import hashlib

import pandas as pd

from stargate_report.present import formatting, printed
from stargate_report.present.chapter import Chapter, display_html
from stargate_report.present.i18n import catalogue, t
from stargate_report.present.printed import Printed, pointer

#: the hourly series of a dispatch week, bottom of the stack first: (column, sign, catalogue key of its name).
#: Above zero what meets the load, below zero where the surplus goes; the load is a line over the stack.
WEEK_SERIES = (("solar_mw", 1, "source.solar"), ("wind_mw", 1, "source.wind"), ("firm_mw", 1, "source.firm"),
               ("battery_discharge_mw", 1, "source.discharge"), ("grid_mw", 1, "source.grid"),
               ("battery_charge_mw", -1, "source.charge"), ("curtailed_mw", -1, "source.curtailed"),
               ("export_mw", -1, "source.export"))
#: reasons the sized mix has no wind (``supply_mix.wind_zero_reason``), each with a paragraph of its own
WIND_ZERO_REASONS = ("not_allowed", "no_profile", "grid_meets_target", "least_cost")


def reason_key(reason: str, kind: str = "reason") -> str:
    """The catalogue key of a literature row's ``reason`` (or ``scenario``) in languages other than English
    (the English text is the table's own): ``literature.<kind>.<first 10 hex digits of its SHA-1>``, so an
    edited text needs a new translation (a test checks that every one has one and none is stale)."""
    return f"literature.{kind}." + hashlib.sha1(reason.strip().encode("utf-8")).hexdigest()[:10]


def _has_station(station_id) -> bool:
    """Whether a profile comes from weather stations (WMO/USAF ids: digits), not from a model."""
    return any(ch.isdigit() for ch in str(station_id or ""))


class SupplyChapter(Chapter):
    """The supply chapter: dispatch weeks, year heat map, cost-versus-CFE curve, regions."""

    def _rows(self, name: str) -> list[dict]:
        return self.results.tables.get(name) or []

    @property
    def mix(self) -> dict:
        """The sized mix of the scenario (results table ``supply_mix``)."""
        return self._rows("supply_mix")[0]

    # -- weather --------------------------------------------------------------------------------------
    def _weather_field(self, row: dict, field: str) -> str:
        """A station's ``station`` (name), ``dataset`` or ``attribution`` in the chapter's language: the
        catalogue's ``weather.<field>.<profile>`` where there is one (the data's own text is English prose: a
        stand-in station, a model instead of a station; attributions in other languages), else the data."""
        key = f"weather.{field}.{row.get('profile', row.get('region', ''))}"
        if key in catalogue("en") or (self.lang != "en" and key in catalogue(self.lang)):
            return t(key, self.lang)
        return str(row.get("name" if field == "station" else field, "-"))

    def weather_values(self) -> dict[str, str]:
        """The weather station behind the profiles (results table ``supply_weather``), for ``supply.weather``:
        its id, dataset and calibration tagged with their keys in the results."""
        rows = self._rows("supply_weather") or [{}]
        w = rows[0]
        key = pointer("tables", "supply_weather", 0)
        calibration = w.get("calibration_wind", "")
        return {"station": self._weather_field(w, "station"),
                "station_id": printed.text(str(w.get("station_id", "-")), f"{key}/station_id"),
                "dataset": printed.text(self._weather_field(w, "dataset"), f"{key}/dataset"),
                "attribution": printed.text(self._weather_field(w, "attribution"), f"{key}/attribution"),
                "calibration": printed.text(f"Wind: {calibration}.", f"{key}/calibration_wind")
                if calibration and self.lang == "en" else "",
                "flag": ""}

    def method_values(self) -> dict[str, Printed]:
        """How the profiles were made (``supply_weather``: DC/AC ratio, turbine, hub and measurement height),
        for ``supply.method``."""
        w = (self._rows("supply_weather") or [{}])[0]
        key = pointer("tables", "supply_weather", 0)
        if "dc_ac_ratio" not in w:  # results written before the method was kept with them
            return {}
        return {"dc_ac_ratio": printed.number(w["dc_ac_ratio"], self.lang, f"{key}/dc_ac_ratio"),
                "turbine": printed.text(w["turbine"], f"{key}/turbine"),
                "hub_height": printed.value(w["hub_height_m"], "m", self.lang, f"{key}/hub_height_m"),
                "measurement_height": printed.value(w["measurement_height_m"], "m", self.lang,
                                                    f"{key}/measurement_height_m")}

    def weather_paragraph(self) -> None:
        """The paragraph on the weather behind the profiles (station, dataset, attribution, calibration)."""
        v = self.weather_values()
        self.para("supply.weather" if _has_station(v["station_id"]) else "supply.weather_model", **v)

    def weather_line(self) -> str:
        """One sentence naming the station, its id and dataset: under every figure that rests on the profiles
        (a profile from a model rather than a station has no id to name)."""
        v = self.weather_values()
        key = "supply.weather_line" if _has_station(v["station_id"]) else "supply.weather_line_model"
        return self.compose(key, station=v["station"], station_id=v["station_id"], dataset=v["dataset"])

    def regions_weather_line(self) -> str:
        """The station of every region of the regional comparison, in one sentence."""
        parts = [self.compose(
            "supply.weather_region" if _has_station(r.get("station_id")) else "supply.weather_region_model",
            region=t(f"region.{r['region']}", self.lang), station=self._weather_field(r, "station"),
            station_id=printed.text(str(r.get("station_id", "-")).replace(";", ", "),
                                    pointer("tables", "supply_regions", i, "station_id")),
            dataset=printed.text(self._weather_field(r, "dataset"), pointer("tables", "supply_regions", i, "dataset")))
            for i, r in enumerate(self._rows("supply_regions"))]
        joined = Printed("")
        for k, part in enumerate(parts):
            joined = joined + ("; " if k else "") + part
        return self.compose("supply.weather_regions", stations=joined)

    def figure_html(self, name: str, chart, data: pd.DataFrame, refs: list[str], note: str | None = None) -> str:
        """A figure of this chapter: every one rests on the weather profiles, so each names its station."""
        return super().figure_html(name, chart, data, refs, note=self.weather_line() if note is None else note)

    # -- what the text says beside the numbers --------------------------------------------------------
    def explain_wind(self) -> None:
        """Say why the mix has no wind, where it has none (``supply_mix.wind_zero_reason``)."""
        reason = self.mix.get("wind_zero_reason", "")
        if reason in WIND_ZERO_REASONS:
            self.para(f"supply.wind_zero.{reason}", region=t(f"region.{self.mix['region']}", self.lang))

    def explain_grid_price(self) -> None:
        """Say that no cost per MWh is given where the region has no sourced grid price."""
        if not self.mix.get("grid_priced", True):
            self.para("supply.grid_unpriced", region=t(f"region.{self.mix['region']}", self.lang))

    # -- dispatch weeks -------------------------------------------------------------------------------
    def dispatch_week_frame(self) -> pd.DataFrame:
        """How the load is met in a winter and a summer week, one row per season, hour and series:
        ``season, panel, hour, key, label, order, mw`` (what meets the load above zero, where the surplus
        goes below zero), plus the load (``key`` ``load``) and the battery's state of charge (``soc``, in
        MWh). Series that are zero in both weeks are left out."""
        rows = self._rows("dispatch_week")
        if not rows:
            return pd.DataFrame(columns=["season", "panel", "hour", "key", "label", "order", "mw"])
        df = pd.DataFrame(rows)
        scale = max(float(df["load_mw"].abs().max()), 1.0)
        out = []
        for order, (col, sign, label_key) in enumerate(WEEK_SERIES):
            if float(df[col].abs().max()) <= 1e-9 * scale:
                continue
            out.append(df.assign(key=col.removesuffix("_mw"), label=t(label_key, self.lang), order=order,
                                 mw=sign * df[col], panel="balance"))
        out.append(df.assign(key="load", label=t("source.load", self.lang), order=len(WEEK_SERIES),
                             mw=df["load_mw"], panel="balance"))
        if float(df["soc_mwh"].max()) > 1e-9 * scale:
            out.append(df.assign(key="soc", label=t("source.soc", self.lang), order=len(WEEK_SERIES) + 1,
                                 mw=df["soc_mwh"], panel="soc"))
        frame = pd.concat(out, ignore_index=True)
        frame["season"] = [t(f"season.{s}", self.lang) for s in frame["season"]]
        return frame[["season", "panel", "hour", "key", "label", "order", "mw"]]

    # -- the year -------------------------------------------------------------------------------------
    def cfe_heatmap_frame(self) -> pd.DataFrame:
        """Carbon-free share by week of the year and hour of the day (results table ``cfe_heatmap``):
        ``week, hour, cfe`` (grid imports at the grid's clean share) and ``own`` (own supply only)."""
        rows = self._rows("cfe_heatmap")
        return pd.DataFrame([{"week": r["week"], "hour": r["hour"], "cfe": r["cfe_share"], "own": r["own_supply_share"]}
                             for r in rows], columns=["week", "hour", "cfe", "own"])

    # -- cost against the target, with the literature -------------------------------------------------
    def cfe_curve_frame(self) -> pd.DataFrame:
        """The model's points: ``target`` [%], ``cost``, ``annual_matching``, ``premium`` [USD/MWh] of each
        reachable, priced target (no row where the grid has no sourced price)."""
        rows = [r for r in self._rows("cfe_curve") if r["feasible"] and r.get("grid_priced", True)]
        return pd.DataFrame([{"target": r["target_cfe"] * 100, "cost": r["cost_usd_per_mwh"],
                              "annual_matching": r["annual_matching_usd_per_mwh"],
                              "premium": r["premium_usd_per_mwh"], "policy": r["policy"],
                              "solar_mw": r["solar_mw"], "wind_mw": r["wind_mw"], "battery_mwh": r["battery_mwh"],
                              "inputs": "model:supply-sizing"} for r in rows],
                            columns=["target", "cost", "annual_matching", "premium", "policy", "solar_mw", "wind_mw",
                                     "battery_mwh", "inputs"])

    def literature_rows(self) -> list[dict]:
        """The published premiums that apply to the scenario's region beside the model's (results table
        ``literature_cfe``: ``model_low``, ``model_high`` and ``inside``, computed with the results)."""
        return self._rows("literature_cfe")

    def literature_frame(self) -> pd.DataFrame:
        """The published ranges for the chart: ``label`` (study, its region and scenario), ``target`` [%] (None:
        the study states no CFE level; drawn as a band), ``low``, ``high`` [USD/MWh], ``x`` (the target with a
        small offset per study and scenario, so ranges at one target stand side by side)."""
        rows = self.literature_rows()
        labels = list(dict.fromkeys(self._lit_label(r) for r in rows))
        offsets = {lab: (i - (len(labels) - 1) / 2) * 0.35 for i, lab in enumerate(labels)}
        return pd.DataFrame([{"label": self._lit_label(r), "target": None if r["cfe_target"] is None
                              else r["cfe_target"] * 100,
                              "x": None if r["cfe_target"] is None else r["cfe_target"] * 100 + offsets[self._lit_label(r)],
                              "low": r["premium_usd_per_mwh_low"], "high": r["premium_usd_per_mwh_high"],
                              "inputs": ""} for r in rows],
                            columns=["label", "target", "x", "low", "high", "inputs"])

    def _study(self, row: dict) -> str:
        """A study with the region its numbers are for, e.g. ``Riepin & Brown 2024 (Germany)``."""
        region = t(f"region.{row['region']}", self.lang)
        return f"{row['study']} ({region})"

    def _scenario(self, row: dict) -> str:
        """A study's scenario in the chapter's language."""
        text = row["scenario"].strip()
        return text if self.lang == "en" else t(reason_key(text, "scenario"), self.lang)

    def _lit_label(self, row: dict) -> str:
        return f"{self._study(row)}: {self._scenario(row)}"

    def cfe_curve_note(self) -> str:
        """The cost curve's note: the weather station and, where the chart draws published ranges, their
        studies with the ids of their sources (``sources.yaml``)."""
        studies = list(dict.fromkeys(f"{self._study(r)}, {r['source_id']}" for r in self.literature_rows()))
        lit = t("supply.lit.caption", self.lang).format(studies="; ".join(studies)) if studies else ""
        return self.weather_line() + (" " + lit if lit else "")

    def literature_table(self) -> pd.DataFrame:
        """Each published range beside the model's premium at its target and, where the model lies outside
        it, the reason (numbered; the reasons follow the table, :meth:`literature_reasons`)."""
        reasons = self._reasons()
        unit = formatting.unit_label("usd_per_mwh", self.lang)
        out = []
        for i, r in enumerate(self.literature_rows()):
            key = pointer("tables", "literature_cfe", i)
            target = (t("supply.lit.no_level", self.lang) if r["cfe_target"] is None
                      else printed.value(r["cfe_target"], "fraction", self.lang, f"{key}/cfe_target"))
            if r["model_low"] is None:
                model = "–"
            elif abs(r["model_high"] - r["model_low"]) < 0.05:
                model = printed.number(r["model_low"], self.lang, f"{key}/model_low", 1)
            else:
                model = (printed.number(r["model_low"], self.lang, f"{key}/model_low", 1) + " – "
                         + printed.number(r["model_high"], self.lang, f"{key}/model_high", 1))
            if r["inside"] is None:
                why = t("supply.lit.no_model", self.lang)
            elif r["inside"]:
                why = t("supply.lit.inside", self.lang)
            else:
                text = r["reason"].strip()
                # a note's number: a reference to the list below the table, not a figure
                why = (Printed(f"({reasons.index(text) + 1})", f'<span class="sr-ref">({reasons.index(text) + 1})</span>')
                       if text else t("supply.lit.no_reason", self.lang))
            out.append({t("col.study", self.lang): self._study(r),
                        t("col.scenario", self.lang): self._scenario(r), t("col.target", self.lang): target,
                        f"{t('col.published', self.lang)} [{unit}]":
                            printed.number(r["premium_usd_per_mwh_low"], self.lang, f"{key}/premium_usd_per_mwh_low", 1)
                            + " – " + printed.number(r["premium_usd_per_mwh_high"], self.lang,
                                                     f"{key}/premium_usd_per_mwh_high", 1),
                        f"{t('col.this_model', self.lang)} [{unit}]": model, t("col.why", self.lang): why})
        return pd.DataFrame(out)

    def _reasons(self) -> list[str]:
        """The distinct reasons of the rows the model lies outside of, in order of first use (English)."""
        return list(dict.fromkeys(r["reason"].strip() for r in self.literature_rows()
                                  if r["inside"] is False and r["reason"].strip()))

    def literature_reasons(self) -> None:
        """The numbered reasons why the model differs from the published ranges, in the chapter's language."""
        items = self._reasons()
        if not items:
            return
        rows = self.literature_rows()
        first = {text: next(i for i, r in enumerate(rows) if r["reason"].strip() == text) for text in items}
        texts = [printed.text(text if self.lang == "en" else t(reason_key(text), self.lang),
                              pointer("tables", "literature_cfe", first[text], "reason")) for text in items]
        lis = "".join(f"<li>{x.html}</li>" for x in texts)
        display_html(f'<ol class="sr-notes">{lis}</ol>')
        self._after_heading = False

    def cfe_curve_table(self) -> pd.DataFrame:
        """The least-cost mix at each target of the curve (results table ``cfe_curve``), every number tagged."""
        out = []
        na = t("value.no_grid_price", self.lang)
        for i, r in enumerate(self._rows("cfe_curve")):
            key = pointer("tables", "cfe_curve", i)
            priced = r.get("grid_priced", True)

            def v(col: str, unit: str, r=r, key=key) -> Printed:
                return printed.value(r[col], unit, self.lang, f"{key}/{col}")

            out.append({t("col.target", self.lang): v("target_cfe", "fraction"),
                        t("col.solar", self.lang): v("solar_mw", "MW"), t("col.wind", self.lang): v("wind_mw", "MW"),
                        t("col.battery", self.lang): v("battery_mwh", "MWh"), t("col.capex", self.lang): v("capex_usd", "usd"),
                        t("col.cost", self.lang): (v("cost_usd_per_mwh", "usd_per_mwh") if priced else na)
                        if r["feasible"] else t("supply.unreachable", self.lang),
                        # annual matching is the reference: no premium over itself
                        t("col.premium", self.lang): (v("premium_usd_per_mwh", "usd_per_mwh") if priced else na)
                        if r["feasible"] and r["policy"] == "hourly" else "–"})
        return pd.DataFrame(out)

    # -- regions --------------------------------------------------------------------------------------
    def supply_regions_frame(self) -> pd.DataFrame:
        """Cost per MWh of the same target in each region (only reachable targets and priced grids)."""
        rows = [r for r in self._rows("supply_regions") if r["feasible"] and r.get("grid_priced", True)]
        return pd.DataFrame([{"region": r["region"], "label": t(f"region.{r['region']}", self.lang),
                              "cost": r["cost_usd_per_mwh"],
                              "inputs": ";".join(["model:supply-sizing", *filter(None, r.get("grid_inputs", "").split(";"))])}
                             for r in rows],
                            columns=["region", "label", "cost", "inputs"])

    def supply_regions_table(self) -> pd.DataFrame:
        out = []
        for i, r in enumerate(self._rows("supply_regions")):
            key = pointer("tables", "supply_regions", i)

            def v(col: str, unit: str, r=r, key=key) -> Printed:
                return printed.value(r[col], unit, self.lang, f"{key}/{col}")

            if not r["feasible"]:
                cost = t("supply.unreachable", self.lang)
            elif not r.get("grid_priced", True):
                cost = t("value.no_grid_price", self.lang)
            else:
                cost = v("cost_usd_per_mwh", "usd_per_mwh")
            out.append({t("col.region", self.lang): t(f"region.{r['region']}", self.lang),
                        t("col.solar", self.lang): v("solar_mw", "MW"), t("col.wind", self.lang): v("wind_mw", "MW"),
                        t("col.battery", self.lang): v("battery_mwh", "MWh"),
                        t("col.cfe", self.lang): v("hourly_cfe_share", "fraction"), t("col.cost", self.lang): cost})
        return pd.DataFrame(out)
