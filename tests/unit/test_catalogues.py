"""The message catalogues: German covers every English key, and no key is written twice (the second
would silently replace the first, so an edit to the first would show nowhere)."""
from __future__ import annotations

from collections import Counter
from importlib import resources
from pathlib import Path

import pytest
import yaml

from stargate_report.present.formatting import LOCALES
from stargate_report.present.i18n import missing_keys


@pytest.mark.parametrize("name", [f"{lang}.yaml" for lang in sorted(LOCALES)])
def test_catalogue_keys_are_unique(name):

    path = Path(str(resources.files("stargate_report.present.i18n"))) / name
    root = yaml.compose(path.read_text(encoding="utf-8"))
    counts = Counter(key.value for key, _ in root.value)
    assert [k for k, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_every_english_message_is_translated(lang):
    assert missing_keys(lang) == []


def test_the_duplicate_check_would_catch_a_repeated_key():
    root = yaml.compose("a: 1\nb: 2\na: 3\n")
    assert Counter(key.value for key, _ in root.value)["a"] == 2


@pytest.fixture(scope="module")
def ledger_notes():
    """Every note of a formula the model writes, by quantity: each preset, sized each way, with and without a
    set investment."""
    from stargate_report import evaluate, resolve
    from stargate_report.model.scenario import preset_names

    found: dict[str, set[str]] = {}
    for preset in preset_names():
        for extra in ({}, {"accelerator_count": 100_000, "capacity_fact": None},
                      {"it_load_mw": 500.0, "capacity_fact": None}, {"investment_fact": None, "investment_usd": 1e9}):
            res = evaluate(resolve(preset, overrides={"samples": 20, **extra}), supply=True)
            for q in res.quantities.values():
                if q.note:
                    found.setdefault(q.id, set()).add(q.note)
    return found


def test_every_formula_note_has_its_german_wording_and_none_is_stale(ledger_notes):
    from stargate_report.present.i18n import catalogue

    assert ledger_notes and all(len(notes) == 1 for notes in ledger_notes.values())  # one note per quantity
    german = {k[5:] for k in catalogue("de") if k.startswith("note.")}
    assert sorted(set(ledger_notes) - german) == []
    assert sorted(german - set(ledger_notes)) == []  # a note no formula has any more: remove it


def test_the_derivations_show_the_code_that_ran():
    """The formula of a quantity is the expression evaluated for it (one record, no second text to drift)."""
    from stargate_report import evaluate, resolve
    from stargate_report.model import quantities

    res = evaluate(resolve(overrides={"samples": 20}), supply=True)
    for qid, q in res.quantities.items():
        (f,) = [g for g in quantities.ALL if g.id == qid and g.expr == q.formula]  # the record that ran
        assert f.unit == q.unit and f.note == q.note
        named = set(f.names)
        for i in q.inputs:  # every input is a name of the expression, or the input behind one of its roles
            assert i in named or i in res.inputs


#: German messages that are rightly the same as the English ones, each with the reason (anything else the
#: same in both catalogues is a message nobody translated)
SAME_IN_BOTH = {
    "accelerator.h100": "a product name",
    "scale.MW.0": "a unit written the same in German",
    "scale.MW.1": "a unit written the same in German",
    "scale.MWh.0": "a unit written the same in German",
    "scale.MWh.1": "a unit written the same in German",
    "scale.MWh.2": "a unit written the same in German",
    "scale.W.0": "a unit written the same in German",
    "scale.count.1": "a unit written the same in German",
    "scale.g_per_kwh.0": "a unit written the same in German",
    "scale.ha.0": "a unit written the same in German",
    "scale.ha_per_mw.0": "a unit written the same in German",
    "scale.km2.0": "a unit written the same in German",
    "scale.l_per_kwh.0": "a unit written the same in German",
    "scale.m3.1": "a unit written the same in German",
    "scale.ratio.0": "a unit written the same in German",
    "scale.tco2e.0": "a unit written the same in German",
    "scale.tco2e.1": "a unit written the same in German",
    "scale.tco2e.2": "a unit written the same in German",
    "col.parameter": "German word spelt as in English",
    "col.status": "German word spelt as in English",
    "index.col.status": "German word spelt as in English",
    "col.region": "German word spelt as in English",
    "col.solar": "German word spelt as in English (Solar as a noun, as in Solarstrom)",
    "col.wind": "German word spelt as in English",
    "source.solar": "German word spelt as in English (as col.solar)",
    "source.wind": "German word spelt as in English",
    "supply.weather_region": "placeholders and punctuation only",
    "supply.weather_region_model": "placeholders and punctuation only",
    "label.campus_land_km2": "German word spelt as in English",
    "region.us-tx": "a name: Texas and its grid operator ERCOT",
    "region.jp": "a name: Japan in both languages",
    "place.us-tx": "a name: Texas in both languages",
    "place.jp": "a name: Japan in both languages",
    "quantity.pue": "an abbreviation used in German too (Power Usage Effectiveness)",
    "index.col.briefings": "loan word used in German briefings (as the subtitle's 'Briefing')",
    "index.status.ok": "'ok' in both languages",
}


def test_no_german_message_is_left_in_english():
    from stargate_report.present.i18n import catalogue

    en, de = catalogue("en"), catalogue("de")
    same = {k for k in en if k in de and de[k] == en[k] and en[k].strip()}  # an empty axis title is no text
    assert sorted(same - set(SAME_IN_BOTH)) == []
    assert sorted(set(SAME_IN_BOTH) - same) == []  # an entry no longer needed: remove it


def test_a_german_message_never_falls_back_to_english(monkeypatch):
    from stargate_report.exceptions import DataError, UnknownNameError
    from stargate_report.present import i18n

    real = i18n.catalogue
    monkeypatch.setattr(i18n, "catalogue", lambda lang: {k: v for k, v in real(lang).items()
                                                         if not (lang == "de" and k == "summary.title")})
    assert i18n.t("summary.title", "en") == real("en")["summary.title"]
    with pytest.raises(DataError, match="summary.title"):
        i18n.t("summary.title", "de")
    with pytest.raises(UnknownNameError):
        i18n.t("no.such.key", "de")


def test_every_preset_title_has_its_german_wording(monkeypatch):
    from stargate_report.exceptions import DataError
    from stargate_report.model.scenario import preset_scenario
    from stargate_report.present import i18n
    from stargate_report.present.subject import display_title

    own = preset_scenario("milam-county")
    assert display_title("milam-county", own, "de") != display_title("milam-county", own, "en")
    real = i18n.catalogue
    monkeypatch.setattr(i18n, "catalogue", lambda lang: {k: v for k, v in real(lang).items()
                                                         if not (lang == "de" and k == "preset.milam-county.title")})
    with pytest.raises(DataError, match="preset.milam-county.title"):
        display_title("milam-county", own, "de")


def test_every_assumption_note_has_its_german_wording_and_none_is_stale():
    """The appendix shows each assumption's note; English is assumptions.csv's own text, German the
    catalogue's ``assumption.note.<id>`` (no English note in the German briefing)."""
    from stargate_report.catalog.assumptions import load_registry
    from stargate_report.present.i18n import assumption_note, catalogue

    noted = {row.id: row.notes for row in load_registry().rows.values() if row.notes}
    german = {k.removeprefix("assumption.note."): v for k, v in catalogue("de").items()
              if k.startswith("assumption.note.")}
    assert noted and sorted(set(noted) - set(german)) == []
    assert sorted(set(german) - set(noted)) == []
    assert all(german[i] != noted[i] and assumption_note(i, noted[i], "de") == german[i] for i in noted)


def test_german_messages_keep_the_placeholders_and_markdown_of_the_english():
    import re

    from stargate_report.present.i18n import catalogue

    en, de = catalogue("en"), catalogue("de")
    for key, text in en.items():
        assert sorted(re.findall(r"\{[^}]*\}", de[key])) == sorted(re.findall(r"\{[^}]*\}", text)), key
        assert de[key].count("**") == text.count("**"), key


def test_names_units_and_scales_come_from_the_catalogues_only():
    """One translation mechanism (issue 22): accelerator and region names and every unit's scale pattern are
    catalogue messages in both languages; the data files carry no per-language columns."""
    import csv

    from stargate_report.catalog import files
    from stargate_report.catalog.regions import accelerator_ids, region_ids
    from stargate_report.present.formatting import SCALES
    from stargate_report.present.i18n import catalogue

    for lang in ("en", "de"):
        cat = catalogue(lang)
        assert all(f"accelerator.{a}" in cat for a in accelerator_ids())
        assert all(f"region.{r}" in cat for r in region_ids())
        assert all(f"scale.{u}.{k}" in cat for u, entries in SCALES.items() for k in range(len(entries)))
    for name in ("accelerators.csv", "regions.csv"):
        with open(files.path(name), newline="", encoding="utf-8") as fh:
            header = next(csv.reader(fh))
        assert not [c for c in header if c.endswith(("_en", "_de"))], name
