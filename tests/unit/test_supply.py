"""Hourly supply: energy balance, storage bounds, limits, calibration, sizing optimality, bad input."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stargate_report.exceptions import ParameterError, UnknownNameError
from stargate_report.supply import accounting, costs, sizing
from stargate_report.supply import dispatch as supply
from stargate_report.supply.profiles import region_profiles

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


def test_the_greedy_dispatch_of_the_least_cost_mix_imports_what_the_lp_imports(sized, tx):
    """The briefing charts the greedy hourly dispatch of the LP's mix: with a flat grid price and clean share,
    discharging whenever short and charging whenever long imports the least, as the LP does."""
    grid = costs.GridTerms.from_registry("us-tx")
    for mix in sized:
        sim = supply.simulate(LOAD, mix.solar_mw, mix.wind_mw, mix.battery_mw, mix.battery_mwh, solar_profile=tx.solar,
                              wind_profile=tx.wind, grid_cfe_share=grid.cfe_share)
        assert sim.hourly_cfe_share[0] == pytest.approx(mix.hourly_cfe_share, abs=2e-4)
        assert sim.grid_import_mwh[0] == pytest.approx(mix.grid_import_mwh, rel=2e-3)


def test_a_mix_scales_with_the_load_and_its_shares_and_unit_cost_do_not(sized):
    other = sizing.size_mixes("us-tx", LOAD * 3.7, [0.8, 0.95])
    for a, b in zip(sized, other, strict=True):
        for f in ("solar_mw", "wind_mw", "battery_mw", "battery_mwh", "capex_usd", "annual_cost_usd"):
            assert getattr(b, f) == pytest.approx(3.7 * getattr(a, f), rel=1e-12)
        for f in ("hourly_cfe_share", "annual_match_share", "cost_usd_per_mwh", "feasible"):
            assert getattr(b, f) == pytest.approx(getattr(a, f), rel=1e-12)
    # and the shares are what the dispatch of that mix at that load gives
    assert other[1].grid_import_mwh == pytest.approx(3.7 * sized[1].grid_import_mwh, rel=1e-12)


def test_sizing_is_read_back_from_the_cache_and_costs_are_part_of_its_key(tmp_path, monkeypatch):
    monkeypatch.setenv("STARGATE_REPORT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(sizing, "_MEMO", {})
    solved = []
    real = sizing._solve
    monkeypatch.setattr(sizing, "_solve", lambda *a: solved.append(1) or real(*a))
    dearer = costs.SupplyCosts.from_registry()
    dearer = dataclasses.replace(dearer, battery_energy_usd_per_kwh=dearer.battery_energy_usd_per_kwh * 2)
    first = sizing.size_mixes("de", 500.0, [0.9], costs=dearer)  # not in the shipped table: solved
    assert len(solved) == 1 and first[0].solved_by == "lp" and len(list(tmp_path.glob("cfe-lp-*.npz"))) == 1
    again = sizing.size_mixes("de", 800.0, [0.9], costs=dearer)  # another load: the same mix per MW of load
    assert len(solved) == 1 and again[0].solar_mw == pytest.approx(first[0].solar_mw * 800 / 500, rel=1e-12)
    monkeypatch.setattr(sizing, "_MEMO", {})
    assert sizing.size_mixes("de", 500.0, [0.9], costs=dearer)[0].solved_by == "cache" and len(solved) == 1
    sizing.size_mixes("de", 500.0, [0.9], costs=dearer, allow_battery=False)
    assert len(solved) == 2  # other options: solved anew


def test_the_default_briefing_reads_its_mixes_from_the_shipped_table(monkeypatch):
    monkeypatch.setattr(sizing, "_MEMO", {})
    monkeypatch.setattr(sizing, "_solve", lambda *a: pytest.fail("solved although the table has it"))
    rows = sizing.cost_curve("us-tx", 1000.0, allow_wind=False)
    assert [r["policy"] for r in rows] == ["annual_matching"] + ["hourly"] * 4
    assert {r["solved_by"] for r in rows} == {"table"}


def test_premium_over_annual_matching_is_plausible():
    # EPRI (Bistline et al. 2025): the CFE premium is 1-130 USD/MWh across US regions
    rows = sizing.cost_curve("us-tx", LOAD, targets=(0.9,))
    assert rows[0]["policy"] == "annual_matching" and rows[0]["premium_usd_per_mwh"] == 0
    assert 1 <= rows[1]["premium_usd_per_mwh"] <= 130


def test_with_no_supply_the_cfe_share_is_the_grid_clean_share(tx):
    r = supply.simulate(LOAD, solar_profile=tx.solar, wind_profile=tx.wind, grid_cfe_share=0.43)
    assert r.hourly_cfe_share[0] == pytest.approx(0.43) and r.own_supply_share[0] == 0.0
    no = sizing.size_mixes("no", LOAD, [0.9])[0]  # the Norwegian grid (98 % clean) alone meets 90 %
    assert no.solved_by == "grid" and no.solar_mw == no.wind_mw == no.battery_mwh == 0
    assert no.hourly_cfe_share == pytest.approx(costs.GridTerms.from_registry("no").cfe_share)


def test_an_unreachable_target_names_the_best_share():
    from stargate_report.supply.lp import InfeasibleTarget

    with pytest.raises(InfeasibleTarget, match=r"infeasible: hourly CFE target 0.9900 .* solar and the grid .* best "
                                               r"share reached is 0\.\d{4}"):
        sizing.size_mixes("ae", LOAD, [0.99], allow_battery=False)
    row = sizing.region_comparison(LOAD, 0.99, allow_battery=False, regions=["ae"])[0]
    assert row["feasible"] is False and 0.23 < row["best_share"] < 0.99


def test_negative_costs_are_refused():
    good = costs.SupplyCosts.from_registry()
    with pytest.raises(ParameterError, match="'wind_usd_per_kw'"):
        dataclasses.replace(good, wind_usd_per_kw=-1.0)


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


# -- what the briefing charts: the dispatch weeks and the year, computed with the results ---------------
def _week_balances(rows, load_mw):
    from stargate_report.supply.summaries import week_balance_residual

    worst = max(abs(week_balance_residual(r)) for r in rows)
    assert worst <= 1e-6 * load_mw, worst


@pytest.mark.parametrize("system", [(LOAD, 4000, 3000, 1000, 8000), (LOAD, 0, 0, 0, 0), (LOAD, 20_000, 0, 3000, 50_000)])
def test_the_dispatch_week_table_balances_every_hour(tx, system):
    """solar + wind + firm + discharge + grid - charge - curtailed - export = load, hour by hour, to 1e-6 of it."""
    from stargate_report.supply import summaries

    rows = summaries.dispatch_week(_run(tx, *system).hourly)
    assert [r["season"] for r in rows[::168]] == ["winter", "summer"] and len(rows) == 2 * 168
    assert [r["hour"] for r in rows[:168]] == list(range(168))
    _week_balances(rows, LOAD)
    assert all(r["soc_mwh"] <= system[4] + 1e-9 for r in rows)
    # the week is the simulation's hours from 15 January (day 14) on, not a summary of them
    h = _run(tx, *system).hourly
    assert [r["grid_mw"] for r in rows[:168]] == pytest.approx(list(h.grid[14 * 24:21 * 24]))


def test_the_dispatch_week_of_the_least_cost_programme_balances_too():
    """With an option only the LP dispatches (clean firm supply), the hours come from the LP: solar and wind
    are the plants' whole output there too, curtailment included, so the week balances the same way."""
    from stargate_report.supply import summaries

    opts = sizing.SupplyOptions(allow_firm_clean=True)
    mix = sizing.size_mixes("de", LOAD, [0.95], options=opts, hourly=True)[0]
    h = supply.Dispatch(*(mix.extra[k] for k in ("load", "solar", "wind", "charge", "discharge", "soc", "grid",
                                                   "curtailed", "firm", "export")))
    assert np.abs(h.balance_residual()).max() <= 1e-6 * LOAD
    _week_balances(summaries.dispatch_week(h), LOAD)


def test_the_heat_map_counts_the_grid_at_its_clean_share_as_the_score_does(tx):
    from stargate_report.supply import summaries

    none = summaries.cfe_heatmap(_run(tx, LOAD).hourly, 0.43)
    assert len(none) == 52 * 24 and {(r["week"], r["hour"]) for r in none} == {(w, h) for w in range(1, 53) for h in range(24)}
    assert all(r["cfe_share"] == pytest.approx(0.43) and r["own_supply_share"] == pytest.approx(0.0) for r in none)
    r = _run(tx, LOAD, 4000, 3000, 1000, 8000, grid_cfe_share=0.43)
    cells = summaries.cfe_heatmap(r.hourly, 0.43)
    assert all(0.43 - 1e-12 <= c["cfe_share"] <= 1 + 1e-12 for c in cells)
    # a flat load: the mean over the cells is the year's score (over its first 364 days)
    h = r.hourly
    year = 1 - h.grid[:364 * 24].sum() * (1 - 0.43) / h.load[:364 * 24].sum()
    assert np.mean([c["cfe_share"] for c in cells]) == pytest.approx(year, rel=1e-12)
