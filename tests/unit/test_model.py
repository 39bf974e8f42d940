"""evaluate(): the ledger, its derivations, determinism and properties over the scenario space."""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stargate_report.model.evaluate import evaluate, make_plan
from stargate_report.model.scenario import accelerator_ids, region_ids, resolve

REQUIRED = ["it_power_mw", "facility_power_mw", "annual_energy_mwh", "capex_usd", "emissions_tco2e_per_year",
            "water_m3_per_year"]


def test_the_claim_verdicts_are_in_the_results_and_the_prose_reads_them_there():
    from stargate_report.catalog.knowledge_queries import verdict_tally
    from stargate_report.present.chapter import Chapter

    res = evaluate(resolve(overrides={"investment_fact": None}), samples=10)
    assert res.tables["claim_verdicts"] == verdict_tally() and "claim_verdicts" in res.to_dict()["tables"]
    res.tables["claim_verdicts"] = [{"key": "all", "count": 1234}]  # the prose shows what the results hold
    assert Chapter("deal", res, lang="de").num("count:claim_verdicts.all") == "1.234"
    with pytest.raises(KeyError, match="count:claim_verdicts.supported"):
        Chapter("deal", res).num("count:claim_verdicts.supported")


@pytest.fixture(scope="module")
def default():
    return evaluate(resolve(), samples=2000, seed=7)


def test_required_quantities_present_with_ranges(default):
    for q in REQUIRED:
        item = default[q]
        assert item.p10 <= item.p50 <= item.p90 and item.formula and item.inputs


def test_facility_capacity_comes_from_the_milam_fact(default):
    assert default["facility_power_mw"].p50 == 1200
    assert default["facility_power_mw"].inputs == ("fact:milam-capacity",)


def test_energy_equals_power_times_hours_per_sample(default):
    lf = default.inputs[default.roles["load_factor"]]
    assert lf.low <= 0.75 <= lf.high
    e = default["annual_energy_mwh"].samples
    p = default["facility_power_avg_mw"].samples
    np.testing.assert_allclose(e, p * 8760, rtol=1e-12)


def test_same_seed_same_numbers_other_seed_other_numbers():
    a = evaluate(resolve(), samples=500, seed=3).to_dict()
    b = evaluate(resolve(), samples=500, seed=3).to_dict()
    c = evaluate(resolve(), samples=500, seed=4).to_dict()
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert a["quantities"]["annual_energy_mwh"] != c["quantities"]["annual_energy_mwh"]


def test_every_input_id_is_a_quantity_or_an_assumption(default):
    d = default.to_dict()
    known = set(d["quantities"]) | set(d["assumptions"])
    for q in d["quantities"].values():
        assert set(q["inputs"]) <= known
    for a in d["assumptions"].values():
        assert a["kind"] == "parameter" or a["sources"]


def test_trace_leads_to_sources(default):
    inputs = default.trace("emissions_tco2e_per_year")
    # the site's capacity, sized at the design PUE, drawn at the load factor and the annual PUE, times the grid
    assert inputs == ["fact:milam-capacity", "designpue.default", "loadfactor.default", "pue.default", "grid.us-tx"]
    assert "pue.default" not in default.trace("water_onsite_m3_per_year")  # on-site water: IT energy only
    assert "co2js-emaps" in default["emissions_tco2e_per_year"].sources


def test_scenario_parameter_overrides_assumption():
    """The annual-average PUE (a parameter here) gives the energy; the count is sized by the design PUE."""
    res = evaluate(resolve(overrides={"pue": 1.5, "load_factor": 0.75}), samples=1)
    it = 1200 / res["facility_power_w"].p50 * res["it_power_w"].p50  # MW of IT at the design PUE
    assert res["it_power_mw"].p50 == pytest.approx(it)
    assert res["facility_power_avg_mw"].p50 == pytest.approx(min(it * 0.75 * 1.5, 1200))
    assert "param:pue" in res["facility_power_avg_mw"].inputs and "param:pue" not in res["it_power_mw"].inputs


def test_accelerator_sizing_hand_computed():
    """DGX H100: 10.2 kW for 8 GPUs (1,275 W), 14 % for network and storage, design PUE 1.25, annual PUE 1.2."""
    res = evaluate(resolve(overrides={"accelerator_count": 100_000, "accelerator": "h100", "pue": 1.2,
                                      "load_factor": 1.0}), samples=1)
    it = 100_000 * 1275 * 1.14 / 1e6  # 145.35 MW
    assert res["it_power_mw"].p50 == pytest.approx(it)
    assert res["facility_power_mw"].p50 == pytest.approx(it * 1.25)
    assert res["annual_energy_mwh"].p50 == pytest.approx(it * 1.2 * 8760)


def test_region_without_solar_factor_leaves_quantity_out_with_a_note():
    res = evaluate(resolve("stargate-norway"), samples=100)
    assert "solar_mw_annual_match" not in res and "wind_mw_annual_match" in res
    assert any("solar_capacity_factor" in n for n in res.notes)


def test_round_trip_save_load(tmp_path, default):
    default.save(tmp_path / "r")
    from stargate_report.model.ledger import Results

    back = Results.load(tmp_path / "r")
    assert back.to_dict() == default.to_dict()


def test_plan_uses_the_regional_rows():
    plan = make_plan(resolve(overrides={"region": "de"}))
    assert plan.rows["grid_intensity_g_per_kwh"].id == "grid.de"


scenarios = st.fixed_dictionaries({
    "region": st.sampled_from(region_ids()),
    "allow_wind": st.just(True),  # the Milam preset forbids wind; Norway (no solar profile) needs it
    "accelerator": st.sampled_from(accelerator_ids()),
    "accelerator_count": st.integers(1, 5_000_000),
    "pue": st.one_of(st.none(), st.floats(1.0, 3.0)),
    "load_factor": st.one_of(st.none(), st.floats(0.01, 1.0)),
    "seed": st.integers(0, 2**32 - 1),
})


@settings(max_examples=40, deadline=None)
@given(scenarios)
def test_property_valid_scenarios_give_finite_ordered_nonnegative_numbers(params):
    res = evaluate(resolve(overrides=params), samples=64)
    for q in res.quantities.values():
        assert np.all(np.isfinite(q.samples)), q.id
        assert np.all(q.samples >= 0), q.id
        assert q.p10 <= q.p50 <= q.p90
    assert res["annual_energy_mwh"].p50 == pytest.approx(res["facility_power_avg_mw"].p50 * 8760, rel=1e-9)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 1_000_000), st.integers(1, 1_000_000))
def test_property_energy_rises_with_accelerators(n1, n2):
    lo, hi = sorted((n1, n2))
    e = [evaluate(resolve(overrides={"accelerator_count": n, "pue": 1.2, "load_factor": 0.8}), samples=1)
         ["annual_energy_mwh"].p50 for n in (lo, hi)]
    assert e[0] <= e[1]


def test_investment_context_follows_its_origin():
    from stargate_report.present.chapter import Chapter

    fact = Chapter("summary", evaluate(resolve(), samples=10))
    assert "SB Energy" in fact.investment_context()
    param = Chapter("summary", evaluate(resolve(overrides={"investment_usd": 2e9}), samples=10), lang="de")
    assert param.investment_context() == "Der Betrag ist im Szenario gesetzt."


@pytest.fixture(scope="module")
def with_supply():
    return evaluate(resolve(), samples=400, seed=3, supply=True)


def test_supply_enters_the_ledger_with_derivations(with_supply):
    res = with_supply
    for qid in ("solar_mw_cfe", "battery_mwh_cfe", "hourly_cfe_share", "grid_import_mwh", "supply_capex_usd",
                "supply_cost_usd_per_mwh", "emissions_location_annual_tco2e", "emissions_market_annual_tco2e",
                "emissions_market_hourly_tco2e", "emissions_location_hourly_tco2e"):
        q = res[qid]
        assert q.formula and q.inputs and q.p10 <= q.p50 <= q.p90
    d = res.to_dict()
    known = set(d["quantities"]) | set(d["assumptions"])
    assert all(set(q["inputs"]) <= known for q in d["quantities"].values())
    assert res["hourly_cfe_share"].p50 >= 0.9 - 1e-12  # the preset's target
    assert res["wind_mw_cfe"].p50 == 0  # Milam County: solar and batteries only (fact milam-supply)
    assert "nsrdb-tmy3" in res["solar_mw_cfe"].sources  # the Waco TMY3 station of the profiles
    for qid in ("grid_cfe_share", "annual_matching_usd_per_mwh", "premium_usd_per_mwh"):
        assert res[qid].formula and res[qid].inputs
    np.testing.assert_allclose(res["premium_usd_per_mwh"].samples, res["supply_cost_usd_per_mwh"].samples
                               - res["annual_matching_usd_per_mwh"].samples)
    w = res.tables["supply_weather"][0]
    assert w["station_id"] == "722560" and "TMY3" in w["dataset"] and w["licence"]


def test_four_emissions_numbers_are_ordered(with_supply):
    res = with_supply
    loc = res["emissions_location_annual_tco2e"].samples
    np.testing.assert_allclose(loc, res["emissions_tco2e_per_year"].samples)
    assert np.all(res["emissions_market_hourly_tco2e"].samples <= loc)
    assert np.all(res["emissions_market_annual_tco2e"].samples <= res["emissions_market_hourly_tco2e"].samples + 1e-9)
    # one accounting for the CFE score and the emissions: the fossil part of the imports at the intensity of
    # the grid's fossil part, i.e. (1 - CFE) x load x intensity / (1 - grid clean share)
    dirty = 1 - res["hourly_cfe_share"].samples
    fossil = 1 - res["grid_cfe_share"].samples
    np.testing.assert_allclose(res["emissions_market_hourly_tco2e"].samples, loc * dirty / fossil, rtol=1e-9)


def test_supply_tables(with_supply):
    from stargate_report.model.evaluate import add_supply_tables

    add_supply_tables(with_supply)
    curve = with_supply.tables["cfe_curve"]
    assert [r["policy"] for r in curve] == ["annual_matching", "hourly", "hourly", "hourly", "hourly"]
    assert [r["target_cfe"] for r in curve[1:]] == [0.8, 0.9, 0.95, 0.98]
    costs = [r["cost_usd_per_mwh"] for r in curve[1:]]
    assert costs == sorted(costs) and all(r["feasible"] for r in curve)
    assert all(r["premium_usd_per_mwh"] == pytest.approx(r["cost_usd_per_mwh"] - curve[0]["cost_usd_per_mwh"])
               for r in curve)
    regions = {r["region"] for r in with_supply.tables["supply_regions"]}
    assert regions == {"us-tx", "us", "de", "jp", "no", "es", "ae"}


def test_hourly_dispatch_and_its_summaries_are_kept_saved_and_equal_to_a_fresh_simulation(with_supply, tmp_path):
    """The supply chapter charts tables computed with the results (dispatch_week, cfe_heatmap), never the
    hours themselves; both tables survive a save and agree with a fresh simulation of the sized mix."""
    from stargate_report.model.ledger import Results
    from stargate_report.supply import dispatch, summaries
    from stargate_report.supply.profiles import region_profiles

    series = with_supply.series
    assert {f"dispatch.{k}" for k in ("load", "solar", "grid", "soc")} <= set(series)
    assert all(v.shape == (8760,) for v in series.values())
    with_supply.save(tmp_path / "r")
    back = Results.load(tmp_path / "r")
    assert set(back.series) == set(series) and set(back.quantities) == set(with_supply.quantities)
    assert back.tables["dispatch_week"] == with_supply.tables["dispatch_week"]
    assert back.tables["cfe_heatmap"] == with_supply.tables["cfe_heatmap"]
    mix = back.tables["supply_mix"][0]
    prof = region_profiles(mix["region"])
    fresh = dispatch.simulate(mix["load_mw"], mix["solar_mw"], mix["wind_mw"], mix["battery_mw"], mix["battery_mwh"],
                              solar_profile=prof.solar, wind_profile=prof.wind,
                              round_trip_efficiency=mix["round_trip_efficiency"], keep_hourly=True).hourly
    for a, b in zip(back.tables["dispatch_week"], summaries.dispatch_week(fresh)):
        assert a["season"] == b["season"] and a["hour"] == b["hour"]
        for name in summaries.WEEK_FIELDS:
            assert a[name] == pytest.approx(b[name], rel=1e-12, abs=1e-9)


def test_on_a_clean_grid_no_preset_builds_wind_the_target_does_not_demand():
    """Stargate Norway: the Norwegian grid (98 % carbon-free) alone meets the 90 % target, so the least-cost
    answer is the grid; no preset builds supply where its grid already meets its target."""
    from stargate_report.model.scenario import preset_names

    for preset in preset_names():
        res = evaluate(resolve(preset, overrides={"samples": 20}), supply=True)
        grid_share = res["grid_cfe_share"].p50
        if grid_share >= res.scenario["target_cfe"]:
            assert res["wind_mw_cfe"].p50 == 0 and res["solar_mw_cfe"].p50 == 0, preset
            assert res["hourly_cfe_share"].p50 == pytest.approx(grid_share)
    norway = evaluate(resolve("stargate-norway", overrides={"samples": 20}), supply=True)
    assert norway.tables["supply_mix"][0]["solved_by"] == "grid"
    # everything is bought from the grid, at its sourced price (not at 0, which it printed while unsourced)
    price = norway.inputs[norway.roles["grid_price_usd_per_mwh"]].value
    assert norway["supply_cost_usd_per_mwh"].samples.mean() == pytest.approx(
        norway.inputs[norway.roles["grid_price_usd_per_mwh"]].value, rel=0.2) and price > 0


def test_supply_switches_are_validated():
    from stargate_report.exceptions import ParameterError

    for bad in ({"flexible_load_share": 0.5}, {"flexible_load_share": -0.1}, {"pv_mount": "dual"}):
        with pytest.raises(ParameterError, match=next(iter(bad))):
            resolve(overrides=bad)
    s = resolve(overrides={"pv_mount": "fixed", "allow_long_duration": True, "flexible_load_share": 0.1})
    assert s.pv_mount == "fixed" and s.allow_long_duration and s.flexible_load_share == 0.1



@pytest.mark.parametrize("preset", ["milam-county", "abilene", "stargate-norway", "stargate-10gw"])
def test_every_published_figure_is_inside_the_models_range_or_explained(preset):
    """Issue 20: the model beside the published record. A published figure outside the model's P10-P90 must
    come with the reason the two may differ, in every language of the briefing."""
    from stargate_report.present.i18n import catalogue

    res = evaluate(resolve(preset))
    rows = res.tables["model_vs_reported"]
    assert any(r["quantity"] == "capex_usd_per_gw" for r in rows)  # the published capex per GW, for every preset
    for r in rows:
        assert r["ratio"] == pytest.approx(r["p50"] / r["reported"])
        if not r["inside"]:
            key = "reported.reason." + r["reported_id"].removeprefix("fact:")
            assert key in catalogue("en") and key in catalogue("de"), key


def test_the_power_chain_of_a_gb200_campus_is_the_superpod_ones():
    """With base values a GB200 accelerator draws NVIDIA's 1,833 W rack share at the server, 2,083 W of IT power
    with the SuperPOD's network and storage (1.2 MW per 576 GPUs), and 2,604 W of capacity at a design PUE of
    1.25; so a site's capacity holds capacity / 2,604 W accelerators (the design PUE, not the annual one)."""
    res = evaluate(resolve("abilene"), samples=1)
    assert res["server_power_w"].p50 == pytest.approx(1833, rel=1e-3)
    assert res["it_power_w"].p50 == pytest.approx(1833 * 1.14, rel=1e-3)
    assert res["facility_power_w"].p50 == pytest.approx(1833 * 1.14 * 1.25, rel=1e-3)
    assert res["accelerator_count"].p50 == pytest.approx(1200e6 / (1833 * 1.14 * 1.25), rel=1e-3)
    # energy at the annual-average PUE: IT x load factor x PUE x 8760 h
    assert res["annual_energy_mwh"].p50 == pytest.approx(1200 / 1.25 * 0.75 * 1.2 * 8760, rel=1e-3)


def test_what_a_published_count_implies_per_accelerator():
    """The reasons beside the record quote what a published figure implies, computed by the library:
    Abilene's 1.2 GW for 400,000 GPUs is 3,000 W per GPU at the facility; USD 40 bn for them, 100,000 USD each."""
    rows = {r["quantity"]: r for r in evaluate(resolve("abilene"), samples=200).tables["model_vs_reported"]}
    count, capex = rows["accelerator_count"], rows["it_capex_usd"]
    assert count["reported_facility_w_per_accelerator"] == pytest.approx(1.2e9 / 400_000)
    assert count["reported_design_pue"] == pytest.approx(3000 / (1833 * 1.14), rel=0.05)
    assert capex["reported_usd_per_accelerator"] == pytest.approx(40e9 / 400_000)


def test_the_ledgers_notes_are_stated_in_the_briefings_language(monkeypatch):
    """The appendix listed the ledger's notes in English in the German briefing ("no published
    solar_capacity_factor for region no: ..."): they are data now (results table notes), worded by the catalogue."""
    from stargate_report.present import chapter

    res = evaluate(resolve("stargate-norway", overrides={"samples": 10}), supply=True)
    assert [r["key"] for r in res.tables["notes"]] == ["missing_input"]  # the solar CF; Norway has a grid price
    japan = evaluate(resolve("milam-county", overrides={"samples": 10, "region": "jp"}), supply=True)
    assert [r["key"] for r in japan.tables["notes"]][-1] == "no_grid_price"  # Japan has none
    assert len(res.notes) == len(res.tables["notes"])  # the English lines stay for the command line
    shown: list[str] = []
    monkeypatch.setattr(chapter, "display_html", shown.append)
    for lang in ("en", "de"):
        chapter.Chapter("appendix", res, lang, "stargate-norway").notes()
    assert "Kapazitätsfaktor Solar: kein veröffentlichter Wert für Norwegen" in shown[1]
    assert "Solar capacity factor: no published value for Norway" in shown[0]
    assert "region no" not in shown[1] and "published" not in shown[1]


def test_an_inference_campus_takes_the_inference_load_factor():
    """workload=inference chooses the POLCA-based load factor (0.5-0.77) instead of the training one: less energy
    from the same campus, the same peak."""
    train = evaluate(resolve(), samples=2000)
    infer = evaluate(resolve(overrides={"workload": "inference"}), samples=2000)
    assert train.roles["load_factor"] == "loadfactor.default" and infer.roles["load_factor"] == "loadfactor.inference"
    assert infer["facility_power_mw"].p50 == pytest.approx(train["facility_power_mw"].p50)
    assert 0.7 < infer["annual_energy_mwh"].p50 / train["annual_energy_mwh"].p50 < 0.85


@pytest.mark.parametrize(("preset", "overrides", "reason"), [
    ("milam-county", {}, "not_allowed"),  # the preset excludes wind
    ("milam-county", {"region": "ae", "allow_wind": True}, "no_profile"),
    ("stargate-norway", {}, "grid_meets_target"),
])
def test_the_mix_says_why_it_has_no_wind(preset, overrides, reason):
    res = evaluate(resolve(preset, overrides={"samples": 20, **overrides}), supply=True)
    mix = res.tables["supply_mix"][0]
    assert mix["wind_mw"] == pytest.approx(0.0, abs=1e-6) and mix["wind_zero_reason"] == reason


def test_without_a_sourced_grid_price_no_cost_per_mwh_is_given():
    """Japan has no sourced grid price: the supply's cost, annual matching and premium are left out (the chapters
    print "not available"), never computed with grid energy at no cost."""
    from stargate_report.model.evaluate import GRID_PRICED_QUANTITIES, OPTIONAL_QUANTITIES

    res = evaluate(resolve("milam-county", overrides={"samples": 20, "region": "jp"}), supply=True)
    assert GRID_PRICED_QUANTITIES <= OPTIONAL_QUANTITIES
    assert not GRID_PRICED_QUANTITIES & set(res.quantities)
    assert "supply_capex_usd" in res.quantities and res.tables["supply_mix"][0]["grid_priced"] is False
    priced = evaluate(resolve("stargate-norway", overrides={"samples": 20}), supply=True)
    assert priced["supply_cost_usd_per_mwh"].p50 > 0  # Norway's grid is priced: its grid-only supply costs something
