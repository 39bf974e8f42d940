"""Hourly solar and wind output per MW for each region (8,760 hours), built offline from pvlib's data.

Method (documented, not measured regional data):

* **Solar.** Clear-sky irradiance (Ineichen model with the Linke-turbidity climatology that pvlib ships)
  at the region's representative location, transposed to a south-facing plane tilted at the latitude,
  times a *daily clearness index* taken from a measured TMY year that pvlib ships (the region's
  ``cloud_donor`` in ``regions.csv``: the site nearest in climate of the three available). The AC output
  per MW is ``min(alpha x shape, 1)``; ``alpha`` (DC/AC ratio and losses) is solved so that the annual
  capacity factor equals the region's cited value in ``assumptions.csv``.
* **Wind.** The hourly 10 m wind speed of the windiest TMY year that pvlib ships (Sand Point, Alaska),
  through an idealised power curve ``min((v / v_rated)^3, 1)``; ``v_rated`` is solved so that the annual
  capacity factor equals the cited regional value.

So the level (capacity factor) is the region's published value; the diurnal and seasonal shape of solar
is the region's own; the weather variability (cloudy days, calm spells) is borrowed from a measured year
elsewhere. Regions without a published capacity factor get no profile for that technology.

References
----------
.. [1] Ineichen & Perez, "A new airmass independent formulation for the Linke turbidity coefficient",
   Solar Energy 73(3) 2002; Remund et al., "Worldwide Linke turbidity information", ISES 2003.
.. [2] Wilcox & Marion, "Users Manual for TMY3 Data Sets", NREL/TP-581-43156 (2008).
"""
from __future__ import annotations

import contextlib
import csv
import functools
import os
import warnings
from dataclasses import dataclass

import numpy as np

from stargate_report.catalog import files as datafiles
from stargate_report.catalog.assumptions import load_registry
from stargate_report.constants import HOURS_PER_YEAR
from stargate_report.exceptions import DataError, ParameterError, UnknownNameError
from stargate_report.supply import arraycache

N_HOURS = int(HOURS_PER_YEAR)
YEAR = 2023  # a non-leap calendar year for the hourly index
WIND_DONOR = "703165TY.csv"
#: calibration tolerance on the annual capacity factor [fraction]; the solver reaches far below it
CF_TOLERANCE = 1e-6


@dataclass(frozen=True)
class RegionProfiles:
    """Hourly output per MW of capacity [MW/MW] for one region; ``None`` where no CF is published."""

    region: str
    solar: np.ndarray | None
    wind: np.ndarray | None
    solar_assumption: str | None
    wind_assumption: str | None
    cloud_donor: str
    wind_donor: str

    def capacity_factor(self, tech: str) -> float | None:
        p = getattr(self, tech)
        return None if p is None else float(p.mean())


@functools.cache
def regions() -> dict[str, dict]:
    with open(datafiles.path("regions.csv"), newline="", encoding="utf-8") as fh:
        return {r["id"]: r for r in csv.DictReader(fh)}


def _pvlib_data(name: str) -> str:
    import pvlib

    return os.path.join(os.path.dirname(pvlib.__file__), "data", name)


#: TMY2 fixed-width fields (0-based character slices of an hourly line): global horizontal irradiance
#: [Wh/m2] and wind speed [0.1 m/s]; NREL, "User's Manual for TMY2s", NREL/TP-463-7668 (1995), table 3-1
TM2_GHI, TM2_WSPD = slice(17, 21), slice(95, 98)


def read_tm2(path: str) -> tuple[np.ndarray, np.ndarray, float, float]:
    """GHI [W/m2], wind speed [m/s], latitude and longitude [degrees] of a TMY2 file.

    Reads only the two fields the profiles need (``pvlib.iotools.read_tmy2`` parses all 70 in Python,
    about 1 s per file); the test suite checks both against pvlib's reader.
    """
    with open(path, encoding="ascii") as fh:
        head = fh.readline().split()
        lines = fh.read().splitlines()
    ghi = np.array([float(line[TM2_GHI]) for line in lines])
    wind = np.array([float(line[TM2_WSPD]) for line in lines]) / 10.0
    ns, lat_d, lat_m, ew, lon_d, lon_m = head[-7:-1]
    lat = (float(lat_d) + float(lat_m) / 60.0) * (1.0 if ns == "N" else -1.0)
    lon = (float(lon_d) + float(lon_m) / 60.0) * (-1.0 if ew == "W" else 1.0)
    return ghi, wind, lat, lon


@functools.cache
def _tmy(name: str):
    """(ghi [W/m2], wind speed [m/s], latitude, longitude) of a TMY file shipped with pvlib."""
    import pvlib

    path = _pvlib_data(name)
    if name.lower().endswith(".tm2"):
        ghi, wind, lat, lon = read_tm2(path)
        return ghi[:N_HOURS], wind[:N_HOURS], lat, lon
    else:
        data, meta = pvlib.iotools.read_tmy3(path, map_variables=True)
        ghi, wind = data["ghi"].to_numpy(float), data["wind_speed"].to_numpy(float)
    return ghi[:N_HOURS], wind[:N_HOURS], float(meta["latitude"]), float(meta["longitude"])


def _times_utc(longitude: float):
    """Hour-centred timestamps of local standard time (offset from longitude), as UTC."""
    import pandas as pd

    offset_h = round(longitude / 15.0)
    local = pd.date_range(f"{YEAR}-01-01 00:30", periods=N_HOURS, freq="h")
    return (local - pd.Timedelta(hours=offset_h)).tz_localize("UTC")


@contextlib.contextmanager
def _quiet():
    """Hide pandas' deprecation notices raised inside pvlib (third-party; nothing a user can act on)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*deprecated.*", category=Warning, module=r"pvlib\..*")
        warnings.filterwarnings("ignore", message=r".*dayofyear is deprecated.*")
        yield


@functools.cache
def _clearsky(latitude: float, longitude: float):
    import pvlib

    with _quiet():
        times = _times_utc(longitude)
        loc = pvlib.location.Location(latitude, longitude, tz="UTC")
        sp = loc.get_solarposition(times)
        # the clear sky from the same solar position (it would compute its own, the same, again)
        cs = loc.get_clearsky(times, model="ineichen", solar_position=sp)
    return times, cs, sp


@functools.cache
def daily_clearness(donor: str) -> np.ndarray:
    """Measured daily GHI / clear-sky GHI of a TMY year, one value per day (365) [unitless]."""
    ghi, _, lat, lon = _tmy(donor)
    _, cs, _ = _clearsky(lat, lon)
    day_meas = ghi.reshape(365, 24).sum(axis=1)
    day_clear = cs["ghi"].to_numpy().reshape(365, 24).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(day_clear > 0, day_meas / day_clear, 0.0)
    return np.clip(k, 0.0, 1.2)


def solar_shape(latitude: float, longitude: float, donor: str) -> np.ndarray:
    """Plane-of-array irradiance / 1000 W/m2 with the donor's daily cloudiness [unitless], 8,760 values."""
    import pvlib

    _, cs, sp = _clearsky(latitude, longitude)
    tilt = min(abs(latitude), 60.0)
    azimuth = 180.0 if latitude >= 0 else 0.0
    with _quiet():
        poa = pvlib.irradiance.get_total_irradiance(tilt, azimuth, sp["apparent_zenith"], sp["azimuth"],
                                                    cs["dni"], cs["ghi"], cs["dhi"])["poa_global"].to_numpy()
    poa = np.nan_to_num(poa, nan=0.0).clip(min=0.0)
    k = np.repeat(daily_clearness(donor), 24)
    return poa / 1000.0 * k


def calibrate(shape: np.ndarray, target_cf: float, transform) -> tuple[np.ndarray, float]:
    """Solve the scalar ``x`` of ``transform(shape, x)`` whose mean is ``target_cf`` (Brent on a monotone map)."""
    from scipy.optimize import brentq

    def gap(x):
        return transform(shape, x).mean() - target_cf

    lo, hi = 1e-6, 1e3
    if gap(lo) * gap(hi) > 0:
        reach = sorted((gap(lo) + target_cf, gap(hi) + target_cf))
        raise ParameterError("target_cf", target_cf, f"a mean this profile shape can reach, between "
                             f"{reach[0]:.3g} and {reach[1]:.3g}")
    x = brentq(gap, lo, hi, xtol=1e-12, rtol=1e-12)
    return transform(shape, x), x


def _calibrated(shape: np.ndarray, row, transform, what: str) -> np.ndarray:
    """:func:`calibrate` to a registry row's capacity factor; one out of reach is a data error naming the
    row of ``assumptions.csv``."""
    try:
        return calibrate(shape, row.base, transform)[0]
    except ParameterError as exc:
        raise DataError(datafiles.path("assumptions.csv"), row.id, "base",
                        f"the {what} cannot have a mean capacity factor of {row.base:g}; {exc.allowed} "
                        "(check the value and its unit: a fraction, not a percentage)") from None


def _solar_transform(shape, alpha):
    return np.minimum(alpha * shape, 1.0)


def _wind_transform(speed, v_rated):
    return np.minimum((speed / v_rated) ** 3, 1.0)


@functools.cache
def region_profiles(region: str) -> RegionProfiles:
    """Hourly solar and wind profiles per MW for ``region``.

    The profiles of every region are derived together (:func:`_all_profiles`) and kept in this process
    and on disk (:mod:`stargate_report.supply.arraycache`): about 0.45 s (plus 0.8 s of pvlib and scipy
    imports) the first time on a machine, a few milliseconds after that.
    """
    regs = regions()
    if region not in regs:
        raise UnknownNameError("region", region, list(regs))
    r = regs[region]
    reg = load_registry()
    solar_row = reg.find("solar_capacity_factor", region, fallback=False)
    wind_row = reg.find("wind_capacity_factor", region, fallback=False)
    arrays = _all_profiles()
    solar, wind = arrays[f"{region}__solar"], arrays[f"{region}__wind"]
    return RegionProfiles(region, solar, wind, solar_row.id if solar_row else None,
                          wind_row.id if wind_row else None, r["cloud_donor"], WIND_DONOR)


def _profiles_key():
    """Every region's row and capacity-factor rows, and the key of their profiles in the cache."""
    regs = regions()
    reg = load_registry()
    rows = {name: (r, reg.find("solar_capacity_factor", name, fallback=False),
                   reg.find("wind_capacity_factor", name, fallback=False)) for name, r in regs.items()}
    key = {"wind_donor": WIND_DONOR, "regions": {
        name: {"region": r, "solar": [s.id, s.base] if s is not None else None,
               "wind": [w.id, w.base] if w is not None else None} for name, (r, s, w) in rows.items()}}
    return rows, key


def uncached_regions() -> list[str]:
    """The regions whose profiles are not in the on-disk cache yet (a first run on this machine, or
    changed inputs; all of them, as they are derived together): deriving them needs pvlib and scipy."""
    rows, key = _profiles_key()
    return [] if arraycache.is_cached("region-profiles", key) else list(rows)


@functools.cache
def _all_profiles() -> dict[str, np.ndarray | None]:
    """``{"<region>__solar" | "<region>__wind": profile or None}`` for every region, derived in one go.

    One derivation for all regions, under one lock of the cache: a briefing compares every region
    anyway, and processes side by side (a sweep's first runs) then import pvlib and scipy once between
    them: the others wait for the file instead of each deriving its own region first.
    """
    rows, key = _profiles_key()

    def derive() -> dict[str, np.ndarray | None]:
        out: dict[str, np.ndarray | None] = {}
        for name, (r, solar_row, wind_row) in rows.items():
            out[f"{name}__solar"] = out[f"{name}__wind"] = None
            if solar_row is not None:
                shape = solar_shape(float(r["latitude"]), float(r["longitude"]), r["cloud_donor"])
                out[f"{name}__solar"] = _calibrated(shape, solar_row, _solar_transform,
                                                    f"solar profile of region '{name}'")
            if wind_row is not None:
                _, speed, _, _ = _tmy(WIND_DONOR)
                out[f"{name}__wind"] = _calibrated(speed, wind_row, _wind_transform,
                                                   f"wind profile of region '{name}'")
        return out

    # derived once per machine: a later process reads them back without importing pvlib or scipy
    arrays = arraycache.cached_arrays("region-profiles", key, derive)
    for a in arrays.values():
        if a is not None:
            a.setflags(write=False)
    return arrays
