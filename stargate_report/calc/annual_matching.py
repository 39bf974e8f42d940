"""Annual (volumetric) matching: generation capacity whose yearly output equals a demand."""
from __future__ import annotations

import numpy as np

from stargate_report.constants import HOURS_PER_YEAR


def capacity_for_annual_energy_mw(energy_mwh, capacity_factor, hours=HOURS_PER_YEAR):
    r"""Capacity that generates a given energy over a year at a capacity factor.

    Annual matching only: it says nothing about the hours in which the energy is produced.

    Parameters
    ----------
    energy_mwh : numeric
        Energy to match [MWh].
    capacity_factor : numeric
        Annual capacity factor [unitless], > 0.
    hours : numeric, default 8760
        [h]

    Returns
    -------
    numeric
        Capacity [MW].

    Notes
    -----
    .. math:: C = E / (CF \cdot h)

    Examples
    --------
    >>> float(capacity_for_annual_energy_mw(8760.0, 0.25))
    4.0
    """
    return np.divide(energy_mwh, np.multiply(capacity_factor, hours))
