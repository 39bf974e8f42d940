"""Tornado and Sobol indices on outputs whose drivers can be reasoned out by hand."""
from __future__ import annotations

import pytest

from stargate_report.model.scenario import resolve
from stargate_report.model.sensitivity import sobol, tornado


def test_tornado_of_emissions_hand_computed():
    df = tornado(resolve(), "emissions_tco2e_per_year")
    # a site of fixed capacity: the design PUE sets its IT power, the load factor and the annual PUE its draw,
    # the grid intensity the emissions of each MWh; nothing else moves them
    moving = df[df["swing"] > 0]
    assert set(moving["assumption"]) == {"designpue.default", "loadfactor.default", "pue.default", "grid.us-tx"}
    grid = df.set_index("assumption").loc["grid.us-tx"]
    base_e = 1200 / 1.25 * 0.75 * 1.2 * 8760  # MWh: IT at the design PUE x load factor x annual PUE
    assert grid["output_at_low"] == pytest.approx(base_e * 363 / 1000)
    assert grid["output_at_high"] == pytest.approx(base_e * 410 / 1000)
    assert df["swing"].is_monotonic_decreasing


def test_tornado_unknown_output():
    with pytest.raises(KeyError, match="unknown output quantity"):
        tornado(resolve(), "nope")


def test_sobol_ranks_the_drivers_of_capex():
    df = sobol(resolve(), "capex_usd", n=256, seed=1)
    # since the GB200 price rests on analysts' rack prices (a narrower range), the shell cost per MW and the
    # design PUE (which sets the IT load a site's capacity holds) explain more of the variance than the price
    assert list(df["assumption"][:3]) == ["dccapex.default", "designpue.default", "itcapex.gb200"]
    assert df["ST"].iloc[0] > 0.25
    zero = df.set_index("assumption").loc["grid.us-tx"]
    assert abs(zero["ST"]) < 0.02  # grid intensity does not enter capex


# -- the Sobol indices are SALib's, on the model's own vectorized path ---------------------------------
def test_sobol_on_a_scenario_whose_output_does_not_move_is_zero():
    """Capex does not depend on the grid's carbon intensity; an output no assumption moves has zero indices
    (SALib would divide by its zero variance)."""
    df = sobol(resolve(), "campus_land_km2", n=64, seed=3)  # facility capacity and acres per MW: both fixed
    moving = df[(df["ST"].abs() > 1e-12)]
    assert set(moving["assumption"]) <= {"campusland.default"}


def test_the_same_seed_gives_the_same_indices():
    a, b = sobol(resolve(), "capex_usd", n=64, seed=5), sobol(resolve(), "capex_usd", n=64, seed=5)
    assert a.equals(b)


def test_the_runs_analysis_tables_are_the_sensitivity_functions_results():
    """Tornado, Sobol and regions are computed once per run into named result tables (issue 22)."""
    from stargate_report.model.analyses import TABLES, add_analysis_tables
    from stargate_report.model.evaluate import evaluate
    from stargate_report.model.scenario import region_ids, resolve
    from stargate_report.model.sensitivity import tornado

    s = resolve()
    res = add_analysis_tables(evaluate(s, samples=200))
    assert set(TABLES) <= set(res.tables)
    rows = res.tables["tornado_capex_usd"]
    direct = tornado(s, "capex_usd")
    direct = direct[direct["swing"] > 0]
    assert [r["assumption"] for r in rows] == list(direct["assumption"])
    assert rows[0]["swing"] == direct["swing"].iloc[0] > 0
    assert all(r["swing"] > 0 for r in rows)
    sob = res.tables["sobol_capex_usd"]
    assert [r["ST"] for r in sob] == sorted((r["ST"] for r in sob), reverse=True)
    regions = {r["region"] for r in res.tables["regions_footprint"]}
    assert regions == set(region_ids())
    # the tables survive the trip through results.json
    import json
    assert json.loads(res.to_json())["tables"]["sobol_capex_usd"][0]["assumption"] == sob[0]["assumption"]
