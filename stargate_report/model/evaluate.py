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

from stargate_report.catalog.assumptions import Assumption, Registry, load_registry, sample
from stargate_report.catalog.knowledge import get_fact
from stargate_report.model import formulas, quantities, reported
from stargate_report.model.ledger import Input, Results
from stargate_report.model.scenario import Scenario, resolve

if TYPE_CHECKING:
    import pandas as pd

#: role -> (quantity in assumptions.csv, scope source): "region", "chip", a literal scope, or "default".
ROLES: dict[str, tuple[str, str]] = {
    "server_power_w_per_accelerator": ("server_power_w_per_accelerator", "chip"),
    "it_overhead_ratio": ("it_overhead_ratio", "default"),
    "design_pue": ("design_pue", "default"),
    "peak_flop_per_s": ("accelerator_peak_flop_per_s", "chip"),
    "it_capex_usd_per_accelerator": ("it_capex_usd_per_accelerator", "chip"),
    "cluster_capex_overhead_ratio": ("cluster_capex_overhead_ratio", "default"),
    "mfu": ("model_flops_utilization", "default"),
    "training_run_flop": ("training_run_flop", "run"),
    "load_factor": ("load_factor", "default"),
    "pue": ("pue", "default"),
    "grid_intensity_g_per_kwh": ("grid_intensity_g_per_kwh", "region"),
    "wue_l_per_kwh": ("wue_onsite_l_per_kwh", "cooling"),
    "ewif_l_per_kwh": ("water_intensity_grid_l_per_kwh", "region"),
    "solar_cf": ("solar_capacity_factor", "region"),
    "wind_cf": ("wind_capacity_factor", "region"),
    "dc_capex_usd_per_mw": ("dc_capex_usd_per_mw", "default"),
    "dc_soft_cost_ratio": ("dc_soft_cost_ratio", "default"),
    "solar_capex_usd_per_w": ("solar_capex_usd_per_w", "default"),
    "wind_capex_usd_per_kw": ("wind_capex_usd_per_kw", "default"),
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
PARAM_ROLES = {"pue": "pue", "design_pue": "design_pue", "load_factor": "load_factor"}


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
    scopes = {"chip": scenario.accelerator, "region": scenario.region, "run": scenario.training_run,
              "cooling": "closed-loop" if scenario.cooling == "closed-loop" else scenario.region}
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
        plan.fixed["accelerators" if sizing == "accelerator_count" else sizing] = Input(f"param:{sizing}", "parameter", v, v, v,
                                   "count" if sizing == "accelerator_count" else "MW", "parameter", ())
    if scenario.investment_usd is not None:
        v = float(scenario.investment_usd)
        plan.fixed["investment"] = Input("param:investment_usd", "parameter", v, v, v, "usd", "parameter", ())
    elif scenario.investment_fact:
        f = get_fact(scenario.investment_fact)
        plan.fixed["investment"] = Input(f"fact:{f.id}", "fact", f.value, f.value, f.value, "usd", f.status,
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
    """Push the role arrays through the model's formulas (:mod:`stargate_report.model.quantities`) into a ledger."""
    s = plan.scenario
    res = Results(scenario=s.to_dict())
    _register_inputs(res, plan)
    values = dict(v)
    sizing = "facility_capacity_mw" if s.sizing() == "capacity_fact" else s.sizing()
    groups = [quantities.POWER_CHAIN, quantities.SIZING[sizing], quantities.ENERGY, quantities.COMPUTE, quantities.COST,
              quantities.FOOTPRINT]
    if plan.has("investment"):  # (a scenario may have none: investment_fact none and no investment_usd)
        groups.insert(-1, quantities.INVESTMENT)
    if plan.has("solar_cf"):
        groups.append(quantities.ANNUAL_SOLAR)
    if plan.has("wind_cf"):
        groups.append(quantities.ANNUAL_WIND)
    for group in groups:
        formulas.run(group, values, res.roles, res)
    for role in plan.missing:
        res.notes.append(f"no published {ROLES[role][0]} for region {s.region}: quantities that need it are left out")
    if plan.supply:
        _supply_block(res, plan, values)
    res.tables["model_vs_reported"] = reported.comparisons(res, s)
    return res


def _supply_block(res: Results, plan: Plan, values: dict[str, np.ndarray]) -> None:
    """Least-cost hourly supply for the scenario's CFE target, entered into the ledger.

    The mix is sized once, at the median load and the base costs, as multiples of the load; the ledger
    then carries it through every Monte Carlo sample (:data:`~stargate_report.model.quantities.SUPPLY`), so
    the ranges show load, cost and finance uncertainty for that mix. The CFE share itself is a single
    modelled value.
    """
    from stargate_report.supply import dispatch, sizing  # the hourly simulation: only when the supply is asked for
    from stargate_report.supply.profiles import region_profiles

    s = plan.scenario
    prof = region_profiles(s.region)
    load_mw = float(np.median(res["facility_power_avg_mw"].samples))
    rte = float(np.median(values["battery_rte"]))
    mix = sizing.size_mixes(s.region, load_mw, [s.target_cfe], allow_wind=s.allow_wind,
                            allow_battery=s.allow_battery)[0]
    sim = dispatch.simulate(load_mw, mix.solar_mw, mix.wind_mw, mix.battery_mw, mix.battery_mwh,
                            solar_profile=prof.solar, wind_profile=prof.wind, round_trip_efficiency=rte,
                            keep_hourly=True)
    for name, series in vars(sim.hourly).items():  # the chapters chart these hours without re-simulating
        res.series[f"dispatch.{name}"] = series
    load_mwh = float(sim.load_mwh[0])
    sized = {"solar_mw_per_mw_load": mix.solar_mw / load_mw, "wind_mw_per_mw_load": mix.wind_mw / load_mw,
             "battery_mw_per_mw_load": mix.battery_mw / load_mw, "battery_mwh_per_mw_load": mix.battery_mwh / load_mw,
             "sized_hourly_cfe_share": mix.hourly_cfe_share, "sized_annual_match_share": mix.annual_match_share,
             "curtailed_share_of_load": float(sim.curtailed_mwh[0]) / load_mwh,
             "renewable_share_of_load": float(sim.solar_mwh[0] + sim.wind_mwh[0]) / load_mwh,
             "grid_peak_per_mw_load": float(sim.grid_peak_mw[0]) / load_mw}
    sources = ["pvlib-tmy"]
    for aid in (prof.solar_assumption, prof.wind_assumption):
        if aid:
            sources += [src for src in load_registry()[aid].source_ids if src not in sources]
    note = (f"least-cost mix for hourly CFE >= {s.target_cfe:g} in {s.region} (wind {'allowed' if s.allow_wind else 'not allowed'}, "
            f"batteries {'allowed' if s.allow_battery else 'not allowed'}): solar {sized['solar_mw_per_mw_load']:.4g}, "
            f"wind {sized['wind_mw_per_mw_load']:.4g}, battery {sized['battery_mw_per_mw_load']:.4g} MW and "
            f"{sized['battery_mwh_per_mw_load']:.4g} MWh per MW of average load; hourly CFE {mix.hourly_cfe_share:.4f}; "
            f"profiles: pvlib clear-sky shape with TMY weather ({prof.cloud_donor}, {prof.wind_donor}) calibrated "
            "to the cited capacity factors")
    model_id = "model:supply-sizing"
    res.inputs[model_id] = Input(model_id, "model", mix.hourly_cfe_share, mix.hourly_cfe_share,
                                 mix.hourly_cfe_share, "fraction", "derived", tuple(sources), note)
    res.inputs["param:target_cfe"] = Input("param:target_cfe", "parameter", s.target_cfe, s.target_cfe,
                                           s.target_cfe, "fraction", "parameter", ())
    res.roles["supply_sizing"] = model_id
    res.tables["supply_mix"] = [{**mix.to_dict(), "region": s.region, "round_trip_efficiency": rte}]
    n = res["facility_power_avg_mw"].samples.size
    values.update({k: np.full(n, x) for k, x in sized.items()})
    input_ids = {**res.roles, **dict.fromkeys(sized, model_id)}
    supply = [f for f in quantities.SUPPLY if "investment_usd" not in f.names or plan.has("investment")]
    formulas.run(supply, values, input_ids, res)


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
