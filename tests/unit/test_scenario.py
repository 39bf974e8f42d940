"""Scenario validation: presets, layers, and bad input named by key, value and what is allowed."""
from __future__ import annotations

import pytest

from stargate_report.exceptions import ParameterError, UnknownNameError
from stargate_report.model import scenario as sc


@pytest.mark.parametrize("name", ["milam-county", "abilene", "stargate-10gw", "stargate-norway"])
def test_presets_are_valid(name):
    s = sc.resolve(name)
    assert s.sizing() == "capacity_fact" and s.kind in ("campus", "programme", "site")
    assert s.title == ""  # composed from kind, place and scale (present/subject.py), no typed title


def test_default_is_milam_county_from_the_knowledge_base():
    s = sc.resolve()
    assert s.capacity_fact == "milam-capacity" and s.region == "us-tx" and s.investment_fact == "sbe-equity-total"


def test_a_sizing_override_replaces_the_preset_sizing():
    s = sc.resolve(overrides={"accelerator_count": 1000})
    assert s.sizing() == "accelerator_count" and s.capacity_fact is None


@pytest.mark.parametrize("overrides,key,allowed", [
    ({"pue": 0.9}, "pue", ">= 1"),
    ({"pue": float("nan")}, "pue", ">= 1"),
    ({"pue": float("inf")}, "pue", "<= 3"),
    ({"load_factor": 1.5}, "load_factor", "<= 1"),
    ({"accelerator_count": 1e30}, "accelerator_count", "<= 1e+08"),
    ({"accelerator_count": -5}, "accelerator_count", ">= 1"),
    ({"samples": "many"}, "samples", "an integer"),
    ({"it_load_mw": True}, "it_load_mw", "a number"),
    ({"title": "x" * 300}, "title", "at most 200"),
])
def test_bad_values_name_key_value_and_range(overrides, key, allowed):
    with pytest.raises(ParameterError) as err:
        sc.resolve(overrides=overrides)
    assert err.value.key == key and allowed in err.value.allowed
    assert f"'{key}'" in str(err.value)


@pytest.mark.parametrize("overrides,kind,suggestion", [
    ({"regon": "de"}, "parameter", "region"),
    ({"region": "fr"}, "region", None),
    ({"region": "us-txx"}, "region", "us-tx"),
    ({"accelerator": "h10"}, "accelerator", "h100"),
    ({"capacity_fact": "milam"}, "capacity_fact", "milam-capacity"),
])
def test_unknown_names_list_the_known_ones(overrides, kind, suggestion):
    with pytest.raises(UnknownNameError) as err:
        sc.resolve(overrides=overrides)
    msg = str(err.value)
    assert f"unknown {kind}" in msg and "known:" in msg
    if suggestion:
        assert f"did you mean '{suggestion}'" in msg


def test_unknown_preset():
    with pytest.raises(UnknownNameError, match="did you mean 'milam-county'"):
        sc.resolve("milam")


@pytest.mark.parametrize("text,value", [("3", 3), ("1.5", 1.5), ("1e5", 1e5), ("none", None), ("de", "de"),
                                        ("true", True)])
def test_parse_value(text, value):
    assert sc.parse_value(text) == value


def test_override_syntax_error():
    with pytest.raises(ParameterError, match="key=value"):
        sc.parse_overrides(["pue"])


def test_params_file_and_unsafe_yaml(tmp_path):
    good = tmp_path / "p.yaml"
    good.write_text("pue: 1.3\nregion: de\n")
    assert sc.resolve(params_file=good).region == "de"
    bad = tmp_path / "bad.yaml"
    bad.write_text("pue: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(ParameterError, match="params"):
        sc.resolve(params_file=bad)
    with pytest.raises(ParameterError, match="an existing YAML file"):
        sc.resolve(params_file=tmp_path / "missing.yaml")


def test_parameter_table_documents_every_field():
    rows = sc.parameter_table()
    assert {r["parameter"] for r in rows} == set(sc.Scenario.model_fields)
    pue = next(r for r in rows if r["parameter"] == "pue")
    assert pue["unit"] == "ratio" and ">= 1" in pue["allowed"] and pue["help"]


def test_preset_titles_are_composed_in_each_language_and_given_titles_kept():
    from stargate_report.model.scenario import preset_names, preset_scenario
    from stargate_report.present.subject import display_title

    for name in preset_names():
        own = preset_scenario(name)
        english, german = display_title(name, own, "en"), display_title(name, own, "de")
        assert english and german and english != german
    given = sc.resolve(overrides={"title": "My own title"})
    assert display_title("milam-county", given, "de") == display_title("milam-county", given, "en") == "My own title"


def test_only_the_preset_about_sb_energy_carries_its_investment():
    """The USD 1 bn of OpenAI and SoftBank in SB Energy is compared where the preset is about it (SB Energy's
    campus in Milam County), not in Abilene, Norway or the programme, unless the user sets it."""
    assert {name: sc.resolve(name).investment_fact for name in sc.preset_names()} == {
        "abilene": None, "milam-county": "sbe-equity-total", "stargate-10gw": None, "stargate-norway": None}
    assert sc.Scenario(accelerator_count=10).investment_fact is None
    assert sc.resolve("abilene", overrides={"investment_fact": "sbe-equity-total"}).investment_fact == "sbe-equity-total"


@pytest.mark.parametrize("overrides,key", [({"kind": "city"}, "kind"), ({"kind": False}, "kind"),
                                           ({"place": "x" * 101}, "place"), ({"place": True}, "place")])
def test_kind_and_place_are_validated(overrides, key):
    with pytest.raises(ParameterError, match=f"'{key}'"):
        sc.resolve(overrides=overrides)