"""Evaluate a scenario into a ledger of named quantities with P10/P50/P90.

``evaluate`` resolves which assumptions a scenario uses (a :class:`Plan`), draws one
vectorized Monte Carlo sample of all of them, and pushes the arrays through the pure
calculation functions once: no Python loop over samples. The same code path serves the
one-at-a-time sensitivity (rows at low/high) and the global indices (Saltelli samples).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from stargate_report.catalog.assumptions import Assumption, Registry, load_registry, sample
from stargate_report.catalog.knowledge import get_fact
from stargate_report.catalog.knowledge_queries import verdict_tally
from stargate_report.model import formulas, quantities, reported
from stargate_report.model.ledger import Input, Results
from stargate_report.model.record import add_knowledge_tables
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
    "load_factor": ("load_factor", "workload"),
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
    "wind_land_direct_ha_per_mw": ("wind_land_direct_ha_per_mw", "default"),
    "campus_land_acres_per_mw": ("campus_land_acres_per_mw", "default"),
    "battery_power_capex_usd_per_kw": ("battery_power_capex_usd_per_kw", "default"),
    "battery_energy_capex_usd_per_kwh": ("battery_energy_capex_usd_per_kwh", "default"),
    "battery_fom_usd_per_kw_year": ("battery_fom_usd_per_kw_year", "default"),
    "life_battery_years": ("lifetime_years", "battery"),
    "battery_rte": ("battery_round_trip_efficiency", "default"),
    "life_it_years": ("lifetime_years", "it"),
    "grid_clean_share": ("grid_cfe_share", "region"),
    "grid_price_usd_per_mwh": ("grid_price_usd_per_mwh", "region"),
    "surplus_value_usd_per_mwh": ("surplus_value_usd_per_mwh", "default"),
    "firm_clean_capex_usd_per_kw": ("firm_clean_capex_usd_per_kw", "default"),
    "firm_clean_fom_usd_per_kw_year": ("firm_clean_fom_usd_per_kw_year", "default"),
    "life_firm_years": ("lifetime_years", "firm"),
    "ldes_energy_capex_usd_per_kwh": ("ldes_energy_capex_usd_per_kwh", "default"),
    "ldes_fom_share_of_capex": ("ldes_fom_share_of_capex", "default"),
    "life_ldes_years": ("lifetime_years", "ldes"),
    "lcoe_benchmark_solar": ("lcoe_benchmark_usd_per_mwh", "solar"),
    "lcoe_benchmark_wind": ("lcoe_benchmark_usd_per_mwh", "wind"),
    "lcoe_benchmark_solar_storage": ("lcoe_benchmark_usd_per_mwh", "solar-storage"),
    "lcoe_benchmark_gas": ("lcoe_benchmark_usd_per_mwh", "gas-cc"),
}
#: Roles a region may lack (no published value found): their quantities are left out, with a note.
OPTIONAL_ROLES = frozenset({"solar_cf", "wind_cf", "grid_price_usd_per_mwh"})
#: Quantities that exist only where their inputs are published (e.g. no solar capacity factor, no solar LCOE).
#: Quantities priced at the grid's price: left out where the region has no sourced grid price.
GRID_PRICED_QUANTITIES = frozenset({"supply_cost_usd_per_mwh", "annual_matching_usd_per_mwh", "premium_usd_per_mwh"})
OPTIONAL_QUANTITIES = frozenset({
    "solar_mw_annual_match", "solar_capex_annual_match_usd", "solar_land_km2", "solar_lcoe_usd_per_mwh",
    "wind_mw_annual_match", "wind_land_km2", "wind_lcoe_usd_per_mwh"}) | GRID_PRICED_QUANTITIES
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
              "cooling": "closed-loop" if scenario.cooling == "closed-loop" else scenario.region,
              "workload": "inference" if scenario.workload == "inference" else "default"}
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
    for role, iid in res.roles.items():  # what the draws of each uncertain input were (prose prints their median)
        inp = res.inputs[iid]
        if role in v and np.size(v[role]) > 1 and inp.low != inp.high:
            res.inputs[iid] = dataclasses.replace(
                inp, sampled=tuple(float(x) for x in np.percentile(v[role], [10, 50, 90])))
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
        _note(res, "missing_input", input=ROLES[role][0], region=s.region)
    if plan.supply:
        _supply_block(res, plan, values)
    res.tables["model_vs_reported"] = reported.comparisons(res, s)
    # the article's claims as the knowledge base judges them: counted once here, read by the prose (deal chapter)
    res.tables["claim_verdicts"] = verdict_tally()
    return res


def _note(res: Results, key: str, **fields: str) -> None:
    """A note of the ledger as data too (results table ``notes``: its kind and what it names), so a briefing
    states it in its own language (catalogue ``ledger_note.<key>``); ``res.notes`` keeps the English line."""
    res.tables.setdefault("notes", []).append({"key": key, **fields})


def _profile_method() -> dict:
    """How the shipped profiles were made, as the supply chapter states it (``profiles.yaml``, ``method``): the
    PV plants' DC/AC ratio, the turbine, its hub height, the height the wind was measured at, and the day and
    night shear exponents."""
    from stargate_report.supply.profiles import metadata  # the supply layer only when the supply is sized

    m = metadata()["method"]
    return {"dc_ac_ratio": m["solar"]["dc_ac_ratio"], "turbine": m["wind"]["turbine"],
            "hub_height_m": m["wind"]["hub_height_m"], "measurement_height_m": m["wind"]["measurement_height_m"],
            "shear_alpha_day": m["wind"]["alpha_day"], "shear_alpha_night": m["wind"]["alpha_night"]}


def _supply_options(s: Scenario):
    # the supply layer (the LP, the profiles) and pandas only when the supply or a comparison is asked for
    from stargate_report.supply.sizing import SupplyOptions

    return SupplyOptions(allow_wind=s.allow_wind, allow_battery=s.allow_battery, allow_firm_clean=s.allow_firm_clean,
                         allow_long_duration=s.allow_long_duration, flexible_load_share=s.flexible_load_share,
                         pv_mount=s.pv_mount, site=s.site)


def _supply_block(res: Results, plan: Plan, values: dict[str, np.ndarray]) -> None:
    """Least-cost hourly supply for the scenario's CFE target (the LP of :mod:`stargate_report.supply.lp`),
    entered into the ledger.

    The mix is sized once, at the base costs and grid terms, per MW of load (the LP is linear in a flat
    load); the ledger then carries it, its grid imports and exports and the 100 % annual-matching portfolio
    through every Monte Carlo sample (:data:`~stargate_report.model.quantities.SUPPLY`), so the ranges show
    load, cost, finance and grid uncertainty for that mix. The hourly dispatch is kept for the chapters.
    """
    from stargate_report.supply import dispatch, sizing, summaries  # the LP: only when the supply is asked for

    # the supply layer (the LP, the profiles) and pandas only when the supply or a comparison is asked for
    from stargate_report.supply.costs import GridTerms, SupplyCosts

    # the supply layer (the LP, the profiles) and pandas only when the supply or a comparison is asked for
    from stargate_report.supply.profiles import region_profiles

    s = plan.scenario
    options = _supply_options(s)
    prof = region_profiles(s.region, s.site, s.pv_mount)
    load_mw = float(np.median(res["facility_power_avg_mw"].samples))
    costs, grid = SupplyCosts.from_registry(), GridTerms.from_registry(s.region)
    rte = costs.round_trip_efficiency
    plain = not (options.allow_firm_clean or options.allow_long_duration or options.flexible_load_share)
    mix = sizing.size_mixes(s.region, load_mw, [s.target_cfe], options=options, costs=costs, grid=grid,
                            hourly=not plain)[0]
    am = sizing.annual_matching_mix(s.region, 1.0, options, costs, grid)
    if plain:  # solar, wind, batteries: the greedy dispatch of the LP's mix imports what the LP imports
        hourly = dispatch.simulate(load_mw, mix.solar_mw, mix.wind_mw, mix.battery_mw, mix.battery_mwh,
                                   solar_profile=prof.solar, wind_profile=prof.wind, round_trip_efficiency=rte,
                                   keep_hourly=True, grid_cfe_share=grid.cfe_share).hourly
    else:
        h = mix.extra
        hourly = dispatch.Dispatch(h["load"], h["solar"], h["wind"], h["charge"], h["discharge"], h["soc"], h["grid"],
                                   h["curtailed"], h["firm"], h["export"])
    for name, series in vars(hourly).items():  # the hours themselves, for whoever reads the run's results
        if series is not None:
            res.series[f"dispatch.{name}"] = np.asarray(series, float)
    # what the supply chapter charts, computed once here: a winter and a summer week, the year by week and hour
    res.tables["dispatch_week"] = summaries.dispatch_week(hourly)
    res.tables["cfe_heatmap"] = summaries.cfe_heatmap(hourly, grid.cfe_share)
    load_mwh = load_mw * dispatch.N_HOURS
    grid_mwh = float(hourly.grid.sum())
    sized = {"solar_mw_per_mw_load": mix.solar_mw / load_mw, "wind_mw_per_mw_load": mix.wind_mw / load_mw,
             "battery_mw_per_mw_load": mix.battery_mw / load_mw, "battery_mwh_per_mw_load": mix.battery_mwh / load_mw,
             "firm_mw_per_mw_load": mix.firm_mw / load_mw, "ldes_mwh_per_mw_load": mix.ldes_mwh / load_mw,
             "grid_import_share_of_load": grid_mwh / load_mwh,
             "grid_export_share_of_load": float(0.0 if hourly.export is None else hourly.export.sum()) / load_mwh,
             "sized_annual_match_share": mix.annual_match_share,
             "curtailed_share_of_load": float(hourly.curtailed.sum()) / load_mwh,
             "renewable_share_of_load": float(hourly.solar.sum() + hourly.wind.sum()
                                              + (0.0 if hourly.firm is None else hourly.firm.sum())) / load_mwh,
             "grid_peak_per_mw_load": float(hourly.grid.max()) / load_mw,
             "am_solar_mw_per_mw_load": am.solar_mw, "am_wind_mw_per_mw_load": am.wind_mw,
             "am_grid_import_share_of_load": am.grid_import_mwh / dispatch.N_HOURS,
             "am_grid_export_share_of_load": am.grid_export_mwh / dispatch.N_HOURS}
    reg = load_registry()
    weather = prof.weather
    sources = ["riepin-brown-2024-esr", "google-247-methodology"]
    dataset = weather["dataset"]
    sources += (["nsrdb-tmy3"] if "TMY3" in dataset else []) + (["ashrae-iwec"] if "IWEC" in dataset else []) + (
        ["dwd-try2010"] if "DWD" in dataset else []) + (["pvlib-tmy"] if "clear-sky" in dataset else [])
    sources += ["windpowerlib-oedb-turbines"] if prof.wind is not None else []
    for aid in (prof.solar_assumption, prof.wind_assumption):
        if aid:
            sources += [src for src in reg[aid].source_ids if src not in sources]
    note = (f"least-cost mix (linear programme, HiGHS) for hourly CFE >= {s.target_cfe:g} in {s.region} with "
            f"{options.words(prof.wind is not None)} and the grid: solar {sized['solar_mw_per_mw_load']:.4g}, "
            f"wind {sized['wind_mw_per_mw_load']:.4g}, battery {sized['battery_mw_per_mw_load']:.4g} MW and "
            f"{sized['battery_mwh_per_mw_load']:.4g} MWh per MW of average load; CFE {mix.hourly_cfe_share:.4f} with "
            f"grid imports counted at the grid's carbon-free share {grid.cfe_share:g}; surplus {grid.surplus_treatment}; "
            f"{'nothing procured: the grid alone meets the target; ' if mix.solved_by == 'grid' else ''}"
            f"profiles: {weather['name']} ({dataset}{', ' + weather['flag'] if weather['flag'] else ''}), "
            f"{s.pv_mount} PV")
    model_id = "model:supply-sizing"
    res.inputs[model_id] = Input(model_id, "model", mix.hourly_cfe_share, mix.hourly_cfe_share,
                                 mix.hourly_cfe_share, "fraction", "derived", tuple(sources), note)
    res.inputs["param:target_cfe"] = Input("param:target_cfe", "parameter", s.target_cfe, s.target_cfe,
                                           s.target_cfe, "fraction", "parameter", ())
    res.roles["supply_sizing"] = model_id
    n = res["facility_power_avg_mw"].samples.size
    priced = plan.has("grid_price_usd_per_mwh")
    if not priced:  # no sourced price: no cost per MWh is given (never one that counts the grid's energy as free)
        res.notes.append(f"no sourced grid price for {s.region}: the supply's cost per MWh of load, annual matching "
                         "and the premium are not given (the mix is sized as if grid energy cost nothing)")
        _note(res, "no_grid_price", region=s.region)
    res.tables["supply_mix"] = [{**mix.to_dict(), "region": s.region, "site": s.site, "pv_mount": s.pv_mount,
                                 "round_trip_efficiency": rte, "has_wind_profile": prof.wind is not None,
                                 "wind_zero_reason": _wind_zero_reason(mix, s.allow_wind, prof.wind is not None)}]
    res.tables["supply_weather"] = [{"region": s.region, "site": s.site, "station_id": weather["station_id"],
                                     "name": weather["name"], "dataset": dataset, "source": weather["source"],
                                     "licence": weather["licence"], "attribution": weather["attribution"],
                                     "flag": weather["flag"], "calibration_solar": weather["calibration"].get("solar", ""),
                                     "calibration_wind": weather["calibration"].get("wind", ""),
                                     "solar_cf": prof.capacity_factor("solar"), "wind_cf": prof.capacity_factor("wind"),
                                     "pv_mount": s.pv_mount, "profile": weather["profile"], **_profile_method()}]
    values.update({k: np.full(n, x) for k, x in sized.items()})
    input_ids = {**res.roles, **dict.fromkeys(sized, model_id)}
    supply = [f for f in quantities.SUPPLY if ("investment_usd" not in f.names or plan.has("investment"))
              and (priced or f.id not in GRID_PRICED_QUANTITIES)]
    formulas.run(supply, values, input_ids, res)


def _wind_zero_reason(mix, allow_wind: bool, has_wind_profile: bool) -> str:
    """Why the sized mix has no wind: ``not_allowed`` (the scenario's ``allow_wind`` is false), ``no_profile``
    (the region has no wind profile), ``grid_meets_target`` (the grid's clean share alone meets the target:
    nothing is built), ``least_cost`` (the programme found a mix without wind cheaper); ``""`` where it has wind."""
    if mix.wind_mw > 1e-6 * mix.load_mw:
        return ""
    if not allow_wind:
        return "not_allowed"
    if not has_wind_profile:
        return "no_profile"
    return "grid_meets_target" if mix.solved_by == "grid" else "least_cost"


def add_supply_tables(res: Results) -> Results:
    """Add the cost-vs-CFE curve (80/90/95/98 % and 100 % annual matching) and the regional comparison of
    the supply to ``res.tables`` (the least-cost LP: from the shipped table or the cache for default inputs)."""
    # the supply layer (the LP, the profiles) and pandas only when the supply or a comparison is asked for
    from stargate_report.supply import sizing

    s = Scenario(**res.scenario)
    load_mw = float(np.median(res["facility_power_avg_mw"].samples))
    options = _supply_options(s)
    res.tables["cfe_curve"] = sizing.cost_curve(s.region, load_mw, options=options)
    # every region with all technologies it has a profile for: a comparison of places, not of the site's plan
    res.tables["literature_cfe"] = reported.literature_comparison(s.region, res.tables["cfe_curve"])
    res.tables["supply_regions"] = sizing.region_comparison(
        load_mw, s.target_cfe, options=sizing.SupplyOptions(**{**options.__dict__, "allow_wind": True}))
    return res


def evaluate_regions(scenario: Scenario, quantity: str, regions: list[str] | None = None,
                     samples: int | None = None) -> pd.DataFrame:
    """The same scenario evaluated in each region: ``region, p10, p50, p90, unit, inputs`` of one quantity.

    ``inputs`` lists (``;``-separated) the assumption, fact and parameter ids the region's value rests on.
    """
    # the supply layer (the LP, the profiles) and pandas only when the supply or a comparison is asked for
    import pandas as pd

    # the supply layer (the LP, the profiles) and pandas only when the supply or a comparison is asked for
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
        # the supply layer (the LP, the profiles) and pandas only when the supply or a comparison is asked for
        from stargate_report.exceptions import ParameterError

        raise ParameterError("samples", samples, "an integer >= 1")
    plan = make_plan(scenario, supply=supply)
    # the knowledge base's records the briefing prints, copied with the results (model/record.py)
    return add_knowledge_tables(compute_results(plan, draw(plan, n, sd)))


__all__ = ["evaluate", "evaluate_regions", "make_plan", "draw", "compute_results", "base_values", "Plan"]
