"""Hourly solar and wind output per MW for each region (8,760 hours), read from the shipped files.

The profiles are derived offline by ``scripts/build_profiles.py`` (pvlib and windpowerlib; ``pip install
stargate-report[profiles]``) from measured typical-year weather: NREL NSRDB TMY3 (Texas and five more US
stations), the DWD/BBSR test reference year (Mannheim) and ASHRAE IWEC (Madrid, Tokyo, Bergen). The
package ships only the derived per-MW arrays (``catalog/data/profiles.npz``, uint16) and their provenance
(``catalog/data/profiles.yaml``: stations, datasets, licences, attribution, method, calibration); nothing
here reads weather files or imports pvlib or windpowerlib.

* **Solar** (AC per MW_AC, DC/AC 1.3): single-axis tracking with backtracking (default) or fixed tilt at
  the latitude; Perez transposition of the file's irradiance, SAPM cell temperature, PVWatts DC model,
  14.08 % PVWatts losses, inverter clipping. Not calibrated.
* **Wind**: Vestas V126/3300 at 100 m, day/night shear exponents (0.14 / 0.28) from the 10 m station wind,
  density-corrected power curve, 12 % farm losses; the hub speed is scaled by one factor so that the
  annual CF equals the region's fleet figure (``assumptions.csv``) where the raw airport CF is more than
  10 % off it.
* **ae** has no weather file: a clear-sky model (pvlib Ineichen) calibrated to its cited CF, flagged
  ``clear-sky model, no measured weather``; no wind profile.

Row ``i`` is the hour ending at ``i + 1`` o'clock local standard time (the ``us`` composite: US Central).
"""
from __future__ import annotations

import csv
import functools
import zipfile
from dataclasses import dataclass, field

import numpy as np

from stargate_report.catalog import files as datafiles
from stargate_report.constants import HOURS_PER_YEAR
from stargate_report.exceptions import DataError, ParameterError, UnknownNameError

N_HOURS = int(HOURS_PER_YEAR)
#: stored value = round(per-MW value x UINT16_SCALE)
UINT16_SCALE = 65535
PROFILES_NPZ, PROFILES_YAML = "profiles.npz", "profiles.yaml"
MOUNTS = ("tracking", "fixed")
#: sites with their own weather station (the profile key in the shipped files)
SITES = {"abilene": "abilene"}


@dataclass(frozen=True)
class RegionProfiles:
    """Hourly output per MW of capacity [MW/MW] for one region (or site); ``None`` where none is shipped."""

    region: str
    solar: np.ndarray | None
    wind: np.ndarray | None
    mount: str = "tracking"
    site: str | None = None
    weather: dict = field(default_factory=dict, repr=False, compare=False)
    #: registry rows the profile levels are calibrated to (wind fleet CF; the ae solar CF)
    solar_assumption: str | None = None
    wind_assumption: str | None = None

    @property
    def key(self) -> str:
        """Which profile of the shipped files: the site's own station, else the region's."""
        return SITES.get(self.site or "", self.region)

    def capacity_factor(self, tech: str) -> float | None:
        p = getattr(self, tech)
        return None if p is None else float(p.mean())

    def diurnal(self, tech: str) -> list[float] | None:
        """24 hourly means (hour ending 1..24, local standard time) of ``tech`` [MW/MW]."""
        p = getattr(self, tech)
        return None if p is None else [float(v) for v in p.reshape(365, 24).mean(axis=0)]


@functools.cache
def regions() -> dict[str, dict]:
    with open(datafiles.path("regions.csv"), newline="", encoding="utf-8") as fh:
        return {r["id"]: r for r in csv.DictReader(fh)}


@functools.cache
def metadata() -> dict:
    """The provenance file ``profiles.yaml`` (method, stations, licences, calibration per region)."""
    meta = datafiles.read_yaml(datafiles.path(PROFILES_YAML))
    if not isinstance(meta, dict) or "regions" not in meta:
        raise DataError(datafiles.path(PROFILES_YAML), "-", "regions", "missing: rebuild with scripts/build_profiles.py")
    return meta


@functools.cache
def _arrays() -> dict[str, np.ndarray]:
    path = datafiles.path(PROFILES_NPZ)
    try:
        with np.load(path) as z:
            out = {k: z[k].astype(np.float64) / UINT16_SCALE for k in z.files}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise DataError(path, "-", "-", f"cannot read: {exc}") from exc
    for name, a in out.items():
        if a.shape != (N_HOURS,):
            raise DataError(path, name, "shape", f"{a.shape}, expected ({N_HOURS},)")
        a.setflags(write=False)
    return out


def _weather(key: str) -> dict:
    """Station id, name, dataset, source, licence, attribution and calibration of one profile key."""
    m = metadata()["regions"][key]
    st = m["stations"]
    wind = m.get("wind") or {}
    solar = m.get("solar") or {}
    calibration = {"solar": (f"irradiance scaled by {solar['irradiance_scale']:.3f} to the cited CF "
                             f"{solar['target_cf']} ({solar['target_source']})") if solar.get("calibrated")
                   else "none (measured weather)"}
    if wind:
        calibration["wind"] = (f"hub speed x {wind['calibration_factor_hub_speed']:.3f}: CF {wind['cf_raw']:.3f} -> "
                               f"{wind['cf_calibrated']:.3f} ({wind['fleet_target_source']})"
                               if wind.get("calibrated") else f"none (raw CF {wind['cf_raw']:.3f} within 10 % of the fleet figure)")
    return {"station_id": ";".join(str(s["station_id"]) for s in st), "name": "; ".join(s["label"] for s in st),
            "dataset": "; ".join(sorted({s["dataset"] for s in st})), "source": "; ".join(sorted({s["source"] for s in st})),
            "licence": "; ".join(sorted({s["licence"] for s in st})),
            "attribution": " ".join(sorted({s["attribution"] for s in st})),
            "flag": m.get("flag") or "", "composite": m.get("composite") or "", "calibration": calibration,
            "time_convention": m["time_convention"], "profile": key}


def profile_keys() -> list[str]:
    """Every region and site with shipped profiles."""
    return list(metadata()["regions"])


@functools.cache
def region_profiles(region: str, site: str | None = None, mount: str = "tracking") -> RegionProfiles:
    """Hourly solar and wind profiles per MW for ``region`` (or its ``site``, where the site has a station).

    Parameters
    ----------
    region : str
        Region id (``regions.csv``).
    site : str, optional
        Site id; ``abilene`` uses the Abilene station (722660), other sites their region's station.
    mount : {"tracking", "fixed"}
        Solar: single-axis tracking with backtracking, or fixed tilt at the latitude.

    Returns
    -------
    RegionProfiles
        ``solar``, ``wind`` (read-only arrays of 8,760 values, or ``None``) and ``weather`` (station id,
        name, dataset, source, licence, attribution, calibration).
    """
    regs = regions()
    if region not in regs:
        raise UnknownNameError("region", region, list(regs))
    if mount not in MOUNTS:
        raise ParameterError("pv_mount", mount, "one of " + ", ".join(MOUNTS))
    key = SITES.get(site or "", region)
    if key not in metadata()["regions"]:
        raise DataError(datafiles.path(PROFILES_YAML), key, "regions", "no profile shipped for this region")
    arrays = _arrays()
    m = metadata()["regions"][key]
    solar_assumption = wind_assumption = None
    if (m.get("solar") or {}).get("calibrated"):
        solar_assumption = m["solar"]["target_source"].split()[2]
    if (m.get("wind") or {}).get("fleet_target_source"):
        wind_assumption = m["wind"]["fleet_target_source"].split()[2]
    return RegionProfiles(region, arrays.get(f"{key}.solar_{mount}"), arrays.get(f"{key}.wind"), mount,
                          site if key != region else None, _weather(key), solar_assumption, wind_assumption)
