"""Land use of generation and of data-centre campuses."""
from __future__ import annotations

import numpy as np

from stargate_report.constants import KM2_PER_M2, M2_PER_ACRE, M2_PER_HA


def land_km2_from_acres(capacity_mw, acres_per_mw):
    r"""Land area of a capacity at a land intensity in acres per MW.

    Parameters
    ----------
    capacity_mw : numeric
        Capacity [MW].
    acres_per_mw : numeric
        Land intensity [acres/MW].

    Returns
    -------
    numeric
        Area [km2].

    References
    ----------
    .. [1] Ong et al., "Land-Use Requirements for Solar Power Plants in the United States",
       NREL/TP-6A20-56290 (2013): 8.9 acres/MW_AC total area.

    Examples
    --------
    >>> round(float(land_km2_from_acres(100, 8.9)), 3)
    3.602
    """
    return np.multiply(np.multiply(capacity_mw, acres_per_mw), M2_PER_ACRE) * KM2_PER_M2


def land_km2_from_ha(capacity_mw, ha_per_mw):
    r"""Land area of a capacity at a land intensity in hectares per MW.

    Parameters
    ----------
    capacity_mw : numeric
        Capacity [MW].
    ha_per_mw : numeric
        Land intensity [ha/MW].

    Returns
    -------
    numeric
        Area [km2].

    References
    ----------
    .. [1] Denholm et al., "Land-Use Requirements of Modern Wind Power Plants in the United States",
       NREL/TP-6A2-45834 (2009): 34.5 ha/MW total project area.

    Examples
    --------
    >>> float(land_km2_from_ha(100, 34.5))
    34.5
    """
    return np.multiply(np.multiply(capacity_mw, ha_per_mw), M2_PER_HA) * KM2_PER_M2
