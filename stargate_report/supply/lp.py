"""Least-cost sizing of a 24/7 carbon-free (CFE) electricity supply as a linear programme.

The buyer (e.g. a data centre with an hourly load) can build solar, wind, a
battery (power and energy sized separately), optionally long-duration storage
(LDES) and a firm clean generator, and trades with the grid: it imports at the
grid price (imports are clean in proportion to the grid's hourly clean share)
and may sell surplus at ``surplus_value`` (zero = surplus is curtailed).

The formulation follows the PyPSA "247-cfe" model behind Riepin & Brown (2024)
(github.com/PyPSA/247-cfe, ``scripts/solve_network.py``, ``cfe_constraints``):

    sum_t [ g_t  +  d_t  -  c_t  -  x_t  +  m_t * s_t ]  >=  CFE * sum_t L_t        (CFE)

with g clean generation dispatched to the buyer's bus (after curtailment), d / c
storage discharge / charge at the bus, x export to the grid, m import from the
grid and s the grid's hourly clean share.  With the hourly balance

    g_t + d_t - c_t + m_t - x_t = L'_t                                              (balance)

(L' = load after any intra-day shifting) the left side equals
``sum_t L'_t - sum_t m_t (1 - s_t)``: only the dirty part of imports lowers the
score.  The buyer's excess can be capped like 247-cfe's ``excess_constraints``
(``max_export_share``).  Temporal load shifting mirrors the 247-cfe DSM option:
per hour the served load deviates from the nominal load by at most
``flexible_load_share`` x L_t and each day's energy is conserved.

Storage: SOC_t = SOC_{t-1} + sqrt(eta) c_t - d_t / sqrt(eta), cyclic
(SOC_{-1} = SOC_{T-1}), d_t, c_t <= P, SOC_t <= E.

Costs are annualised: ``capex * CRF(r, n) + FOM`` with
``CRF = r / (1 - (1 + r) ** -n)``.  Hourly flows are weighted by 8760/T so any
horizon T is expressed per year.

References
----------
- I. Riepin, T. Brown (2024), "On the means, costs, and system-level impacts of
  24/7 carbon-free energy procurement", Energy Strategy Reviews 54, 101488.
- Q. Xu, A. Manocha, N. Patankar, J. D. Jenkins (2021), "System-level impacts of
  24/7 carbon-free electricity procurement", Princeton ZERO Lab.
- linopy (Hofmann 2023, JOSS 8(84) 4823); HiGHS (Huangfu & Hall 2018, Math. Prog. Comp. 10, 119-142).
"""
from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stargate_report.exceptions import ParameterError, StargateReportError

if TYPE_CHECKING:
    import linopy

__all__ = [
    "InfeasibleTarget",
    "MixResult",
    "crf",
    "annualised_costs",
    "solve_mix",
    "annual_matching_mix",
    "max_cfe_share",
]

logging.getLogger("linopy").setLevel(logging.WARNING)

HOURS_PER_YEAR = 8760.0
# Formulation switches (all variants give the same optimum; see NOTES.md for timings):
#  curtail_bound    -- keep 0 <= curtailment_t <= available VRE_t explicitly (True)
#  shared_converter -- battery charge + discharge <= P instead of each <= P (False)
#  cfe_form         -- "imports": sum_t m_t (1 - s_t) <= (1 - CFE) sum_t L_t, the 247-cfe score
#                      rewritten with the hourly balance (one sparse row, ~2x faster with IPM);
#                      "score": the 247-cfe left-hand side written out term by term.
_OPTS = {"curtail_bound": True, "shared_converter": False, "cfe_form": "imports"}
_HIGHS = {"solver": "ipm", "run_crossover": "on"}
_TOL = 1e-6
#: capacity bound of the max-CFE problem [MW per MW of peak load]: far beyond any useful portfolio (an hour
#: with 1/65,535 of the rated output is covered at 65,535)
MAXCFE_CAPACITY_PER_LOAD = 1e5


class InfeasibleTarget(ParameterError):
    """The CFE target cannot be met with the allowed options (a bad ``target_cfe``: exit code 2).

    Attributes
    ----------
    target : float
        Requested CFE share [-].
    best_share : float
        Highest CFE share reachable with the allowed options [-] (from an LP that
        maximises the CFE score).
    options : str
        The options that were allowed (e.g. ``solar, wind, battery``), named in the message.
    """

    def __init__(self, target: float, best_share: float, options: str = "", where: str = ""):
        self.target, self.best_share, self.options, self.where = float(target), float(best_share), options, where
        ParameterError.__init__(self, "target_cfe", float(target), f"at most {best_share:.4f}")
        opts = f" with {options}" if options else ""
        self.args = (f"infeasible: hourly CFE target {target:.4f} cannot be reached{opts}{where}; the best share "
                     f"reached is {best_share:.4f} (allow more options, e.g. allow_long_duration or "
                     "allow_firm_clean, or lower target_cfe)",)

    def __str__(self) -> str:
        return self.args[0]


class SolverError(StargateReportError):
    """The LP solver failed for a reason other than an unreachable target."""


@dataclass
class MixResult:
    """Outcome of :func:`solve_mix` / :func:`annual_matching_mix`.

    All energy figures are per year [MWh/yr] (hourly flows weighted by 8760/T),
    costs in USD/yr (real), capacities in MW or MWh.
    """

    capacities: dict[str, float]
    annual_cost_usd: float
    cost_usd_per_mwh: float
    cost_breakdown_usd: dict[str, float]
    cfe_share: float
    target_cfe: float | None
    load_mwh: float
    grid_import_mwh: float
    grid_export_mwh: float
    curtailment_mwh: float
    generation_mwh: dict[str, float]
    status: str
    solve_time_s: float
    build_time_s: float
    mode: str = "cfe"
    hourly: pd.DataFrame | None = field(default=None, repr=False)

    def summary(self) -> dict[str, Any]:
        """Flat dict of the headline numbers (for tables)."""
        d = {f"{k}": round(v, 3) for k, v in self.capacities.items()}
        d.update(cost_usd_per_mwh=round(self.cost_usd_per_mwh, 3), cfe_share=round(self.cfe_share, 5),
                 grid_import_mwh=round(self.grid_import_mwh, 1), grid_export_mwh=round(self.grid_export_mwh, 1),
                 curtailment_mwh=round(self.curtailment_mwh, 1), solve_time_s=round(self.solve_time_s, 2))
        return d


# ---------------------------------------------------------------------------
# Cost helpers
# ---------------------------------------------------------------------------
def crf(rate: float, life_yr: float) -> float:
    """Capital recovery factor [1/yr]: r / (1 - (1 + r)^-n); 1/n if r == 0."""
    if life_yr <= 0:
        raise ParameterError("life_yr", life_yr, "a number of years > 0")
    if rate == 0:
        return 1.0 / life_yr
    return rate / (1.0 - (1.0 + rate) ** (-life_yr))


def _check_nonneg(obj: Any, name: str) -> None:
    """Raise ValueError naming the first negative or non-finite number in a (nested) cost dict."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            _check_nonneg(v, f"{name}[{k!r}]")
    elif isinstance(obj, (bool, str)) or obj is None:
        return
    elif isinstance(obj, (int, float, np.floating, np.integer)):
        if not math.isfinite(float(obj)) or obj < 0:
            raise ParameterError(name, obj, "a finite number >= 0")


def _gen_cost(c: dict, rate: float, name: str) -> float:
    """Annualised cost of a generator [USD/MW-yr] = 1000 (capex_usd_per_kw CRF + fom_usd_per_kw_yr)."""
    for key in ("capex_usd_per_kw", "life_yr"):
        if key not in c:
            raise ParameterError(f"{name}[{key!r}]", None, "a number (required)")
    return 1000.0 * (c["capex_usd_per_kw"] * crf(rate, c["life_yr"]) + c.get("fom_usd_per_kw_yr", 0.0))


def _storage_cost(c: dict, rate: float, name: str) -> tuple[float, float]:
    """Annualised storage costs: ([USD/MW-yr] power, [USD/MWh-yr] energy).

    cost = 1000 capex (CRF + fom_frac_of_capex_per_yr) + 1000 fom_usd_per_kw_yr (power part only).
    """
    for key in ("power_capex_usd_per_kw", "energy_capex_usd_per_kwh", "life_yr"):
        if key not in c:
            raise ParameterError(f"{name}[{key!r}]", None, "a number (required)")
    f = crf(rate, c["life_yr"]) + c.get("fom_frac_of_capex_per_yr", 0.0)
    p = 1000.0 * (c["power_capex_usd_per_kw"] * f + c.get("fom_usd_per_kw_yr", 0.0))
    e = 1000.0 * c["energy_capex_usd_per_kwh"] * f
    return p, e


def annualised_costs(costs: dict, firm_clean: dict | None = None, long_duration: dict | None = None) -> dict:
    """Annualised fixed costs per unit of capacity.

    Parameters
    ----------
    costs : dict
        ``{"discount_rate": r, "solar": {...}, "wind": {...}, "battery": {...}}``; generators take
        ``capex_usd_per_kw``, ``fom_usd_per_kw_yr``, ``life_yr`` (optional ``max_mw``); storage takes
        ``power_capex_usd_per_kw``, ``energy_capex_usd_per_kwh``, ``fom_frac_of_capex_per_yr``,
        ``rte`` (round trip, 0..1], ``life_yr`` (optional ``max_mw``, ``min_duration_h``, ``max_duration_h``).
    firm_clean, long_duration : dict, optional
        Same layout as a generator (plus ``vom_usd_per_mwh``, ``availability``) / storage.

    Returns
    -------
    dict
        ``solar``, ``wind``, ``firm`` [USD/MW-yr]; ``battery_p``, ``ldes_p`` [USD/MW-yr];
        ``battery_e``, ``ldes_e`` [USD/MWh-yr].
    """
    r = costs.get("discount_rate")
    if r is None:
        raise ParameterError("costs['discount_rate']", None, "a number (required)")
    out: dict[str, float] = {}
    for tech in ("solar", "wind"):
        if tech in costs:
            out[tech] = _gen_cost(costs[tech], r, f"costs[{tech!r}]")
    if "battery" in costs:
        out["battery_p"], out["battery_e"] = _storage_cost(costs["battery"], r, "costs['battery']")
    if firm_clean is not None:
        out["firm"] = _gen_cost(firm_clean, r, "firm_clean")
    if long_duration is not None:
        out["ldes_p"], out["ldes_e"] = _storage_cost(long_duration, r, "long_duration")
    return out


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------
def _as_series(x, T: int, name: str, lo: float | None = 0.0, hi: float | None = None) -> np.ndarray:
    a = np.full(T, float(x)) if np.ndim(x) == 0 else np.asarray(x, dtype=float).ravel()
    if a.shape[0] != T:
        raise ParameterError(name, f"{a.shape[0]} values", f"{T} values")
    if not np.all(np.isfinite(a)):
        raise ParameterError(name, "non-finite values", "finite numbers")
    if lo is not None and a.min() < lo - 1e-12:
        raise ParameterError(name, float(a.min()), f"numbers >= {lo:g}")
    if hi is not None and a.max() > hi + 1e-12:
        raise ParameterError(name, float(a.max()), f"numbers <= {hi:g}")
    return a


@dataclass
class _Inputs:
    T: int
    load: np.ndarray
    solar_cf: np.ndarray | None
    wind_cf: np.ndarray | None
    grid_cfe: np.ndarray
    price: np.ndarray
    surplus_value: float
    unit_costs: dict
    costs: dict
    firm_clean: dict | None
    long_duration: dict | None
    allow_battery: bool
    flex: float
    max_export_share: float | None
    fixed: dict


def _validate(load_mw, solar_cf, wind_cf, costs, target_cfe, grid_cfe_share, grid_price_usd_per_mwh,
              surplus_value_usd_per_mwh, allow_solar, allow_wind, allow_battery, firm_clean, long_duration,
              flexible_load_share, max_export_share, fixed_capacities) -> _Inputs:
    if solar_cf is None and wind_cf is None:
        T = int(np.size(load_mw)) if np.ndim(load_mw) else int(HOURS_PER_YEAR)
    else:
        T = int(np.size(solar_cf if solar_cf is not None else wind_cf))
    load = _as_series(load_mw, T, "load_mw")
    if load.sum() <= 0:
        raise ParameterError("load_mw", float(load.sum()), "a load with positive total energy")
    s_cf = _as_series(solar_cf, T, "solar_cf", 0.0, 1.0) if (solar_cf is not None and allow_solar) else None
    w_cf = _as_series(wind_cf, T, "wind_cf", 0.0, 1.0) if (wind_cf is not None and allow_wind) else None
    if target_cfe is not None and not (0.0 <= float(target_cfe) <= 1.0):
        raise ParameterError("target_cfe", target_cfe, "a share between 0 and 1 (not percent)")
    grid_cfe = _as_series(grid_cfe_share, T, "grid_cfe_share", 0.0, 1.0)
    price = _as_series(grid_price_usd_per_mwh, T, "grid_price_usd_per_mwh", 0.0)
    if not np.isfinite(surplus_value_usd_per_mwh) or surplus_value_usd_per_mwh < 0:
        raise ParameterError("surplus_value_usd_per_mwh", surplus_value_usd_per_mwh, "a number >= 0")
    if surplus_value_usd_per_mwh > price.min() + 1e-9:
        raise ParameterError("surplus_value_usd_per_mwh", surplus_value_usd_per_mwh,
                             f"at most the grid price ({price.min():g} USD/MWh): else buying and selling back is "
                             "an unbounded profit")
    _check_nonneg(costs, "costs")
    if firm_clean is not None:
        _check_nonneg(firm_clean, "firm_clean")
    if long_duration is not None:
        _check_nonneg(long_duration, "long_duration")
    for nm, st in (("costs['battery']", costs.get("battery")), ("long_duration", long_duration)):
        if st is not None and "rte" in st and not (0.0 < st["rte"] <= 1.0):
            raise ParameterError(f"{nm}['rte']", st["rte"], "a share in (0, 1]")
    if not (0.0 <= flexible_load_share < 1.0):
        raise ParameterError("flexible_load_share", flexible_load_share, "a share in [0, 1)")
    if flexible_load_share > 0 and T % 24:
        raise ParameterError("flexible_load_share", flexible_load_share, "0 unless the horizon is whole days")
    if max_export_share is not None and (not np.isfinite(max_export_share) or max_export_share < 0):
        raise ParameterError("max_export_share", max_export_share, "a number >= 0")
    fixed = dict(fixed_capacities or {})
    for k, v in fixed.items():
        if v is None or not np.isfinite(v) or v < 0:
            raise ParameterError(f"fixed_capacities[{k!r}]", v, "a finite capacity >= 0")
    if s_cf is not None and "solar" not in costs:
        raise ParameterError("costs['solar']", None, "unit costs (required when solar is allowed)")
    if w_cf is not None and "wind" not in costs:
        raise ParameterError("costs['wind']", None, "unit costs (required when wind is allowed)")
    if allow_battery and "battery" not in costs:
        raise ParameterError("costs['battery']", None, "unit costs (required when batteries are allowed)")
    unit = annualised_costs(costs, firm_clean, long_duration)
    return _Inputs(T, load, s_cf, w_cf, grid_cfe, price, float(surplus_value_usd_per_mwh), unit, costs, firm_clean,
                   long_duration, bool(allow_battery), float(flexible_load_share), max_export_share, fixed)


# ---------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------
def _build(inp: _Inputs, mode: str, target: float | None):
    """Build the linopy model.

    mode: "cfe" (least cost s.t. CFE >= target), "maxcfe" (maximise the CFE score),
    "annual" (least cost s.t. annual renewable generation >= target x annual load, no curtailment,
    surplus exported).
    """
    T = inp.T
    w = HOURS_PER_YEAR / T  # snapshot weight -> per-year quantities
    t = pd.RangeIndex(T, name="t")
    import linopy  # about 0.5 s to import (xarray): only when a mix is solved

    m = linopy.Model(force_dim_names=True)
    load = pd.Series(inp.load, index=t)
    cfe_s = pd.Series(inp.grid_cfe, index=t)
    price = pd.Series(inp.price, index=t)
    uc = inp.unit_costs
    fixed = inp.fixed
    cost_terms = []  # linear expressions [USD/yr]
    bal_supply = []  # expressions entering the bus balance (+ supply)
    clean = []  # expressions counted as clean supply at the bus (gen, discharge - charge)
    v: dict[str, Any] = {}

    def cap_var(name: str, max_key: dict | None):
        ub = np.inf
        if max_key is not None and max_key.get("max_mw") is not None:
            ub = float(max_key["max_mw"])
        if name in fixed:
            return m.add_variables(lower=fixed[name], upper=fixed[name], name=name)
        if mode == "maxcfe":  # costs play no part: bound the region (the solvers report an unbounded one as such)
            ub = min(ub, MAXCFE_CAPACITY_PER_LOAD * float(inp.load.max()))
        return m.add_variables(lower=0.0, upper=ub, name=name)

    # --- variable renewables -------------------------------------------------
    # Available VRE output sum_k cap_k cf_k,t enters the balance directly; one curtailment
    # variable per hour (0 <= curt_t <= available_t) removes what is not used.  This is the
    # same feasible set as per-technology dispatch variables (gen_k,t <= cap_k cf_k,t) for
    # the aggregate, with one variable/row per hour less per technology.
    vre_avail = None
    for tech, cf in (("solar", inp.solar_cf), ("wind", inp.wind_cf)):
        if cf is None:
            continue
        cap = cap_var(f"{tech}_mw", inp.costs.get(tech))
        avail = cap * pd.Series(cf, index=t)
        v[f"{tech}_mw"], v[f"{tech}_avail_cf"] = cap, cf
        cost_terms.append(uc[tech] * cap)
        vre_avail = avail if vre_avail is None else vre_avail + avail
    if vre_avail is not None:
        if mode == "annual":
            vre_used = vre_avail  # no curtailment: all generation is delivered (surplus exported)
        else:
            curt = m.add_variables(lower=0.0, coords=[t], name="vre_curtail")
            if _OPTS["curtail_bound"]:
                m.add_constraints(curt - vre_avail <= 0, name="vre_curtail_max")
            v["vre_curtail"] = curt
            vre_used = vre_avail - curt
        bal_supply.append(vre_used)
        clean.append(vre_used)

    # --- firm clean ----------------------------------------------------------
    if inp.firm_clean is not None and mode != "annual":
        fc = inp.firm_clean
        cap = cap_var("firm_mw", fc)
        g = m.add_variables(lower=0.0, coords=[t], name="firm_gen")
        m.add_constraints(g - float(fc.get("availability", 1.0)) * cap <= 0, name="firm_avail")
        v["firm_mw"], v["firm_gen"] = cap, g
        cost_terms.append(uc["firm"] * cap + w * float(fc.get("vom_usd_per_mwh", 0.0)) * g.sum())
        bal_supply.append(g)
        clean.append(g)

    # --- storage ------------------------------------------------------------
    stores = []
    if inp.allow_battery:
        stores.append(("battery", inp.costs["battery"]))
    if inp.long_duration is not None:
        stores.append(("ldes", inp.long_duration))
    for name, sc in stores:
        eta = math.sqrt(float(sc.get("rte", 1.0)))
        p = cap_var(f"{name}_mw", sc)
        e = m.add_variables(lower=fixed.get(f"{name}_mwh", 0.0), upper=fixed.get(f"{name}_mwh", np.inf),
                            name=f"{name}_mwh")
        p_t, e_t = p, e
        ch = m.add_variables(lower=0.0, coords=[t], name=f"{name}_charge")
        dis = m.add_variables(lower=0.0, coords=[t], name=f"{name}_discharge")
        soc = m.add_variables(lower=0.0, coords=[t], name=f"{name}_soc")
        if _OPTS["shared_converter"]:
            m.add_constraints(ch + dis - p_t <= 0, name=f"{name}_power_max")
        else:
            m.add_constraints(ch - p_t <= 0, name=f"{name}_charge_max")
            m.add_constraints(dis - p_t <= 0, name=f"{name}_discharge_max")
        m.add_constraints(soc - e_t <= 0, name=f"{name}_soc_max")
        # cyclic: soc[t] - soc[t-1] (roll wraps t=0 to T-1) = eta*ch - dis/eta
        m.add_constraints(soc - soc.roll(t=1) - eta * ch + (1.0 / eta) * dis == 0, name=f"{name}_soc_balance")
        if sc.get("min_duration_h") is not None:
            m.add_constraints(e - float(sc["min_duration_h"]) * p >= 0, name=f"{name}_min_duration")
        if sc.get("max_duration_h") is not None:
            m.add_constraints(e - float(sc["max_duration_h"]) * p <= 0, name=f"{name}_max_duration")
        v[f"{name}_mw"], v[f"{name}_mwh"] = p, e
        v[f"{name}_charge"], v[f"{name}_discharge"], v[f"{name}_soc"] = ch, dis, soc
        cost_terms.append(uc[f"{name}_p"] * p + uc[f"{name}_e"] * e)
        bal_supply.append(dis - ch)
        clean.append(dis - ch)

    # --- grid -----------------------------------------------------------------
    imp = m.add_variables(lower=0.0, coords=[t], name="grid_import")
    v["grid_import"] = imp
    cost_terms.append(w * (price * imp).sum())
    export_allowed = mode == "annual" or inp.surplus_value > 0
    exp = None
    if export_allowed:
        exp = m.add_variables(lower=0.0, coords=[t], name="grid_export")
        v["grid_export"] = exp
        if inp.surplus_value > 0:
            cost_terms.append(-w * inp.surplus_value * exp.sum())
        if inp.max_export_share is not None and mode != "annual":
            m.add_constraints(exp.sum() <= inp.max_export_share * float(inp.load.sum()), name="export_cap")

    # --- flexible load (intra-day shifting, daily energy conserved) -------------
    shift = None
    if inp.flex > 0 and mode != "annual":
        band = pd.Series(inp.flex * inp.load, index=t)
        shift = m.add_variables(lower=-band, upper=band, coords=[t], name="load_shift")
        day = pd.Series(np.arange(T) // 24, index=t, name="day")
        m.add_constraints(shift.groupby(day.to_xarray()).sum() == 0, name="load_shift_daily")
        v["load_shift"] = shift

    # --- hourly balance: supply + import - export = load (+ shift) ---------------
    lhs = imp
    for e_ in bal_supply:
        lhs = lhs + e_
    if exp is not None:
        lhs = lhs - exp
    if shift is not None:
        lhs = lhs - shift
    m.add_constraints(lhs == load, name="balance")

    # --- CFE score (247-cfe): clean supply - export + import x grid CFE ----------
    score = (imp * cfe_s).sum()
    for e_ in clean:
        score = score + e_.sum()
    if exp is not None:
        score = score - exp.sum()
    total_load = float(inp.load.sum())

    if mode == "cfe":
        if target is not None and target > 0:
            if _OPTS["cfe_form"] == "score":
                m.add_constraints(score >= target * total_load, name="cfe")
            elif _OPTS["cfe_form"] == "imports":
                # equivalent by the hourly balance and daily load conservation:
                # score = sum L' - sum m (1 - s)  =>  sum m (1 - s) <= (1 - target) sum L
                m.add_constraints((imp * (1.0 - cfe_s)).sum() <= (1.0 - target) * total_load, name="cfe")
    elif mode == "annual":
        if vre_avail is None:
            raise InfeasibleTarget(target or 1.0, 0.0)
        ren = vre_avail.sum()
        m.add_constraints(ren >= (target if target is not None else 1.0) * total_load, name="annual_matching")

    if mode == "maxcfe":
        m.add_objective(-1.0 * score)
    else:
        obj = cost_terms[0]
        for c in cost_terms[1:]:
            obj = obj + c
        m.add_objective(obj)
    return m, v, score


def _options(inp: _Inputs) -> str:
    """The supply options of a problem, in words (for messages)."""
    names = [n for n, on in (("solar", inp.solar_cf is not None), ("wind", inp.wind_cf is not None),
                             ("batteries", inp.allow_battery), ("long-duration storage", inp.long_duration is not None),
                             ("firm clean supply", inp.firm_clean is not None),
                             (f"{inp.flex:.0%} flexible load", inp.flex > 0)) if on]
    return ", ".join(names) + " and the grid" if names else "the grid alone"


def _solve(m: linopy.Model, threads: int = 2, **highs) -> tuple[str, str, float]:
    t0 = time.perf_counter()
    with _quiet_fd1():  # HiGHS prints its banner from C++ before options apply: keep stdout (JSON) clean
        status, cond = m.solve(solver_name="highs", io_api="direct", output_flag=False, log_to_console=False,
                               threads=threads, **{**_HIGHS, **highs})
    return status, str(cond), time.perf_counter() - t0


@contextlib.contextmanager
def _quiet_fd1():
    """Send file descriptor 1 to /dev/null for the duration (C-level writes included)."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no fd 1 (embedded): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _expr_val(expr) -> np.ndarray:
    """Value of a linopy Variable or LinearExpression after solving."""
    return np.asarray(expr.solution.values, dtype=float)


def _collect(inp: _Inputs, v: dict, mode: str, target, status, solve_s, build_s, hourly: bool) -> MixResult:
    T = inp.T
    w = HOURS_PER_YEAR / T
    uc = inp.unit_costs
    caps: dict[str, float] = {}
    for k in ("solar_mw", "wind_mw", "battery_mw", "battery_mwh", "ldes_mw", "ldes_mwh", "firm_mw"):
        caps[k] = max(0.0, float(v[k].solution.values)) if k in v else 0.0
    cols: dict[str, np.ndarray] = {"load": inp.load}
    gen_mwh: dict[str, float] = {}
    curtail = np.zeros(T)
    clean_at_bus = np.zeros(T)
    curt_total = _expr_val(v["vre_curtail"]) if "vre_curtail" in v else np.zeros(T)
    avail = {tech: caps[f"{tech}_mw"] * v[f"{tech}_avail_cf"] for tech in ("solar", "wind")
             if f"{tech}_avail_cf" in v}
    avail_sum = sum(avail.values()) if avail else np.zeros(T)
    curt_total = np.minimum(np.clip(curt_total, 0.0, None), avail_sum)
    for tech, a in avail.items():
        # curtailment attributed pro rata to availability (reporting only)
        share = np.divide(a, avail_sum, out=np.zeros(T), where=avail_sum > 0)
        cols[f"{tech}_curtailed"] = curt_total * share
        cols[tech] = a - cols[f"{tech}_curtailed"]
        gen_mwh[tech] = w * float(cols[tech].sum())
        clean_at_bus += cols[tech]
    curtail += curt_total
    if "firm_gen" in v:
        g = _expr_val(v["firm_gen"])
        cols["firm"] = g
        gen_mwh["firm"] = w * float(g.sum())
        clean_at_bus += g
    for s in ("battery", "ldes"):
        if f"{s}_charge" in v:
            ch, dis, soc = (_expr_val(v[f"{s}_{x}"]) for x in ("charge", "discharge", "soc"))
            cols[f"{s}_charge"], cols[f"{s}_discharge"], cols[f"{s}_soc"] = ch, dis, soc
            clean_at_bus += dis - ch
    imp = _expr_val(v["grid_import"])
    exp = _expr_val(v["grid_export"]) if "grid_export" in v else np.zeros(T)
    cols["grid_import"], cols["grid_export"] = imp, exp
    served = inp.load + (_expr_val(v["load_shift"]) if "load_shift" in v else 0.0)
    cols["served_load"] = served
    cols["grid_cfe_share"] = inp.grid_cfe
    load_mwh = w * float(inp.load.sum())
    # achieved CFE (247-cfe accounting), from the dispatch
    cfe_share = float((clean_at_bus - exp + imp * inp.grid_cfe).sum() / inp.load.sum())
    breakdown = {}
    for tech in ("solar", "wind", "firm"):
        if caps.get(f"{tech}_mw", 0.0) or tech in uc:
            if tech in uc:
                breakdown[tech] = uc[tech] * caps[f"{tech}_mw"]
    if "firm" in gen_mwh and inp.firm_clean is not None:
        breakdown["firm_vom"] = float(inp.firm_clean.get("vom_usd_per_mwh", 0.0)) * gen_mwh["firm"]
    for s in ("battery", "ldes"):
        if f"{s}_p" in uc and f"{s}_charge" in v:
            breakdown[s] = uc[f"{s}_p"] * caps[f"{s}_mw"] + uc[f"{s}_e"] * caps[f"{s}_mwh"]
    breakdown["grid_purchases"] = w * float((inp.price * imp).sum())
    breakdown["surplus_revenue"] = -w * inp.surplus_value * float(exp.sum())
    total = float(sum(breakdown.values()))
    df = pd.DataFrame(cols) if hourly else None
    return MixResult(
        capacities=caps,
        annual_cost_usd=total,
        cost_usd_per_mwh=total / load_mwh,
        cost_breakdown_usd=breakdown,
        cfe_share=cfe_share,
        target_cfe=target,
        load_mwh=load_mwh,
        grid_import_mwh=w * float(imp.sum()),
        grid_export_mwh=w * float(exp.sum()),
        curtailment_mwh=w * float(curtail.sum()),
        generation_mwh=gen_mwh,
        status=status,
        solve_time_s=solve_s,
        build_time_s=build_s,
        mode=mode,
        hourly=df,
    )


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------
def max_cfe_share(load_mw, solar_cf, wind_cf, costs, grid_cfe_share, grid_price_usd_per_mwh=0.0,
                  surplus_value_usd_per_mwh=0.0, allow_solar=True, allow_wind=True, allow_battery=True,
                  firm_clean=None, long_duration=None, flexible_load_share=0.0, max_export_share=None,
                  fixed_capacities=None) -> float:
    """Highest CFE share [-] reachable with the allowed options (LP maximising the CFE score, costs ignored)."""
    inp = _validate(load_mw, solar_cf, wind_cf, costs, None, grid_cfe_share, grid_price_usd_per_mwh,
                    surplus_value_usd_per_mwh, allow_solar, allow_wind, allow_battery, firm_clean, long_duration,
                    flexible_load_share, max_export_share, fixed_capacities)
    return _max_cfe(inp)


def _max_cfe(inp: _Inputs) -> float:
    m, v, score = _build(inp, "maxcfe", None)
    status, cond, _ = _solve(m)
    if status != "ok":
        raise SolverError(f"max-CFE LP failed: {status} {cond}")
    return float(-m.objective.value / inp.load.sum())


def solve_mix(load_mw, solar_cf, wind_cf, costs: dict, target_cfe: float, grid_cfe_share,
              grid_price_usd_per_mwh, surplus_value_usd_per_mwh: float = 0.0, allow_wind: bool = True,
              allow_battery: bool = True, firm_clean: dict | None = None, long_duration: dict | None = None,
              flexible_load_share: float = 0.0, max_export_share: float | None = None, allow_solar: bool = True,
              fixed_capacities: dict | None = None, hourly: bool = False, threads: int = 2) -> MixResult:
    """Least-cost portfolio meeting an hourly (24/7) CFE target.

    Parameters
    ----------
    load_mw : float or array (T,)
        Buyer's load [MW]; a float means a flat load.
    solar_cf, wind_cf : array (T,) or None
        Per-MW availability [MW/MW] (0..1); ``None`` disables the technology.
    costs : dict
        ``discount_rate`` [-] (real) and per-technology dicts, see :func:`annualised_costs`.
    target_cfe : float
        Required CFE share [-] (0..1): sum(clean supply - export + import x grid share) >= target x load.
    grid_cfe_share : float or array (T,)
        Clean share of grid imports [-].
    grid_price_usd_per_mwh : float or array (T,)
        Price of grid imports [USD/MWh].
    surplus_value_usd_per_mwh : float
        Revenue for exported surplus [USD/MWh]; 0 = surplus is curtailed (no export variable).
    allow_wind, allow_battery, allow_solar : bool
        Technology switches.
    firm_clean : dict, optional
        Firm clean generator: ``capex_usd_per_kw``, ``fom_usd_per_kw_yr``, ``vom_usd_per_mwh``, ``life_yr``,
        optional ``availability`` (max output per MW, default 1) and ``max_mw``.
    long_duration : dict, optional
        Long-duration storage, same keys as ``costs['battery']`` plus optional ``min_duration_h``/``max_duration_h``.
    flexible_load_share : float
        Share of each hour's load that may be moved within the same day [-] (served load in
        [(1-f) L_t, (1+f) L_t], daily energy conserved). 0 disables.
    max_export_share : float, optional
        Cap on annual export as a share of annual load (247-cfe ``excess_share``); only with surplus_value > 0.
    fixed_capacities : dict, optional
        Fix capacities (keys ``solar_mw``, ``wind_mw``, ``battery_mw``, ``battery_mwh``, ``ldes_mw``,
        ``ldes_mwh``, ``firm_mw``) -> dispatch-only LP for given capacities.
    hourly : bool
        Attach the hourly dispatch as a DataFrame.

    Returns
    -------
    MixResult

    Raises
    ------
    InfeasibleTarget
        If the target is above the best reachable share (carried in ``best_share``).
    ParameterError
        For invalid inputs (negative costs/capacities, wrong lengths, ...).
    """
    t0 = time.perf_counter()
    inp = _validate(load_mw, solar_cf, wind_cf, costs, target_cfe, grid_cfe_share, grid_price_usd_per_mwh,
                    surplus_value_usd_per_mwh, allow_solar, allow_wind, allow_battery, firm_clean, long_duration,
                    flexible_load_share, max_export_share, fixed_capacities)
    m, v, _ = _build(inp, "cfe", target_cfe)
    build_s = time.perf_counter() - t0
    status, cond, solve_s = _solve(m, threads)
    if status != "ok":
        if "infeasible" in cond.lower() or "unbounded" in cond.lower():
            best = _max_cfe(inp)
            if best < target_cfe - 1e-7:
                raise InfeasibleTarget(target_cfe, best, _options(inp))
        raise SolverError(f"LP not solved: status={status}, condition={cond}")
    return _collect(inp, v, "cfe", target_cfe, cond, solve_s, build_s, hourly)


def annual_matching_mix(load_mw, solar_cf, wind_cf, costs: dict, grid_cfe_share, grid_price_usd_per_mwh,
                        surplus_value_usd_per_mwh: float = 0.0, allow_wind: bool = True,
                        allow_battery: bool = False, match_share: float = 1.0, allow_solar: bool = True,
                        hourly: bool = False, threads: int = 2) -> MixResult:
    """Least-cost 100 % annual matching (volumetric RES procurement, 247-cfe 'res' policy).

    Renewable generation (all of it, no curtailment) >= ``match_share`` x annual load; in each hour the
    deficit is imported from the grid at the grid price and the surplus is exported at
    ``surplus_value_usd_per_mwh`` (0 = no value).  Battery off by default (as in 247-cfe's 'res'
    policy); the CFE share reported is the hourly score of the resulting dispatch.

    Parameters are as in :func:`solve_mix`; returns :class:`MixResult` with ``mode='annual'``.
    """
    t0 = time.perf_counter()
    inp = _validate(load_mw, solar_cf, wind_cf, costs, match_share, grid_cfe_share, grid_price_usd_per_mwh,
                    surplus_value_usd_per_mwh, allow_solar, allow_wind, allow_battery, None, None, 0.0, None, None)
    m, v, _ = _build(inp, "annual", match_share)
    build_s = time.perf_counter() - t0
    status, cond, solve_s = _solve(m, threads)
    if status != "ok":
        raise SolverError(f"annual-matching LP not solved: status={status}, condition={cond}")
    # no curtailment variable in this mode: all surplus is exported (at surplus_value, possibly 0)
    return _collect(inp, v, "annual", match_share, cond, solve_s, build_s, hourly)
