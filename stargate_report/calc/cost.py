"""Capital cost, annuities, levelized cost of electricity, and what an amount buys."""
from __future__ import annotations

import numpy as np

from stargate_report.constants import HOURS_PER_YEAR, KW_PER_MW, W_PER_MW


def capital_recovery_factor(discount_rate, lifetime_years):
    r"""Annuity (capital recovery) factor: the share of capex paid back each year.

    Parameters
    ----------
    discount_rate : numeric
        Discount rate (WACC) per year [unitless], e.g. 0.08. Zero is allowed.
    lifetime_years : numeric
        Economic lifetime [years], > 0.

    Returns
    -------
    numeric
        Capital recovery factor [1/year].

    Notes
    -----
    .. math:: CRF = \frac{r}{1 - (1 + r)^{-n}}, \quad CRF = 1/n \text{ for } r = 0

    References
    ----------
    .. [1] PyPSA ``pypsa.costs.annuity``; Short, Packey & Holt, "A Manual for the Economic
       Evaluation of Energy Efficiency and Renewable Energy Technologies", NREL/TP-462-5173 (1995).

    Examples
    --------
    >>> round(float(capital_recovery_factor(0.05, 20)), 6)
    0.080243
    >>> float(capital_recovery_factor(0.0, 20))
    0.05
    """
    r = np.asarray(discount_rate, dtype=float)
    n = np.asarray(lifetime_years, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        crf = r / (1.0 - (1.0 + r) ** (-n))
    return np.where(r == 0, 1.0 / n, crf)[()]


def capex_usd(capacity, unit_cost):
    r"""Capital cost of a capacity at a unit cost; capacity and cost must share the unit.

    Parameters
    ----------
    capacity : numeric
        Capacity [MW, kW, W or kWh, matching ``unit_cost``].
    unit_cost : numeric
        Cost per unit of capacity [USD per unit].

    Returns
    -------
    numeric
        Capital cost [USD].

    Examples
    --------
    >>> float(capex_usd(1200, 11.7e6))
    14040000000.0
    """
    return np.multiply(capacity, unit_cost)


def lcoe_usd_per_mwh(capex_usd_per_kw, fom_usd_per_kw_year, capacity_factor, discount_rate, lifetime_years):
    r"""Levelized cost of electricity of a generator without fuel cost.

    Parameters
    ----------
    capex_usd_per_kw : numeric
        Overnight capital cost [USD/kW].
    fom_usd_per_kw_year : numeric
        Fixed operation and maintenance [USD/kW/yr].
    capacity_factor : numeric
        Annual energy / (capacity x 8760 h) [unitless], > 0.
    discount_rate : numeric
        [unitless]
    lifetime_years : numeric
        [years]

    Returns
    -------
    numeric
        LCOE [USD/MWh].

    Notes
    -----
    .. math:: LCOE = \frac{CAPEX \cdot CRF + FOM}{CF \cdot 8760} \cdot 1000

    References
    ----------
    .. [1] NREL Annual Technology Baseline, "Levelized Cost of Energy" equations (simple LCOE).

    Examples
    --------
    >>> round(float(lcoe_usd_per_mwh(1000, 20, 0.25, 0.0, 25)), 2)
    27.4
    """
    annual_usd_per_kw = np.multiply(capex_usd_per_kw, capital_recovery_factor(discount_rate, lifetime_years)) \
        + np.asarray(fom_usd_per_kw_year)
    mwh_per_kw = np.multiply(capacity_factor, HOURS_PER_YEAR) / KW_PER_MW
    return annual_usd_per_kw / mwh_per_kw


def capacity_for_budget(budget_usd, unit_cost):
    r"""What a budget buys: capacity = budget / unit cost.

    Parameters
    ----------
    budget_usd : numeric
        Amount [USD].
    unit_cost : numeric
        Cost per unit of capacity [USD per unit], > 0.

    Returns
    -------
    numeric
        Capacity in the unit of ``unit_cost`` [e.g. MW].

    Examples
    --------
    >>> round(float(capacity_for_budget(1e9, 11.7e6)), 1)
    85.5
    """
    return np.divide(budget_usd, unit_cost)


def usd_per_w_to_usd_per_mw(usd_per_w):
    """Convert [USD/W] to [USD/MW].

    >>> float(usd_per_w_to_usd_per_mw(1.43))
    1430000.0
    """
    return np.multiply(usd_per_w, W_PER_MW)


def usd_per_kw_to_usd_per_mw(usd_per_kw):
    """Convert [USD/kW] to [USD/MW].

    >>> float(usd_per_kw_to_usd_per_mw(1585.3))
    1585300.0
    """
    return np.multiply(usd_per_kw, KW_PER_MW)
