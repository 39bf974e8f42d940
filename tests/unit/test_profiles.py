"""The shipped hourly profiles (catalog/data/profiles.npz + profiles.yaml): read without weather files,
pvlib or windpowerlib; physically sensible; levels near the fleet figures they are calibrated to."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from stargate_report.catalog.assumptions import load_registry
from stargate_report.exceptions import ParameterError, UnknownNameError
from stargate_report.supply.profiles import metadata, profile_keys, region_profiles, regions


def test_every_region_and_the_abilene_site_have_profiles_with_provenance():
    assert set(regions()) <= set(profile_keys()) and "abilene" in profile_keys()
    for region in regions():
        p = region_profiles(region)
        assert p.solar.shape == (8760,) and 0 <= p.solar.min() and p.solar.max() <= 1
        w = p.weather
        for key in ("station_id", "name", "dataset", "source", "licence", "attribution", "calibration"):
            assert w[key], (region, key)
    assert region_profiles("ae").wind is None  # no measured wind: no wind profile
    assert region_profiles("ae").weather["flag"] == "clear-sky model, no measured weather"
    assert metadata()["regions"]["ae"]["flag"] == "clear-sky model, no measured weather"


def test_the_abilene_site_uses_the_abilene_station():
    site = region_profiles("us-tx", site="abilene")
    assert site.weather["station_id"] == "722660" and "Abilene" in site.weather["name"]
    assert region_profiles("us-tx").weather["station_id"] == "722560"  # Waco for the region
    assert region_profiles("us-tx", site="milam-county").weather["station_id"] == "722560"
    assert not np.array_equal(site.solar, region_profiles("us-tx").solar)


@pytest.mark.parametrize("region", ["us-tx"])
def test_hub_height_wind_in_texas_peaks_at_night(region):
    for site in (None, "abilene"):
        diurnal = np.array(region_profiles(region, site).diurnal("wind"))  # hour ending 1..24, local standard time
        peak = int(np.argmax(diurnal)) + 1
        assert peak >= 20 or peak <= 6, peak
        night = diurnal[np.r_[0:6, 20:24]].mean()
        day = diurnal[9:17].mean()
        assert night > day


@pytest.mark.parametrize("region", ["us-tx", "us", "de", "jp", "no", "es", "ae"])
def test_tracking_yields_more_than_fixed_tilt(region):
    assert region_profiles(region, mount="tracking").solar.mean() > region_profiles(region, mount="fixed").solar.mean()


@pytest.mark.parametrize("region", ["us-tx", "us", "de", "jp", "no", "es"])
def test_wind_level_is_the_fleet_figure_of_the_registry(region):
    p = region_profiles(region)
    row = load_registry().find("wind_capacity_factor", region, fallback=False)
    assert p.wind_assumption == row.id
    assert p.wind.mean() == pytest.approx(row.base, abs=1e-3)


def test_solar_levels_are_near_the_fleet_figures():
    # Waco tracking per MW_AC within the US utility-PV range (LBNL: ~24 % fleet, 25-30 % for Texas trackers)
    assert 0.24 <= region_profiles("us-tx").solar.mean() <= 0.30
    # Mannheim fixed tilt per MW_DC (DC/AC 1.3) near the German fleet's ~10-11 % per kW_p
    assert 0.10 <= region_profiles("de", mount="fixed").solar.mean() / 1.3 <= 0.13
    # ae is calibrated to its cited capacity factor
    assert region_profiles("ae").solar.mean() == pytest.approx(load_registry().get("solar_capacity_factor", "ae").base,
                                                               abs=1e-4)


def test_solar_is_dark_at_night_and_peaks_around_noon():
    by_hour = np.array(region_profiles("us-tx").diurnal("solar"))
    assert by_hour[0] == 0 and by_hour[23] == 0
    assert int(np.argmax(by_hour)) + 1 in (12, 13, 14, 15)  # hour ending, CST


def test_bad_names_are_refused():
    with pytest.raises(UnknownNameError, match="known: ae, de, es, jp, no, us, us-tx"):
        region_profiles("fr")
    with pytest.raises(ParameterError, match="pv_mount"):
        region_profiles("de", mount="dual-axis")


def test_reading_the_profiles_imports_neither_pvlib_nor_windpowerlib():
    code = ("import sys\nfrom stargate_report.supply.profiles import region_profiles, regions\n"
            "[region_profiles(r) for r in regions()]\n"
            "print(sorted(m for m in ('pvlib', 'windpowerlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
