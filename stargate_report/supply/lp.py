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

import logging
import time

from stargate_report.supply.lp_inputs import (
    InfeasibleTarget,
    MixResult,
    SolverError,
    _Inputs,
    _validate,
    annualised_costs,
    crf,
)
from stargate_report.supply.lp_model import _build, _collect, _options, _solve

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
