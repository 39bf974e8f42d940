"""Least-cost sizing of a supply mix for an hourly (24/7) CFE target, the cost-versus-CFE curve and the regions.

Each mix is the optimum of the linear programme of :mod:`stargate_report.supply.lp` (linopy + HiGHS): solar,
wind and batteries (optionally clean firm supply, long-duration storage and flexible load) and the grid, for
a flat load. The LP is linear in a flat load, so it is solved for 1 MW and scaled.

**The grid as the 24/7 method counts it** (Google 2021; Riepin & Brown 2024): imports count towards the CFE
score at the region's ``grid_cfe_share`` and cost ``grid_price_usd_per_mwh``; energy beyond the load is sold
at ``surplus_value_usd_per_mwh`` (default 0: curtailed) and never counts. With no supply the CFE share is the
grid's clean share. Where the grid alone meets the target nothing is procured: the mix is sized for the
target, not to trade against the grid price.

A solve takes 5-10 s. Every solution per MW is kept (key = every input: the profiles' bytes, the costs, the
grid terms, the options, the target and the LP code):

1. in this process;
2. in the package's table ``catalog/data/sizing_table.json`` (``scripts/build_sizing_table.py``: the default
   costs and options of every region and site and CFE target), looked up by the hash of the inputs, so a
   changed cost or profile misses it and is solved afresh;
3. in the on-disk cache (:mod:`~stargate_report.supply.arraycache`).
"""
from __future__ import annotations

import functools
import hashlib
import json
import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from stargate_report.catalog import files as datafiles
from stargate_report.exceptions import ParameterError
from stargate_report.supply.costs import GridTerms, SupplyCosts
from stargate_report.supply.dispatch import N_HOURS

SIZING_TABLE = "sizing_table.json"
#: scalar results of one solution per MW of load (the table's columns)
UNIT_FIELDS = ("solar_mw", "wind_mw", "battery_mw", "battery_mwh", "firm_mw", "ldes_mw", "ldes_mwh",
               "hourly_cfe_share", "grid_import_mwh", "grid_export_mwh", "curtailed_mwh", "solar_mwh", "wind_mwh",
               "firm_mwh", "annual_cost_usd", "grid_cost_usd", "surplus_revenue_usd", "solve_time_s")


@dataclass(frozen=True)
class SupplyOptions:
    """What the buyer may use besides the grid."""

    allow_wind: bool = True
    allow_battery: bool = True
    allow_firm_clean: bool = False
    allow_long_duration: bool = False
    flexible_load_share: float = 0.0
    pv_mount: str = "tracking"
    site: str | None = None

    def __post_init__(self) -> None:
        if not (0.0 <= self.flexible_load_share <= 0.3) or math.isnan(self.flexible_load_share):
            raise ParameterError("flexible_load_share", self.flexible_load_share, "a share between 0 and 0.3")
        if self.pv_mount not in ("tracking", "fixed"):
            raise ParameterError("pv_mount", self.pv_mount, "one of tracking, fixed")

    def words(self, has_wind: bool = True) -> str:
        names = ["solar"] + (["wind"] if self.allow_wind and has_wind else []) + (
            ["batteries"] if self.allow_battery else []) + (["long-duration storage"] if self.allow_long_duration
                                                            else []) + (["clean firm supply"] if self.allow_firm_clean else [])
        if self.flexible_load_share:
            names.append(f"{self.flexible_load_share:.0%} flexible load")
        return ", ".join(names)


@dataclass(frozen=True)
class Mix:
    """A supply mix for a constant load, and what it achieves (energies per year, costs per year)."""

    target_cfe: float
    load_mw: float
    solar_mw: float
    wind_mw: float
    battery_mw: float
    battery_mwh: float
    hourly_cfe_share: float
    annual_match_share: float
    capex_usd: float
    annual_cost_usd: float  # capacity: annualised capital + fixed O&M
    cost_usd_per_mwh: float  # all-in: capacity + grid purchases - surplus revenue, per MWh of load
    feasible: bool
    firm_mw: float = 0.0
    ldes_mw: float = 0.0
    ldes_mwh: float = 0.0
    grid_import_mwh: float = 0.0
    grid_export_mwh: float = 0.0
    curtailed_mwh: float = 0.0
    grid_cost_usd: float = 0.0
    surplus_revenue_usd: float = 0.0
    grid_cfe_share: float = 0.0
    grid_price_usd_per_mwh: float = 0.0
    grid_priced: bool = True
    surplus: str = "curtailed (no value)"
    policy: str = "hourly"  # "hourly" (24/7 target) or "annual_matching"
    best_share: float = float("nan")
    solved_by: str = "lp"  # lp | table | cache | grid (the grid alone meets the target)
    solve_time_s: float = 0.0
    extra: dict = field(default_factory=dict, repr=False, compare=False)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("extra")
        return d


# -- the solution per MW of load ------------------------------------------------------------------
@functools.cache
def _lp_code_hash() -> str:
    # linopy (about 0.5 s), the cache and the profiles only when a mix is solved or looked up
    from stargate_report.supply import lp, lp_inputs, lp_model

    h = hashlib.sha256()
    for module in (lp, lp_inputs, lp_model):  # the LP's code, all of it: a change anywhere in it solves afresh
        with open(module.__file__, "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()[:16]


def _profile_hash(a) -> str | None:
    return None if a is None else hashlib.sha256(np.ascontiguousarray(a, dtype=np.float64).tobytes()).hexdigest()[:16]


def unit_key(profiles, target: float | None, options: SupplyOptions, costs: SupplyCosts, grid: GridTerms) -> dict:
    """Every input of a solution per MW of load (JSON-serialisable): the key of the table and the cache."""
    wind = profiles.wind if options.allow_wind else None
    opts = asdict(options)
    opts.pop("site")  # the profiles' bytes say which station
    opts["allow_wind"] = wind is not None
    return {"solar": _profile_hash(profiles.solar), "wind": _profile_hash(wind), "target": target,
            "options": opts, "costs": costs.key(), "grid": {"cfe_share": grid.cfe_share, "price": grid.price_usd_per_mwh,
                                                            "surplus_value": grid.surplus_value_usd_per_mwh},
            "lp": _lp_code_hash()}


def key_hash(key: dict) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode("utf-8")).hexdigest()[:32]


@functools.cache
def shipped_table() -> dict[str, dict]:
    """``{key hash: solution per MW}`` of ``catalog/data/sizing_table.json`` (empty if absent)."""
    p = datafiles.path(SIZING_TABLE)
    if not p.is_file():
        return {}
    return json.loads(p.read_text(encoding="utf-8"))["solutions"]


_MEMO: dict[str, dict] = {}


def solve_unit(profiles, target: float | None, options: SupplyOptions, costs: SupplyCosts, grid: GridTerms,
               hourly: bool = False) -> dict:
    """The least-cost solution for 1 MW of flat load (``target`` None: 100 % annual matching).

    Returns the :data:`UNIT_FIELDS` (per MW of load, energies per year), ``solved_by``, and with ``hourly``
    the hourly dispatch per MW (``hourly.<name>`` arrays). Raises
    :class:`~stargate_report.supply.lp.InfeasibleTarget` for an unreachable target (the best share is kept
    in the cache too, so it is not searched twice).
    """
    # linopy (about 0.5 s), the cache and the profiles only when a mix is solved or looked up
    from stargate_report.supply import arraycache

    key = unit_key(profiles, target, options, costs, grid)
    h = key_hash(key)
    found = _MEMO.get(h)
    if found is None and not hourly and h in shipped_table():
        found = dict(shipped_table()[h], solved_by="table")
    if found is not None and (not hourly or any(k.startswith("hourly.") for k in found)):
        return _raise_if_infeasible(found, target, options, profiles)
    by = {"solved": False}

    def derive():
        by["solved"] = True
        return {k: np.asarray(v) for k, v in _solve(profiles, target, options, costs, grid).items()}

    arrays = arraycache.cached_arrays("cfe-lp", {"hash": h, **key}, derive)
    out = {k: (float(v) if np.ndim(v) == 0 else v) for k, v in arrays.items() if v is not None}
    out["solved_by"] = "lp" if by["solved"] else "cache"
    _MEMO[h] = out
    return _raise_if_infeasible(out, target, options, profiles)


def _raise_if_infeasible(sol: dict, target, options: SupplyOptions, profiles) -> dict:
    # linopy (about 0.5 s), the cache and the profiles only when a mix is solved or looked up
    from stargate_report.supply.lp import InfeasibleTarget

    if sol.get("infeasible"):
        raise InfeasibleTarget(target, sol["best_share"], options.words(profiles.wind is not None) + " and the grid",
                               f" in {profiles.key}")
    return sol


def _solve(profiles, target: float | None, options: SupplyOptions, costs: SupplyCosts, grid: GridTerms) -> dict:
    # linopy (about 0.5 s), the cache and the profiles only when a mix is solved or looked up
    from stargate_report.supply import lp

    wind = profiles.wind if options.allow_wind else None
    common = dict(load_mw=1.0, solar_cf=profiles.solar, wind_cf=wind, costs=costs.lp_costs(),
                  grid_cfe_share=grid.cfe_share, grid_price_usd_per_mwh=grid.price_usd_per_mwh,
                  surplus_value_usd_per_mwh=grid.surplus_value_usd_per_mwh, hourly=True)
    t0 = time.perf_counter()
    if target is None:
        res = lp.annual_matching_mix(**common, allow_wind=wind is not None)
    elif grid.cfe_share >= target:  # the grid alone meets the target: nothing to procure
        return _grid_only(grid)
    else:
        try:
            res = lp.solve_mix(**common, target_cfe=target, allow_wind=wind is not None,
                               allow_battery=options.allow_battery,
                               firm_clean=costs.lp_firm() if options.allow_firm_clean else None,
                               long_duration=costs.lp_long_duration() if options.allow_long_duration else None,
                               flexible_load_share=options.flexible_load_share)
        except lp.InfeasibleTarget as exc:
            return {"infeasible": 1.0, "best_share": exc.best_share}
    c = res.capacities
    b = res.cost_breakdown_usd
    out = {"solar_mw": c["solar_mw"], "wind_mw": c["wind_mw"], "battery_mw": c["battery_mw"],
           "battery_mwh": c["battery_mwh"], "firm_mw": c["firm_mw"], "ldes_mw": c["ldes_mw"], "ldes_mwh": c["ldes_mwh"],
           "hourly_cfe_share": res.cfe_share, "grid_import_mwh": res.grid_import_mwh,
           "grid_export_mwh": res.grid_export_mwh, "curtailed_mwh": res.curtailment_mwh,
           "solar_mwh": res.generation_mwh.get("solar", 0.0), "wind_mwh": res.generation_mwh.get("wind", 0.0),
           "firm_mwh": res.generation_mwh.get("firm", 0.0),
           "annual_cost_usd": float(sum(v for k, v in b.items() if k not in ("grid_purchases", "surplus_revenue"))),
           "grid_cost_usd": b["grid_purchases"], "surplus_revenue_usd": -b["surplus_revenue"],
           "solve_time_s": time.perf_counter() - t0}
    df = res.hourly
    z = np.zeros(len(df))
    out.update({
        # solar and wind: the plants' whole output, curtailment included (as :func:`dispatch.simulate` keeps it),
        # so that every hour balances: solar + wind + firm + discharge + grid = load + charge + curtailed + export
        "hourly.load": df["served_load"].to_numpy(),
        "hourly.solar": sum(df[c].to_numpy() for c in ("solar", "solar_curtailed") if c in df) + z,
        "hourly.wind": sum(df[c].to_numpy() for c in ("wind", "wind_curtailed") if c in df) + z,
        "hourly.firm": df["firm"].to_numpy() if "firm" in df else z,
        "hourly.charge": sum(df[f"{s}_charge"].to_numpy() for s in ("battery", "ldes") if f"{s}_charge" in df) + z,
        "hourly.discharge": sum(df[f"{s}_discharge"].to_numpy() for s in ("battery", "ldes") if f"{s}_discharge" in df) + z,
        "hourly.soc": sum(df[f"{s}_soc"].to_numpy() for s in ("battery", "ldes") if f"{s}_soc" in df) + z,
        "hourly.grid": df["grid_import"].to_numpy(), "hourly.export": df["grid_export"].to_numpy(),
        "hourly.curtailed": sum(df[f"{t}_curtailed"].to_numpy() for t in ("solar", "wind") if f"{t}_curtailed" in df) + z})
    return out


def _grid_only(grid: GridTerms) -> dict:
    out = dict.fromkeys(UNIT_FIELDS, 0.0)
    out.update(hourly_cfe_share=grid.cfe_share, grid_import_mwh=float(N_HOURS),
               grid_cost_usd=grid.price_usd_per_mwh * N_HOURS)
    z = np.zeros(N_HOURS)
    out.update({f"hourly.{k}": z for k in ("solar", "wind", "firm", "charge", "discharge", "soc", "export", "curtailed")})
    out.update({"hourly.load": np.ones(N_HOURS), "hourly.grid": np.ones(N_HOURS), "grid_only": 1.0})
    return out


# -- mixes for a load -----------------------------------------------------------------------------
def _inputs(region: str, options: SupplyOptions, costs: SupplyCosts | None, grid: GridTerms | None):
    # linopy (about 0.5 s), the cache and the profiles only when a mix is solved or looked up
    from stargate_report.supply.profiles import region_profiles

    profiles = region_profiles(region, options.site, options.pv_mount)
    return profiles, costs or SupplyCosts.from_registry(), grid or GridTerms.from_registry(region)


def _mix(sol: dict, target: float, load_mw: float, costs: SupplyCosts, grid: GridTerms, policy: str) -> Mix:
    s = load_mw
    cap = {k: sol[k] * s for k in ("solar_mw", "wind_mw", "battery_mw", "battery_mwh", "firm_mw", "ldes_mw", "ldes_mwh")}
    load_mwh = s * N_HOURS
    annual = sol["annual_cost_usd"] * s
    total = annual + (sol["grid_cost_usd"] - sol["surplus_revenue_usd"]) * s
    ren = (sol["solar_mwh"] + sol["wind_mwh"] + sol.get("firm_mwh", 0.0)) / N_HOURS
    return Mix(target, load_mw, cap["solar_mw"], cap["wind_mw"], cap["battery_mw"], cap["battery_mwh"],
               float(sol["hourly_cfe_share"]), float(min(ren, 1.0)),
               float(costs.capex_usd(cap["solar_mw"], cap["wind_mw"], cap["battery_mw"], cap["battery_mwh"],
                                     cap["firm_mw"], cap["ldes_mwh"])),
               annual, total / load_mwh, True, cap["firm_mw"], cap["ldes_mw"], cap["ldes_mwh"],
               sol["grid_import_mwh"] * s, sol["grid_export_mwh"] * s, sol["curtailed_mwh"] * s,
               sol["grid_cost_usd"] * s, sol["surplus_revenue_usd"] * s, grid.cfe_share, grid.price_usd_per_mwh,
               grid.priced, grid.surplus_treatment, policy, float("nan"),
               "grid" if sol.get("grid_only") else sol.get("solved_by", "lp"), float(sol.get("solve_time_s", 0.0)),
               {k[7:]: np.asarray(v) * s for k, v in sol.items() if k.startswith("hourly.")})


def _check(load_mw, targets) -> list[float]:
    targets = [float(t) for t in np.atleast_1d(targets)]
    for tgt in targets:
        if not (0.0 <= tgt <= 1.0) or math.isnan(tgt):
            raise ParameterError("target_cfe", tgt, "a share between 0 and 1 (not percent)")
    if not (load_mw > 0) or not math.isfinite(load_mw):
        raise ParameterError("load_mw", load_mw, "a number > 0")
    return targets


def size_mixes(region: str, load_mw: float, targets, allow_wind: bool = True, allow_battery: bool = True,
               costs: SupplyCosts | None = None, options: SupplyOptions | None = None, grid: GridTerms | None = None,
               hourly: bool = False) -> list[Mix]:
    """The least-cost mix for each hourly CFE target (grid for the rest), for a flat load of ``load_mw``.

    Raises :class:`~stargate_report.supply.lp.InfeasibleTarget` (exit code 2 on the command line) for a
    target the options cannot reach, naming the best share reached: never a silently capped mix.
    """
    targets = _check(load_mw, targets)
    options = options or SupplyOptions(allow_wind=allow_wind, allow_battery=allow_battery)
    profiles, costs, grid = _inputs(region, options, costs, grid)
    out = []
    for tgt in targets:
        sol = solve_unit(profiles, tgt, options, costs, grid, hourly=hourly)
        out.append(_mix(sol, tgt, load_mw, costs, grid, "hourly"))
    return out


def annual_matching_mix(region: str, load_mw: float, options: SupplyOptions | None = None,
                        costs: SupplyCosts | None = None, grid: GridTerms | None = None) -> Mix:
    """The least-cost 100 % annual matching (volumetric: solar and wind energy over the year = the load's;
    hourly deficits bought from the grid, surplus sold at the surplus value or curtailed)."""
    _check(load_mw, [0.0])
    options = options or SupplyOptions()
    profiles, costs, grid = _inputs(region, options, costs, grid)
    sol = solve_unit(profiles, None, options, costs, grid)
    return _mix(sol, float(sol["hourly_cfe_share"]), load_mw, costs, grid, "annual_matching")


def annual_matching_cost_usd_per_mwh(region: str, allow_wind: bool = True, costs: SupplyCosts | None = None,
                                     options: SupplyOptions | None = None) -> tuple[float, str]:
    """Cost per MWh of load of the least-cost 100 % annual matching, and what it builds (``solar``,
    ``wind`` or ``solar+wind``)."""
    options = options or SupplyOptions(allow_wind=allow_wind)
    mix = annual_matching_mix(region, 1.0, options, costs)
    tech = "+".join(t for t, mw in (("solar", mix.solar_mw), ("wind", mix.wind_mw)) if mw > 1e-9) or "none"
    return mix.cost_usd_per_mwh, tech


# -- tables for the briefing ----------------------------------------------------------------------
#: first day (0-based day of the year) of the typical weeks the briefing shows: 15 January and 15 July
TYPICAL_WEEKS = {"winter": 14, "summer": 195}

#: hourly CFE targets of the cost curve (shares); the curve adds 100 % annual matching
CFE_CURVE_TARGETS = (0.8, 0.9, 0.95, 0.98)


def _row(region: str, load_mw: float, target: float, options: SupplyOptions, costs, grid) -> Mix:
    # linopy (about 0.5 s), the cache and the profiles only when a mix is solved or looked up
    from stargate_report.supply.lp import InfeasibleTarget

    try:
        return size_mixes(region, load_mw, [target], options=options, costs=costs, grid=grid)[0]
    except InfeasibleTarget as exc:
        nan = float("nan")
        return Mix(target, load_mw, nan, nan, nan, nan, nan, nan, nan, nan, nan, False, best_share=exc.best_share,
                   grid_cfe_share=grid.cfe_share, grid_price_usd_per_mwh=grid.price_usd_per_mwh, grid_priced=grid.priced,
                   surplus=grid.surplus_treatment)


def cost_curve(region: str, load_mw: float, allow_wind: bool = True, allow_battery: bool = True,
               targets=CFE_CURVE_TARGETS, options: SupplyOptions | None = None, costs: SupplyCosts | None = None,
               with_annual: bool = True) -> list[dict]:
    """Least-cost mix and all-in cost per MWh for each CFE target, with the premium over 100 % annual
    matching; the annual-matching portfolio first (``policy`` ``annual_matching``, its ``target_cfe`` the
    hourly CFE it achieves). An unreachable target is a row with ``feasible`` False and its ``best_share``."""
    options = options or SupplyOptions(allow_wind=allow_wind, allow_battery=allow_battery)
    profiles, costs, grid = _inputs(region, options, costs, None)
    base = annual_matching_mix(region, load_mw, options, costs, grid)
    tech = "+".join(t for t, mw in (("solar", base.solar_mw), ("wind", base.wind_mw)) if mw > 1e-9) or "none"
    rows = []
    for mix in ([base] if with_annual else []) + [_row(region, load_mw, t, options, costs, grid) for t in targets]:
        rows.append({**mix.to_dict(), "region": region, "annual_matching_usd_per_mwh": base.cost_usd_per_mwh,
                     "annual_matching_tech": tech,
                     "premium_usd_per_mwh": mix.cost_usd_per_mwh - base.cost_usd_per_mwh})
    return rows


def region_comparison(load_mw: float, target_cfe: float, allow_wind: bool = True, allow_battery: bool = True,
                      regions: list[str] | None = None, options: SupplyOptions | None = None) -> list[dict]:
    """The least-cost mix for the same load and target in every region (``feasible`` False where the target
    is out of reach with the options, with the best share reached)."""
    # linopy (about 0.5 s), the cache and the profiles only when a mix is solved or looked up
    from stargate_report.supply.profiles import regions as all_regions

    options = options or SupplyOptions(allow_wind=allow_wind, allow_battery=allow_battery)
    rows = []
    for region in regions or list(all_regions()):
        opts = SupplyOptions(**{**asdict(options), "site": None})
        profiles, costs, grid = _inputs(region, opts, None, None)
        mix = _row(region, load_mw, target_cfe, opts, costs, grid)
        w = profiles.weather  # the station behind the region's profiles, for the figure's caption
        rows.append({"region": region, **mix.to_dict(), "profile": w["profile"], "station_id": w["station_id"],
                     "name": w["name"], "dataset": w["dataset"], "grid_inputs": ";".join(grid.ids)})
    return rows
