"""Hourly supply: energy balance, storage bounds, limits, calibration, sizing optimality, bad input."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stargate_report.catalog.assumptions import load_registry
from stargate_report.exceptions import ParameterError, UnknownNameError
from stargate_report.supply import accounting, costs, sizing
from stargate_report.supply import dispatch as supply
from stargate_report.supply.profiles import CF_TOLERANCE, region_profiles, regions

LOAD = 1000.0


@pytest.fixture(scope="module")
def tx():
    return region_profiles("us-tx")


def _run(p, *args, **kw):
    return supply.simulate(*args, solar_profile=p.solar, wind_profile=p.wind, keep_hourly=True, **kw)


@pytest.mark.parametrize("system", [
    (LOAD, 4000, 0, 1000, 8000),
    (LOAD, 2000, 3000, 500, 1000),
    (LOAD, 0, 0, 0, 0),
    (LOAD, 20_000, 10_000, 3000, 50_000),
])
def test_energy_balance_every_hour_and_soc_within_bounds(tx, system):
    r = _run(tx, *system)
    h = r.hourly
    assert np.abs(h.balance_residual()).max() <= 1e-9 * LOAD
    e_max = system[4]
    assert h.soc.min() >= -1e-9 * max(e_max, 1) and h.soc.max() <= e_max * (1 + 1e-12) + 1e-9
    assert np.all(h.charge <= system[3] + 1e-9) and np.all(h.discharge <= system[3] + 1e-9)
    assert np.all(h.grid >= -1e-9) and np.all(h.curtailed >= -1e-9)
    assert r.grid_import_mwh[0] == pytest.approx(h.grid.sum()) and r.grid_peak_mw[0] == pytest.approx(h.grid.max())


def test_no_supply_gives_zero_cfe_and_all_grid(tx):
    r = _run(tx, LOAD)
    assert r.hourly_cfe_share[0] == 0.0 and r.annual_match_share[0] == 0.0
    assert r.grid_import_mwh[0] == pytest.approx(LOAD * 8760) and r.grid_peak_mw[0] == pytest.approx(LOAD)


def test_overbuilt_system_reaches_full_cfe(tx):
    r = _run(tx, LOAD, 30 * LOAD, 20 * LOAD, 5 * LOAD, 200 * LOAD)
    assert r.hourly_cfe_share[0] == pytest.approx(1.0, abs=1e-12)
    assert r.grid_import_mwh[0] == pytest.approx(0.0, abs=1e-6)


def test_battery_shifts_energy_with_its_efficiency(tx):
    with_b = _run(tx, LOAD, 4000, 0, 1000, 8000)
    rte = 0.85
    assert with_b.discharge_mwh[0] == pytest.approx(with_b.charge_mwh[0] * rte, rel=1e-3)  # steady state over a year
    without = _run(tx, LOAD, 4000)
    assert with_b.hourly_cfe_share[0] > without.hourly_cfe_share[0]


def test_vectorized_equals_one_by_one(tx):
    solar = np.array([0.0, 2000, 4000, 6000])
    battery = np.array([0.0, 500, 1000, 2000])
    many = supply.simulate(LOAD, solar, 1000, battery, battery * 6, solar_profile=tx.solar, wind_profile=tx.wind)
    for i in range(4):
        one = supply.simulate(LOAD, solar[i], 1000, battery[i], battery[i] * 6, solar_profile=tx.solar,
                              wind_profile=tx.wind)
        assert many.hourly_cfe_share[i] == pytest.approx(one.hourly_cfe_share[0], abs=1e-12)


@pytest.mark.parametrize("region", ["us-tx", "us", "de", "jp", "no", "es", "ae"])
def test_capacity_factors_match_their_sources(region):
    p = region_profiles(region)
    reg = load_registry()
    for tech in ("solar", "wind"):
        row = reg.find(f"{tech}_capacity_factor", region, fallback=False)
        profile = getattr(p, tech)
        if row is None:
            assert profile is None  # no published value: no profile rather than an invented one
            continue
        assert profile.shape == (8760,) and profile.min() >= 0 and profile.max() <= 1
        assert abs(profile.mean() - row.base) <= CF_TOLERANCE


def test_solar_is_dark_at_night_and_peaks_near_noon():
    p = region_profiles("us-tx")
    by_hour = p.solar.reshape(365, 24).mean(axis=0)
    assert by_hour[0] == 0 and by_hour[23] == 0
    assert int(np.argmax(by_hour)) in (11, 12, 13)


def test_every_region_is_offered():
    assert set(regions()) == {"us-tx", "us", "de", "jp", "no", "es", "ae"}


@pytest.mark.parametrize("kwargs,key", [
    (dict(load_mw=100, solar_mw=-1), "solar_mw"),
    (dict(load_mw=100, battery_mwh=10), "battery_mw"),
    (dict(load_mw=100, round_trip_efficiency=1.2), "round_trip_efficiency"),
    (dict(load_mw=100, round_trip_efficiency=0), "round_trip_efficiency"),
    (dict(load_mw=0), "load_mw"),
    (dict(load_mw=100, wind_mw=float("nan")), "wind_mw"),
])
def test_bad_systems_are_refused(kwargs, key):
    with pytest.raises(ParameterError, match=f"'{key}'"):
        supply.simulate(**kwargs)


@pytest.mark.parametrize("target", [-0.1, 1.5, 90.0, float("nan")])
def test_targets_are_shares(target):
    with pytest.raises(ParameterError, match="not percent"):
        sizing.size_mixes("us-tx", 100, [target])


def test_unknown_region():
    with pytest.raises(UnknownNameError, match="known: ae, de, es, jp, no, us, us-tx"):
        sizing.size_mixes("fr", 100, [0.5])


@pytest.fixture(scope="module")
def sized():
    return sizing.size_mixes("us-tx", LOAD, [0.8, 0.95])


def test_sizing_meets_the_target_and_costs_rise_with_it(sized):
    for mix in sized:
        assert mix.feasible and mix.hourly_cfe_share >= mix.target_cfe - 1e-12
    assert sized[0].cost_usd_per_mwh < sized[1].cost_usd_per_mwh


def test_sizing_is_no_dearer_than_any_mix_on_the_grid_around_it(sized, tx):
    unit_costs = costs.SupplyCosts.from_registry()
    for mix in sized:
        x = np.array([mix.solar_mw, mix.wind_mw, mix.battery_mw]) / LOAD
        d = mix.battery_mwh / mix.battery_mw if mix.battery_mw else 0.0
        centre = np.array([*x, d])
        steps = sizing.MIN_STEP
        offsets = np.array(np.meshgrid(*[[-1, 0, 1]] * 4, indexing="ij")).reshape(4, -1).T
        grid = np.maximum(centre + offsets * steps, 0.0)
        s, w, b, dur = grid.T
        res = supply.simulate(LOAD, s * LOAD, w * LOAD, b * LOAD, b * dur * LOAD, solar_profile=tx.solar,
                              wind_profile=tx.wind)
        cost = unit_costs.annual_cost_usd(s * LOAD, w * LOAD, b * LOAD, b * dur * LOAD)
        feasible = res.hourly_cfe_share >= mix.target_cfe - 1e-12
        assert feasible.any()
        assert cost[feasible].min() >= mix.annual_cost_usd * (1 - 1e-9)


def test_a_mix_scales_with_the_load_and_its_shares_and_unit_cost_do_not(sized):
    other = sizing.size_mixes("us-tx", LOAD * 3.7, [0.8, 0.95])
    for a, b in zip(sized, other, strict=True):
        for f in ("solar_mw", "wind_mw", "battery_mw", "battery_mwh", "capex_usd", "annual_cost_usd"):
            assert getattr(b, f) == pytest.approx(3.7 * getattr(a, f), rel=1e-12)
        for f in ("hourly_cfe_share", "annual_match_share", "cost_usd_per_mwh", "feasible"):
            assert getattr(b, f) == pytest.approx(getattr(a, f), rel=1e-12)
    # and the shares are what the dispatch of that mix at that load gives
    tx = region_profiles("us-tx")
    m = other[1]
    sim = supply.simulate(m.load_mw, m.solar_mw, m.wind_mw, m.battery_mw, m.battery_mwh, solar_profile=tx.solar,
                          wind_profile=tx.wind)
    assert sim.hourly_cfe_share[0] == pytest.approx(m.hourly_cfe_share, rel=1e-12)


def test_sizing_is_read_back_from_the_cache_and_costs_are_part_of_its_key(tmp_path, monkeypatch):
    monkeypatch.setenv("STARGATE_REPORT_CACHE_DIR", str(tmp_path))
    searched = []
    real = sizing._search_unit_mixes
    monkeypatch.setattr(sizing, "_search_unit_mixes", lambda *a: searched.append(1) or real(*a))
    first = sizing.size_mixes("de", 500.0, [0.9])
    again = sizing.size_mixes("de", 800.0, [0.9])  # another load: the same mix per MW of load
    assert len(searched) == 1 and len(list(tmp_path.glob("least-cost-mixes-*.npz"))) == 1
    assert again[0].solar_mw == pytest.approx(first[0].solar_mw * 800 / 500, rel=1e-12)
    dearer = costs.SupplyCosts.from_registry()
    dearer = dataclasses.replace(dearer, battery_energy_usd_per_kwh=dearer.battery_energy_usd_per_kwh * 2)
    sizing.size_mixes("de", 500.0, [0.9], costs=dearer)
    sizing.size_mixes("de", 500.0, [0.9], allow_battery=False)
    assert len(searched) == 3  # other costs, other options: searched anew


def test_premium_over_annual_matching_is_plausible():
    # EPRI (Bistline et al. 2025, P103): the CFE premium over annual matching is 1-130 USD/MWh across US regions
    rows = sizing.cost_curve("us-tx", LOAD, targets=(0.8,))
    assert 1 <= rows[0]["premium_usd_per_mwh"] <= 130


def test_emissions_accounting_hand_computed():
    out = accounting.emissions_accounting_tco2e(1000.0, 600.0, 300.0, 400.0)
    assert out["location_annual"] == pytest.approx(400.0)  # 1,000 MWh x 0.4 t/MWh
    assert out["location_hourly"] == pytest.approx(400.0)
    assert out["market_annual"] == pytest.approx(160.0)  # (1,000 - 600) x 0.4
    assert out["market_hourly"] == pytest.approx(120.0)  # 300 x 0.4
    assert accounting.emissions_accounting_tco2e(1000.0, 1500.0, 0.0, 400.0)["market_annual"] == 0.0


@settings(max_examples=15, deadline=None)
@given(st.floats(0, 10), st.floats(0, 5), st.floats(0, 2), st.floats(0, 48))
def test_property_shares_in_range_and_balance(s, w, b, d):
    p = region_profiles("us-tx")
    r = supply.simulate(LOAD, s * LOAD, w * LOAD, b * LOAD, b * d * LOAD, solar_profile=p.solar,
                        wind_profile=p.wind, keep_hourly=True)
    assert 0 <= r.hourly_cfe_share[0] <= r.annual_match_share[0] + 1e-12 <= 1 + 1e-12
    assert np.abs(r.hourly.balance_residual()).max() <= 1e-9 * LOAD


def _soc_by_the_hour(flow, cap, passes):
    """The recurrence written out hour by hour: s_t = min(E, max(0, s_{t-1} + x_t))."""
    s = np.zeros(flow.shape[1])
    out = np.empty_like(flow)
    for _ in range(passes):
        for h in range(flow.shape[0]):
            s = np.minimum(cap, np.maximum(0.0, s + flow[h]))
            out[h] = s
    return out


@pytest.mark.parametrize("hours", [8760, 240, 121, 7])
@pytest.mark.parametrize("passes", [1, 2, 3])
def test_block_scan_equals_the_hourly_recurrence(hours, passes):
    rng = np.random.default_rng(hours + passes)
    flow = rng.normal(0.0, 40.0, (hours, 9)) + rng.normal(0.0, 10.0, 9)  # some stores drift full or empty
    cap = np.array([0.0, 1.0, 50.0, 100.0, 400.0, 1e3, 1e4, 1e9, 25.0])
    end, start = supply.state_of_charge_mwh(flow, cap, passes)
    expected = _soc_by_the_hour(flow, cap, passes)
    np.testing.assert_allclose(end, expected, rtol=0, atol=1e-9 * cap.max())
    assert np.all(end >= 0) and np.all(end <= cap + 1e-9)
    np.testing.assert_allclose(start[1:], end[:-1])
    first = _soc_by_the_hour(flow, cap, passes - 1)[-1] if passes > 1 else np.zeros(9)  # where the pass began
    np.testing.assert_allclose(start[0], first, atol=1e-9 * cap.max())


def test_tmy2_reader_agrees_with_pvlib():
    import pvlib

    from stargate_report.supply.profiles import _pvlib_data, read_tm2

    path = _pvlib_data("12839.tm2")
    ghi, wind, lat, lon = read_tm2(path)
    data, meta = pvlib.iotools.read_tmy2(path)
    np.testing.assert_array_equal(ghi, data["GHI"].to_numpy(float))
    np.testing.assert_allclose(wind * 10.0, data["Wspd"].to_numpy(float))  # pvlib keeps the file's 0.1 m/s
    assert (lat, lon) == pytest.approx((meta["latitude"], meta["longitude"]))


def test_a_capacity_factor_out_of_reach_is_refused_naming_what_is_reachable():
    from stargate_report.exceptions import ParameterError
    from stargate_report.supply.profiles import _solar_transform, calibrate

    shape = np.linspace(0.0, 1.0, 24)
    with pytest.raises(ParameterError, match=r"'target_cf': 45.0; allowed: a mean this profile shape can reach, "
                                             r"between 5e-07 and 0.958"):
        calibrate(shape, 45.0, _solar_transform)


def test_a_registry_capacity_factor_out_of_reach_is_a_data_error_naming_its_row(monkeypatch):
    import dataclasses

    from stargate_report.catalog import assumptions
    from stargate_report.exceptions import DataError
    from stargate_report.supply import profiles

    reg = assumptions.load_registry()
    row = reg.find("solar_capacity_factor", "de", fallback=False)
    rows = dict(reg.rows) | {row.id: dataclasses.replace(row, base=24.0)}  # a percentage typed for a fraction
    monkeypatch.setattr(profiles, "load_registry", lambda: assumptions.Registry(rows))
    monkeypatch.setenv("STARGATE_REPORT_CACHE_DIR", "")  # derive, do not read a cached file
    profiles._all_profiles.cache_clear()
    try:
        with pytest.raises(DataError, match=rf"assumptions.csv: record {row.id}, field 'base': the solar profile "
                                            r"of region 'de' cannot have a mean capacity factor of 24"):
            profiles._all_profiles()
    finally:
        profiles._all_profiles.cache_clear()
