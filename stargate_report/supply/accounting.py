"""Emissions of a campus under the four accounting views (location or market based, annual or hourly)."""
from __future__ import annotations

import numpy as np


# -- emissions accounting -------------------------------------------------------------------------
def emissions_accounting_tco2e(load_mwh, renewable_mwh, grid_import_mwh, grid_intensity_g_per_kwh) -> dict:
    r"""Four views of the same campus's emissions [tCO2e/yr], with the method named.

    * ``location_annual``: all consumption at the grid's average intensity (GHG Protocol location-based).
    * ``location_hourly``: consumption in each hour at that hour's grid intensity; with a flat (annual
      average) intensity, as here, it equals ``location_annual``.
    * ``market_annual``: consumption not covered by renewable generation over the year (annual matching
      of certificates) at the grid intensity.
    * ``market_hourly``: energy imported from the grid in the hours when own supply fell short (24/7 CFE).

    Parameters are in MWh per year and gCO2e/kWh; intensity is applied as MWh x g/kWh / 1000 = t.
    """
    ci = np.asarray(grid_intensity_g_per_kwh, float) / 1000.0  # t per MWh
    load = np.asarray(load_mwh, float)
    residual = np.maximum(load - np.asarray(renewable_mwh, float), 0.0)
    return {"location_annual": load * ci, "location_hourly": load * ci, "market_annual": residual * ci,
            "market_hourly": np.asarray(grid_import_mwh, float) * ci}
