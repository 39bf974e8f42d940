"""Water consumption on site (cooling) and off site (electricity generation)."""
from __future__ import annotations

import numpy as np

from stargate_report.constants import KWH_PER_MWH, L_PER_M3


def water_onsite_m3(it_energy_mwh, wue_l_per_kwh):
    r"""On-site water consumption from the water usage effectiveness.

    WUE is defined per kWh of *IT* energy (The Green Grid).

    Parameters
    ----------
    it_energy_mwh : numeric
        IT energy [MWh].
    wue_l_per_kwh : numeric
        Water usage effectiveness [L/kWh], >= 0.

    Returns
    -------
    numeric
        Water [m3].

    Notes
    -----
    .. math:: W_{on} = E_{IT} \cdot 1000 \cdot WUE / 1000

    References
    ----------
    .. [1] The Green Grid, "Water Usage Effectiveness (WUE)", White Paper 35 (2011).
    .. [2] Li et al., "Making AI Less Thirsty", arXiv:2304.03271 (2023), Eq. (1).

    Examples
    --------
    >>> float(water_onsite_m3(1000.0, 0.5))
    500.0
    """
    return np.multiply(np.multiply(it_energy_mwh, KWH_PER_MWH), wue_l_per_kwh) / L_PER_M3


def water_offsite_m3(facility_energy_mwh, water_intensity_l_per_kwh):
    r"""Off-site water consumed to generate the electricity, per kWh of *facility* energy.

    Parameters
    ----------
    facility_energy_mwh : numeric
        Facility energy [MWh].
    water_intensity_l_per_kwh : numeric
        Electricity water intensity factor (EWIF) [L/kWh].

    Returns
    -------
    numeric
        Water [m3].

    Notes
    -----
    .. math:: W_{off} = E_{facility} \cdot 1000 \cdot EWIF / 1000

    References
    ----------
    .. [1] Li et al., "Making AI Less Thirsty", arXiv:2304.03271 (2023), Eq. (1).

    Examples
    --------
    >>> float(water_offsite_m3(1000.0, 3.142))
    3142.0
    """
    return np.multiply(np.multiply(facility_energy_mwh, KWH_PER_MWH), water_intensity_l_per_kwh) / L_PER_M3
