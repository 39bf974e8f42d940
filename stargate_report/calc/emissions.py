"""Greenhouse-gas emissions of electricity use."""
from __future__ import annotations

import numpy as np

from stargate_report.constants import G_PER_TONNE, KWH_PER_MWH


def emissions_tco2e(energy_mwh, grid_intensity_g_per_kwh):
    r"""Emissions of electricity use at a grid carbon intensity (location-based).

    Parameters
    ----------
    energy_mwh : numeric
        Electricity used [MWh].
    grid_intensity_g_per_kwh : numeric
        Carbon intensity of the electricity [gCO2e/kWh].

    Returns
    -------
    numeric
        Emissions [tCO2e].

    Notes
    -----
    .. math:: M = E \cdot 1000 \cdot CI / 10^6

    References
    ----------
    .. [1] Patterson et al. (2021), arXiv:2104.10350, Section 2: tCO2e = MWh x tCO2e/MWh.
    .. [2] GHG Protocol Scope 2 Guidance (2015): location-based method.

    Examples
    --------
    >>> round(float(emissions_tco2e(1287, 429)), 1)
    552.1
    """
    return np.multiply(np.multiply(energy_mwh, KWH_PER_MWH), grid_intensity_g_per_kwh) / G_PER_TONNE
