"""Evaluate a scenario into a ledger of named quantities with P10/P50/P90.

``evaluate`` resolves which assumptions a scenario uses (a :class:`Plan`), draws one
vectorized Monte Carlo sample of all of them, and pushes the arrays through the pure
calculation functions once: no Python loop over samples. The same code path serves the
one-at-a-time sensitivity (rows at low/high) and the global indices (Saltelli samples).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from stargate_report.calc import annual_matching as supply_annual
from stargate_report.calc import compute, cost, emissions, land, power, water
from stargate_report.catalog.assumptions import Assumption, Registry, load_registry, sample
from stargate_report.catalog.knowledge import get_fact
from stargate_report.constants import KWH_PER_MWH, W_PER_MW
from stargate_report.model.ledger import Input, Results
from stargate_report.model.scenario import Scenario, resolve

if TYPE_CHECKING:
    import pandas as pd

#: role -> (quantity in assumptions.csv, scope source): "region", "chip", a literal scope, or "default".
ROLES: dict[str, tuple[str, str]] = {
    "accelerator_tdp_w": ("accelerator_tdp_w", "chip"),
    "server_overhead_ratio": ("server_overhead_ratio", "chip"),
    "peak_flop_per_s": ("accelerator_peak_flop_per_s", "chip"),
    "it_capex_usd_per_accelerator": ("it_capex_usd_per_accelerator", "chip"),
    "cluster_capex_overhead_ratio": ("cluster_capex_overhead_ratio", "default"),
    "mfu": ("model_flops_utilization", "default"),
    "training_run_flop": ("training_run_flop", "run"),
    "load_factor": ("load_factor", "default"),
    "pue": ("pue", "default"),
    "grid_intensity_g_per_kwh": ("grid_intensity_g_per_kwh", "region"),
    "wue_l_per_kwh": ("wue_onsite_l_per_kwh", "region"),
    "ewif_l_per_kwh": ("water_intensity_grid_l_per_kwh", "region"),
    "solar_cf": ("solar_capacity_factor", "region"),
    "wind_cf": ("wind_capacity_factor", "region"),
    "dc_capex_usd_per_mw": ("dc_capex_usd_per_mw", "default"),
    "solar_capex_usd_per_w": ("solar_capex_usd_per_w", "default"),
    "wind_capex_usd_per_kw": ("wind_capex_usd_per_kw", "default"),
    "battery_capex_usd_per_kwh": ("battery_capex_usd_per_kwh", "default"),
    "solar_fom_usd_per_kw_year": ("solar_fom_usd_per_kw_year", "default"),
    "wind_fom_usd_per_kw_year": ("wind_fom_usd_per_kw_year", "default"),
    "discount_rate": ("discount_rate", "default"),
    "life_solar_years": ("lifetime_years", "solar"),
    "life_wind_years": ("lifetime_years", "wind"),
    "solar_land_acres_per_mw": ("solar_land_acres_per_mw", "default"),
    "wind_land_ha_per_mw": ("wind_land_ha_per_mw", "default"),
    "campus_land_acres_per_mw": ("campus_land_acres_per_mw", "default"),
    "battery_power_capex_usd_per_kw": ("battery_power_capex_usd_per_kw", "default"),
    "battery_energy_capex_usd_per_kwh": ("battery_energy_capex_usd_per_kwh", "default"),
    "battery_fom_usd_per_kw_year": ("battery_fom_usd_per_kw_year", "default"),
    "life_battery_years": ("lifetime_years", "battery"),
    "battery_rte": ("battery_round_trip_efficiency", "default"),
    "life_it_years": ("lifetime_years", "it"),
    "lcoe_benchmark_solar": ("lcoe_benchmark_usd_per_mwh", "solar"),
    "lcoe_benchmark_wind": ("lcoe_benchmark_usd_per_mwh", "wind"),
    "lcoe_benchmark_solar_storage": ("lcoe_benchmark_usd_per_mwh", "solar-storage"),
    "lcoe_benchmark_gas": ("lcoe_benchmark_usd_per_mwh", "gas-cc"),
}
#: Roles a region may lack (no published value found): their quantities are left out, with a note.
OPTIONAL_ROLES = frozenset({"solar_cf", "wind_cf"})
#: Quantities that exist only where their inputs are published (e.g. no solar capacity factor, no solar LCOE).
OPTIONAL_QUANTITIES = frozenset({
    "solar_mw_annual_match", "solar_capex_annual_match_usd", "solar_land_km2", "solar_lcoe_usd_per_mwh",
    "wind_mw_annual_match", "wind_land_km2", "wind_lcoe_usd_per_mwh"})
#: Scenario fields that, when set, replace the assumption of the same role.
PARAM_ROLES = {"pue": "pue", "load_factor": "load_factor"}


@dataclass
class Plan:
    """Which assumption row, fact or parameter feeds each role of the model for one scenario."""

    scenario: Scenario
    supply: bool = False  # size and simulate the hourly supply (seconds, not milliseconds)
    rows: dict[str, Assumption] = field(default_factory=dict)  # role -> assumption row
    fixed: dict[str, Input] = field(default_factory=dict)  # role -> fact/parameter input
    missing: list[str] = field(default_factory=list)

    def input_id(self, role: str) -> str:
        return self.rows[role].id if role in self.rows else self.fixed[role].id

    def has(self, role: str) -> bool:
        return role in self.rows or role in self.fixed

    def uncertain_roles(self) -> list[str]:
        return [r for r, a in self.rows.items() if a.uncertain]


def make_plan(scenario: Scenario, registry: Registry | None = None, supply: bool = False) -> Plan:
    reg = registry or load_registry()
    plan = Plan(scenario, supply=supply)
    scopes = {"chip": scenario.accelerator, "region": scenario.region, "run": scenario.training_run}
    for role, (quantity, scope_kind) in ROLES.items():
        if role in PARAM_ROLES.values() and getattr(scenario, role) is not None:
            v = float(getattr(scenario, role))
            unit = reg.get(quantity).unit
            plan.fixed[role] = Input(f"param:{role}", "parameter", v, v, v, unit, "parameter", (),
                                     "set in the scenario")
            continue
        scope = scopes.get(scope_kind, scope_kind)
        row = reg.find(quantity, scope)
        if row is None:
            if role in OPTIONAL_ROLES:
                plan.missing.append(role)
                continue
            reg.get(quantity, scope)  # raises UnknownNameError naming the known scopes
        plan.rows[role] = row
    # facts and parameters that size the campus and the investment
    sizing = scenario.sizing()
    if sizing == "capacity_fact":
        f = get_fact(scenario.capacity_fact)
        plan.fixed["facility_capacity_mw"] = Input(f"fact:{f.id}", "fact", f.value, f.value, f.value, "MW",
                                                   f.status, f.sources, f.statement_en)
    else:
        v = float(getattr(scenario, sizing))
        plan.fixed[sizing] = Input(f"param:{sizing}", "parameter", v, v, v,
                                   "count" if sizing == "accelerator_count" else "MW", "parameter", ())
    if scenario.investment_usd is not None:
        v = float(scenario.investment_usd)
        plan.fixed["investment_usd"] = Input("param:investment_usd", "parameter", v, v, v, "usd", "parameter", ())
    elif scenario.investment_fact:
        f = get_fact(scenario.investment_fact)
        plan.fixed["investment_usd"] = Input(f"fact:{f.id}", "fact", f.value, f.value, f.value, "usd", f.status,
                                             f.sources, f.statement_en)
    return plan


def draw(plan: Plan, n: int, seed: int) -> dict[str, np.ndarray]:
    """One Monte Carlo sample of every role: ``{role: array (n,)}``.

    Rows are sampled in the sorted order of their ids, so adding a role to the model does
    not change the draws of the others.
    """
    rng = np.random.default_rng(seed)
    by_id = {a.id: role for role, a in plan.rows.items()}
    drawn = sample([plan.rows[by_id[i]] for i in sorted(by_id)], n, rng)
    values = {by_id[i]: v for i, v in drawn.items()}
    for role, inp in plan.fixed.items():
        values[role] = np.full(n, inp.value)
    return values


def base_values(plan: Plan, n: int = 1) -> dict[str, np.ndarray]:
    values = {role: np.full(n, a.base) for role, a in plan.rows.items()}
    values.update({role: np.full(n, inp.value) for role, inp in plan.fixed.items()})
    return values


def _register_inputs(res: Results, plan: Plan) -> None:
    for role, a in plan.rows.items():
        res.inputs[a.id] = Input(a.id, "assumption", a.base, a.low, a.high, a.unit, a.status, a.source_ids, a.notes)
        res.roles[role] = a.id
    for role, inp in plan.fixed.items():
        res.inputs[inp.id] = inp
        res.roles[role] = inp.id


def compute_results(plan: Plan, v: dict[str, np.ndarray]) -> Results:
    """Push role arrays through the calculation functions into a ledger."""
    s = plan.scenario
    res = Results(scenario=s.to_dict())
    _register_inputs(res, plan)
    i = plan.input_id
    tdp, ovh = v["accelerator_tdp_w"], v["server_overhead_ratio"]
    per_acc = (i("accelerator_tdp_w"), i("server_overhead_ratio"))

    # --- sizing: accelerators, IT power, facility power -------------------------------------
    sizing = s.sizing()
    if sizing in ("capacity_fact", "facility_capacity_mw"):
        fac = res.add("facility_power_mw", v["facility_capacity_mw"], "MW", "facility capacity (site)",
                      [i("facility_capacity_mw")])
        it = res.add("it_power_mw", fac / v["pue"], "MW", "facility_power_mw / pue", ["facility_power_mw", i("pue")])
        res.add("accelerator_count", power.accelerators_for_it_power(it, tdp, ovh), "count",
                "it_power_mw x 1e6 / (accelerator_tdp_w x server_overhead_ratio)", ["it_power_mw", *per_acc])
    elif sizing == "it_load_mw":
        it = res.add("it_power_mw", v["it_load_mw"], "MW", "IT load (scenario)", [i("it_load_mw")])
        res.add("facility_power_mw", power.facility_power_mw(it, v["pue"]), "MW", "it_power_mw x pue",
                ["it_power_mw", i("pue")])
        res.add("accelerator_count", power.accelerators_for_it_power(it, tdp, ovh), "count",
                "it_power_mw x 1e6 / (accelerator_tdp_w x server_overhead_ratio)", ["it_power_mw", *per_acc])
    else:
        res.add("accelerator_count", v["accelerator_count"], "count", "accelerators (scenario)",
                [i("accelerator_count")])
        it = res.add("it_power_mw", power.it_power_mw(v["accelerator_count"], tdp, ovh), "MW",
                     "accelerator_count x accelerator_tdp_w x server_overhead_ratio / 1e6",
                     ["accelerator_count", *per_acc])
        res.add("facility_power_mw", power.facility_power_mw(it, v["pue"]), "MW", "it_power_mw x pue",
                ["it_power_mw", i("pue")])
    count = res["accelerator_count"].samples
    fac = res["facility_power_mw"].samples
    lf = v["load_factor"]

    # --- energy ------------------------------------------------------------------------------
    res.add("it_power_avg_mw", it * lf, "MW", "it_power_mw x load_factor", ["it_power_mw", i("load_factor")])
    res.add("facility_power_avg_mw", fac * lf, "MW", "facility_power_mw x load_factor",
            ["facility_power_mw", i("load_factor")])
    it_e = res.add("it_energy_mwh", power.annual_energy_mwh(it, lf), "MWh", "it_power_mw x load_factor x 8760 h",
                   ["it_power_mw", i("load_factor")])
    energy = res.add("annual_energy_mwh", power.annual_energy_mwh(fac, lf), "MWh",
                     "facility_power_mw x load_factor x 8760 h", ["facility_power_mw", i("load_factor")])

    # --- compute -------------------------------------------------------------------------------
    flop = res.add("compute_flop_per_year", compute.flop_per_year(count, v["peak_flop_per_s"], v["mfu"]), "flop",
                   "accelerator_count x peak_flop_per_s x mfu x 8760 h x 3600 s/h",
                   ["accelerator_count", i("peak_flop_per_s"), i("mfu")])
    res.add("training_runs_per_year", compute.training_runs(flop, v["training_run_flop"]), "count",
            "compute_flop_per_year / training_run_flop", ["compute_flop_per_year", i("training_run_flop")])

    # --- cost ----------------------------------------------------------------------------------
    dc = res.add("dc_capex_usd", cost.capex_usd(it, v["dc_capex_usd_per_mw"]), "usd",
                 "it_power_mw x dc_capex_usd_per_mw", ["it_power_mw", i("dc_capex_usd_per_mw")])
    itc = res.add("it_capex_usd", count * v["it_capex_usd_per_accelerator"] * v["cluster_capex_overhead_ratio"],
                  "usd", "accelerator_count x it_capex_usd_per_accelerator x cluster_capex_overhead_ratio",
                  ["accelerator_count", i("it_capex_usd_per_accelerator"), i("cluster_capex_overhead_ratio")])
    capex = res.add("capex_usd", dc + itc, "usd", "dc_capex_usd + it_capex_usd", ["dc_capex_usd", "it_capex_usd"])
    res.add("it_share_of_capex", itc / capex, "fraction", "it_capex_usd / capex_usd", ["it_capex_usd", "capex_usd"])
    res.add("it_depreciation_usd_per_year", itc / v["life_it_years"], "usd",
            "it_capex_usd / IT lifetime (straight-line depreciation per year)", ["it_capex_usd", i("life_it_years")])

    # --- what the investment buys ----------------------------------------------------------------
    inv = res.add("investment_usd", v["investment_usd"], "usd", "investment (fact or scenario)",
                  [i("investment_usd")])
    res.add("investment_dc_mw", cost.capacity_for_budget(inv, v["dc_capex_usd_per_mw"]), "MW",
            "investment_usd / dc_capex_usd_per_mw", ["investment_usd", i("dc_capex_usd_per_mw")])
    res.add("investment_solar_mw", cost.capacity_for_budget(inv, cost.usd_per_w_to_usd_per_mw(
        v["solar_capex_usd_per_w"])), "MW", "investment_usd / (solar_capex_usd_per_w x 1e6)",
        ["investment_usd", i("solar_capex_usd_per_w")])
    res.add("investment_wind_mw", cost.capacity_for_budget(inv, cost.usd_per_kw_to_usd_per_mw(
        v["wind_capex_usd_per_kw"])), "MW", "investment_usd / (wind_capex_usd_per_kw x 1e3)",
        ["investment_usd", i("wind_capex_usd_per_kw")])
    res.add("investment_battery_mwh", cost.capacity_for_budget(inv, v["battery_capex_usd_per_kwh"] * KWH_PER_MWH),
            "MWh", "investment_usd / (battery_capex_usd_per_kwh x 1e3)",
            ["investment_usd", i("battery_capex_usd_per_kwh")])
    res.add("investment_accelerators", cost.capacity_for_budget(
        inv, v["it_capex_usd_per_accelerator"] * v["cluster_capex_overhead_ratio"]), "count",
        "investment_usd / (it_capex_usd_per_accelerator x cluster_capex_overhead_ratio)",
        ["investment_usd", i("it_capex_usd_per_accelerator"), i("cluster_capex_overhead_ratio")])
    res.add("investment_share_of_capex", inv / capex, "fraction", "investment_usd / capex_usd",
            ["investment_usd", "capex_usd"])
    res.add("investment_share_of_dc_capex", inv / dc, "fraction", "investment_usd / dc_capex_usd",
            ["investment_usd", "dc_capex_usd"])

    # --- emissions, water, land ---------------------------------------------------------------
    res.add("emissions_tco2e_per_year", emissions.emissions_tco2e(energy, v["grid_intensity_g_per_kwh"]), "tco2e",
            "annual_energy_mwh x grid_intensity_g_per_kwh / 1000 (location-based, all grid)",
            ["annual_energy_mwh", i("grid_intensity_g_per_kwh")])
    won = res.add("water_onsite_m3_per_year", water.water_onsite_m3(it_e, v["wue_l_per_kwh"]), "m3",
                  "it_energy_mwh x wue_l_per_kwh", ["it_energy_mwh", i("wue_l_per_kwh")])
    woff = res.add("water_offsite_m3_per_year", water.water_offsite_m3(energy, v["ewif_l_per_kwh"]), "m3",
                   "annual_energy_mwh x ewif_l_per_kwh", ["annual_energy_mwh", i("ewif_l_per_kwh")])
    res.add("water_m3_per_year", won + woff, "m3", "water_onsite_m3_per_year + water_offsite_m3_per_year",
            ["water_onsite_m3_per_year", "water_offsite_m3_per_year"])
    res.add("campus_land_km2", land.land_km2_from_acres(fac, v["campus_land_acres_per_mw"]), "km2",
            "facility_power_mw x campus_land_acres_per_mw x 4046.86 m2/acre",
            ["facility_power_mw", i("campus_land_acres_per_mw")])

    # --- annual matching with solar or wind (where a capacity factor is published) -------------
    if plan.has("solar_cf"):
        smw = res.add("solar_mw_annual_match", supply_annual.capacity_for_annual_energy_mw(energy, v["solar_cf"]),
                      "MW", "annual_energy_mwh / (solar_cf x 8760 h)", ["annual_energy_mwh", i("solar_cf")])
        res.add("solar_capex_annual_match_usd", smw * cost.usd_per_w_to_usd_per_mw(v["solar_capex_usd_per_w"]),
                "usd", "solar_mw_annual_match x solar_capex_usd_per_w x 1e6",
                ["solar_mw_annual_match", i("solar_capex_usd_per_w")])
        res.add("solar_land_km2", land.land_km2_from_acres(smw, v["solar_land_acres_per_mw"]), "km2",
                "solar_mw_annual_match x solar_land_acres_per_mw x 4046.86 m2/acre",
                ["solar_mw_annual_match", i("solar_land_acres_per_mw")])
        res.add("solar_lcoe_usd_per_mwh", cost.lcoe_usd_per_mwh(
            v["solar_capex_usd_per_w"] * W_PER_MW / 1e3, v["solar_fom_usd_per_kw_year"], v["solar_cf"],
            v["discount_rate"], v["life_solar_years"]), "usd_per_mwh",
            "(solar capex per kW x CRF(discount_rate, life) + FOM) / (solar_cf x 8760 h / 1000)",
            [i("solar_capex_usd_per_w"), i("solar_fom_usd_per_kw_year"), i("solar_cf"), i("discount_rate"),
             i("life_solar_years")])
    if plan.has("wind_cf"):
        wmw = res.add("wind_mw_annual_match", supply_annual.capacity_for_annual_energy_mw(energy, v["wind_cf"]),
                      "MW", "annual_energy_mwh / (wind_cf x 8760 h)", ["annual_energy_mwh", i("wind_cf")])
        res.add("wind_land_km2", land.land_km2_from_ha(wmw, v["wind_land_ha_per_mw"]), "km2",
                "wind_mw_annual_match x wind_land_ha_per_mw x 0.01 km2/ha",
                ["wind_mw_annual_match", i("wind_land_ha_per_mw")])
        res.add("wind_lcoe_usd_per_mwh", cost.lcoe_usd_per_mwh(
            v["wind_capex_usd_per_kw"], v["wind_fom_usd_per_kw_year"], v["wind_cf"], v["discount_rate"],
            v["life_wind_years"]), "usd_per_mwh",
            "(wind capex per kW x CRF(discount_rate, life) + FOM) / (wind_cf x 8760 h / 1000)",
            [i("wind_capex_usd_per_kw"), i("wind_fom_usd_per_kw_year"), i("wind_cf"), i("discount_rate"),
             i("life_wind_years")])
    for role in plan.missing:
        res.notes.append(f"no published {ROLES[role][0]} for region {s.region}: quantities that need it are left out")
    if plan.supply:
        _supply_block(res, plan, v)
    return res


def _supply_block(res: Results, plan: Plan, v: dict[str, np.ndarray]) -> None:
    """Least-cost hourly supply for the scenario's CFE target, entered into the ledger.

    The mix is sized once, at the median load and the base costs, as multiples of the load; the ledger
    then carries it through every Monte Carlo sample, so the ranges show load, cost and finance
    uncertainty for that mix. The CFE share itself scales with the mix and is a single modelled value.
    """
    from stargate_report.supply import accounting, costs, sizing
    from stargate_report.supply import dispatch as supply
    from stargate_report.supply.profiles import region_profiles

    s = plan.scenario
    i = plan.input_id
    prof = region_profiles(s.region)
    load_mw = float(np.median(res["facility_power_avg_mw"].samples))
    mix = sizing.size_mixes(s.region, load_mw, [s.target_cfe], allow_wind=s.allow_wind,
                            allow_battery=s.allow_battery)[0]
    sim = supply.simulate(load_mw, mix.solar_mw, mix.wind_mw, mix.battery_mw, mix.battery_mwh,
                          solar_profile=prof.solar, wind_profile=prof.wind,
                          round_trip_efficiency=float(np.median(v["battery_rte"])), keep_hourly=True)
    for name, values in vars(sim.hourly).items():  # the chapters chart these hours without re-simulating
        res.series[f"dispatch.{name}"] = values
    m = {k: getattr(mix, k) / load_mw for k in ("solar_mw", "wind_mw", "battery_mw", "battery_mwh")}
    load_mwh = float(sim.load_mwh[0])
    shares = {"curtailed": float(sim.curtailed_mwh[0]) / load_mwh, "grid": float(sim.grid_import_mwh[0]) / load_mwh,
              "renewable": float(sim.solar_mwh[0] + sim.wind_mwh[0]) / load_mwh,
              "peak": float(sim.grid_peak_mw[0]) / load_mw}
    sources = ["pvlib-tmy"]
    for aid in (prof.solar_assumption, prof.wind_assumption):
        if aid:
            for src in load_registry()[aid].source_ids:
                if src not in sources:
                    sources.append(src)
    note = (f"least-cost mix for hourly CFE >= {s.target_cfe:g} in {s.region} (wind {'allowed' if s.allow_wind else 'not allowed'}, "
            f"batteries {'allowed' if s.allow_battery else 'not allowed'}): solar {m['solar_mw']:.4g}, wind {m['wind_mw']:.4g}, "
            f"battery {m['battery_mw']:.4g} MW and {m['battery_mwh']:.4g} MWh per MW of average load; hourly CFE "
            f"{mix.hourly_cfe_share:.4f}; profiles: pvlib clear-sky shape with TMY weather ({prof.cloud_donor}, "
            f"{prof.wind_donor}) calibrated to the cited capacity factors")
    model_id = "model:supply-sizing"
    res.inputs[model_id] = Input(model_id, "model", mix.hourly_cfe_share, mix.hourly_cfe_share,
                                 mix.hourly_cfe_share, "fraction", "derived", tuple(sources), note)
    res.inputs["param:target_cfe"] = Input("param:target_cfe", "parameter", s.target_cfe, s.target_cfe,
                                           s.target_cfe, "fraction", "parameter", ())
    res.roles["supply_sizing"] = model_id
    res.tables["supply_mix"] = [{**mix.to_dict(), "region": s.region, "round_trip_efficiency":
                                 float(np.median(v["battery_rte"]))}]
    sized = [model_id, "param:target_cfe"]
    avg = res["facility_power_avg_mw"].samples
    energy = res["annual_energy_mwh"].samples
    cap = {}
    for key, qid, unit in (("solar_mw", "solar_mw_cfe", "MW"), ("wind_mw", "wind_mw_cfe", "MW"),
                           ("battery_mw", "battery_mw_cfe", "MW"), ("battery_mwh", "battery_mwh_cfe", "MWh")):
        cap[key] = res.add(qid, m[key] * avg, unit, f"{key} per MW of load (least-cost sizing) x facility_power_avg_mw",
                           ["facility_power_avg_mw", *sized])
    n = avg.size
    res.add("hourly_cfe_share", np.full(n, mix.hourly_cfe_share), "fraction",
            "1 - grid import / load, hourly dispatch of the sized mix", sized)
    res.add("annual_match_share", np.full(n, mix.annual_match_share), "fraction",
            "min(renewable generation / load, 1) over the year", sized)
    res.add("curtailed_mwh", shares["curtailed"] * energy, "MWh", "curtailed share of load x annual_energy_mwh",
            ["annual_energy_mwh", *sized])
    grid = res.add("grid_import_mwh", shares["grid"] * energy, "MWh", "(1 - hourly_cfe_share) x annual_energy_mwh",
                   ["annual_energy_mwh", "hourly_cfe_share"])
    res.add("grid_peak_mw", shares["peak"] * avg, "MW", "peak grid import per MW of load x facility_power_avg_mw",
            ["facility_power_avg_mw", *sized])
    costs = costs.SupplyCosts(
        v["solar_capex_usd_per_w"] * 1e3, v["solar_fom_usd_per_kw_year"], v["wind_capex_usd_per_kw"],
        v["wind_fom_usd_per_kw_year"], v["battery_power_capex_usd_per_kw"], v["battery_energy_capex_usd_per_kwh"],
        v["battery_fom_usd_per_kw_year"], v["discount_rate"], v["life_solar_years"], v["life_wind_years"],
        v["life_battery_years"])
    cost_inputs = [i(r) for r in ("solar_capex_usd_per_w", "wind_capex_usd_per_kw", "battery_power_capex_usd_per_kw",
                                  "battery_energy_capex_usd_per_kwh")]
    res.add("supply_capex_usd", costs.capex_usd(cap["solar_mw"], cap["wind_mw"], cap["battery_mw"], cap["battery_mwh"]),
            "usd", "solar_mw_cfe x solar capex + wind_mw_cfe x wind capex + battery_mw_cfe x power capex "
            "+ battery_mwh_cfe x energy capex", ["solar_mw_cfe", "wind_mw_cfe", "battery_mw_cfe", "battery_mwh_cfe",
                                                  *cost_inputs])
    supply_capex = res["supply_capex_usd"].samples
    res.add("investment_share_of_supply_capex",
            np.divide(res["investment_usd"].samples, supply_capex, out=np.zeros_like(supply_capex),
                      where=supply_capex > 0), "fraction",
            "investment_usd / supply_capex_usd (0 where no supply is built)", ["investment_usd", "supply_capex_usd"])
    res.add("solar_land_cfe_km2", land.land_km2_from_acres(cap["solar_mw"], v["solar_land_acres_per_mw"]), "km2",
            "solar_mw_cfe x solar_land_acres_per_mw x 4046.86 m2/acre",
            ["solar_mw_cfe", i("solar_land_acres_per_mw")])
    res.add("wind_land_cfe_km2", land.land_km2_from_ha(cap["wind_mw"], v["wind_land_ha_per_mw"]), "km2",
            "wind_mw_cfe x wind_land_ha_per_mw x 0.01 km2/ha", ["wind_mw_cfe", i("wind_land_ha_per_mw")])
    annual = costs.annual_cost_usd(cap["solar_mw"], cap["wind_mw"], cap["battery_mw"], cap["battery_mwh"])
    res.add("supply_cost_usd_per_mwh", annual / energy, "usd_per_mwh",
            "(capex x CRF(discount_rate, life) + fixed O&M) of the sized mix / annual_energy_mwh; grid purchases excluded",
            ["supply_capex_usd", "annual_energy_mwh", i("discount_rate"), i("solar_fom_usd_per_kw_year"),
             i("wind_fom_usd_per_kw_year"), i("battery_fom_usd_per_kw_year"), i("life_solar_years"),
             i("life_wind_years"), i("life_battery_years")])
    acc = accounting.emissions_accounting_tco2e(energy, shares["renewable"] * energy, grid,
                                            v["grid_intensity_g_per_kwh"])
    ci = i("grid_intensity_g_per_kwh")
    res.add("emissions_location_annual_tco2e", acc["location_annual"], "tco2e",
            "annual_energy_mwh x grid intensity (location-based, annual average)", ["annual_energy_mwh", ci])
    res.add("emissions_location_hourly_tco2e", acc["location_hourly"], "tco2e",
            "sum over hours of load x hourly grid intensity; flat annual intensity here, so equal to the annual",
            ["annual_energy_mwh", ci])
    res.add("emissions_market_annual_tco2e", acc["market_annual"], "tco2e",
            "max(annual_energy_mwh - renewable generation, 0) x grid intensity (annual matching)",
            ["annual_energy_mwh", "annual_match_share", ci])
    res.add("emissions_market_hourly_tco2e", acc["market_hourly"], "tco2e",
            "grid_import_mwh x grid intensity (hourly matching, 24/7)", ["grid_import_mwh", ci])


def add_supply_tables(res: Results) -> Results:
    """Add the cost-vs-CFE curve and the regional comparison of the supply to ``res.tables`` (seconds)."""
    from stargate_report.supply import sizing

    s = Scenario(**res.scenario)
    load_mw = float(np.median(res["facility_power_avg_mw"].samples))
    res.tables["cfe_curve"] = sizing.cost_curve(s.region, load_mw, s.allow_wind, s.allow_battery)
    # every region with all technologies it has a profile for: a comparison of places, not of the site's plan
    res.tables["supply_regions"] = sizing.region_comparison(load_mw, s.target_cfe, True, s.allow_battery)
    return res


def evaluate_regions(scenario: Scenario, quantity: str, regions: list[str] | None = None,
                     samples: int | None = None) -> pd.DataFrame:
    """The same scenario evaluated in each region: ``region, p10, p50, p90, unit, inputs`` of one quantity.

    ``inputs`` lists (``;``-separated) the assumption, fact and parameter ids the region's value rests on.
    """
    import pandas as pd

    from stargate_report.model.scenario import region_ids

    rows = []
    for region in regions or list(region_ids()):
        res = evaluate(scenario.model_copy(update={"region": region}), samples=samples)
        if quantity in res:
            q = res[quantity]
            rows.append({"region": region, "p10": q.p10, "p50": q.p50, "p90": q.p90, "unit": q.unit,
                         "inputs": ";".join(res.trace(quantity))})
    return pd.DataFrame(rows)


def evaluate(scenario: Scenario | None = None, samples: int | None = None, seed: int | None = None,
             supply: bool = False) -> Results:
    """Evaluate a scenario into a :class:`~stargate_report.model.ledger.Results` ledger.

    Parameters
    ----------
    scenario : Scenario, optional
        Defaults to the default preset (Milam County).
    samples : int, optional
        Monte Carlo samples; defaults to ``scenario.samples``. 1 gives the base case.
    seed : int, optional
        Defaults to ``scenario.seed``. Same seed, same numbers.
    supply : bool
        Also size and simulate the hourly supply for ``scenario.target_cfe`` (about a second more).
    """
    scenario = scenario or resolve()
    n = int(samples if samples is not None else scenario.samples)
    sd = int(seed if seed is not None else scenario.seed)
    if n < 1:
        from stargate_report.exceptions import ParameterError

        raise ParameterError("samples", samples, "an integer >= 1")
    plan = make_plan(scenario, supply=supply)
    return compute_results(plan, draw(plan, n, sd))


__all__ = ["evaluate", "evaluate_regions", "make_plan", "draw", "compute_results", "base_values", "Plan"]
