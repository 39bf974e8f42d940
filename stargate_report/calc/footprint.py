"""Footprint of one training or inference run, as the published papers compute it.

Patterson et al. (2021), Strubell et al. (2019) and Luccioni et al. (2023) all use

    energy   = device-hours x average power per device x PUE
    tCO2e    = energy x grid carbon intensity

and differ only in the inputs (measured system power vs TDP; with or without PUE).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from stargate_report.calc import emissions, water
from stargate_report.constants import W_PER_MW
from stargate_report.exceptions import ParameterError


def it_energy_mwh(device_hours, watts):
    r"""IT energy of a run.

    Parameters
    ----------
    device_hours : numeric
        Accelerator-hours (devices x hours) [h].
    watts : numeric
        Average power per device [W] (measured system power, or TDP by convention).

    Returns
    -------
    numeric
        [MWh]

    Notes
    -----
    .. math:: E_{IT} = h_{dev} \cdot P / 10^6

    References
    ----------
    .. [1] Luccioni, Viguier & Ligozat, "Estimating the Carbon Footprint of BLOOM",
       arXiv:2211.02001 (2022): 1,082,990 GPU-hours x 400 W = 433,196 kWh.

    Examples
    --------
    >>> round(float(it_energy_mwh(1_082_990, 400)), 3)
    433.196
    """
    return np.multiply(device_hours, watts) / W_PER_MW


@dataclass(frozen=True)
class Footprint:
    """Result of :func:`run_footprint` (all in the units of their names)."""

    it_energy_mwh: float
    facility_energy_mwh: float
    emissions_tco2e: float
    water_onsite_m3: float
    water_offsite_m3: float

    def to_dict(self) -> dict[str, float]:
        return dict(self.__dict__)


def _check(name: str, value: float, low: float, allowed: str, strict: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ParameterError(name, value, allowed) from None
    if not math.isfinite(v) or v < low or (strict and v == low):
        raise ParameterError(name, value, allowed)
    return v


def run_footprint(device_hours: float, watts: float, pue: float = 1.0, grid_g_per_kwh: float = 0.0,
                  wue_l_per_kwh: float = 0.0, grid_water_l_per_kwh: float = 0.0) -> Footprint:
    """Energy, emissions and water of one run.

    Parameters
    ----------
    device_hours : float
        Accelerator-hours [h], > 0.
    watts : float
        Average power per accelerator [W], > 0.
    pue : float, default 1.0
        Power usage effectiveness [unitless], >= 1.
    grid_g_per_kwh : float, default 0
        Grid carbon intensity [gCO2e/kWh], >= 0.
    wue_l_per_kwh : float, default 0
        On-site water usage effectiveness per IT kWh [L/kWh], >= 0.
    grid_water_l_per_kwh : float, default 0
        Off-site water intensity of electricity per facility kWh [L/kWh], >= 0.

    Returns
    -------
    Footprint

    Examples
    --------
    >>> fp = run_footprint(10_000 * 14.8 * 24, 330, pue=1.10, grid_g_per_kwh=429)
    >>> round(fp.facility_energy_mwh)
    1289
    """
    dh = _check("device_hours", device_hours, 0.0, "a number > 0", strict=True)
    w = _check("watts", watts, 0.0, "a number > 0", strict=True)
    p = _check("pue", pue, 1.0, "a number >= 1")
    g = _check("grid_g_per_kwh", grid_g_per_kwh, 0.0, "a number >= 0")
    x = _check("wue_l_per_kwh", wue_l_per_kwh, 0.0, "a number >= 0")
    y = _check("grid_water_l_per_kwh", grid_water_l_per_kwh, 0.0, "a number >= 0")
    it = float(it_energy_mwh(dh, w))
    fac = it * p
    return Footprint(it, fac, float(emissions.emissions_tco2e(fac, g)),
                     float(water.water_onsite_m3(it, x)), float(water.water_offsite_m3(fac, y)))
