"""The inputs of the least-cost supply LP (:mod:`stargate_report.supply.lp`): costs annualised, every input validated,
and the result record; no solver here."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from stargate_report.exceptions import ParameterError, StargateReportError

HOURS_PER_YEAR = 8760.0


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
