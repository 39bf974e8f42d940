"""A briefing's title and opening sentence name what it is about: the preset's campus, programme or site with its
place and scale, or, when a run moves or resizes it, a scenario of its own (present/subject.py)."""
from __future__ import annotations

import re

import pytest

from stargate_report.catalog.knowledge import get_fact, load_knowledge
from stargate_report.model.scenario import preset_names, preset_scenario, resolve
from stargate_report.present import formatting
from stargate_report.present.i18n import t
from stargate_report.present.subject import display_title, subject


def expected_place(preset: str, lang: str) -> str:
    """The place a preset names: its site's location in the knowledge base, else its region's name."""
    own = preset_scenario(preset)
    return load_knowledge().sites[own.site].place(lang) if own.site else t(f"place.{own.region}", lang)


def expected_scale(preset: str, lang: str) -> str:
    return formatting.value(get_fact(preset_scenario(preset).capacity_fact).value, "MW", lang)


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("preset", preset_names())
def test_a_presets_title_names_its_place_and_scale(preset, lang):
    title = display_title(preset, preset_scenario(preset), lang)
    assert expected_place(preset, lang) in title and expected_scale(preset, lang) in title
    assert "{" not in title


def test_the_programme_is_not_one_campus_and_the_site_abroad_is_not_in_texas():
    for lang, words in (("en", "many sites"), ("de", "vielen Standorten")):
        assert words in display_title("stargate-10gw", preset_scenario("stargate-10gw"), lang)
        assert "Texas" not in display_title("stargate-norway", preset_scenario("stargate-norway"), lang)


@pytest.mark.parametrize("lang,country", [("en", "Germany"), ("de", "Deutschland")])
def test_a_run_moved_to_another_region_does_not_keep_the_texas_title(lang, country):
    moved = resolve("milam-county", overrides={"region": "de"})
    sub = subject("milam-county", moved)
    assert not sub.own and sub.changed == ("region",)
    title = display_title("milam-county", moved, lang)
    assert country in title and "Texas" not in title and expected_scale("milam-county", lang) in title
    assert "Milam County" in title  # the design it follows
    assert title != display_title("milam-county", preset_scenario("milam-county"), lang)


def test_a_resized_run_names_its_own_scale_and_other_changes_keep_the_presets_title():
    resized = resolve("abilene", overrides={"accelerator_count": 100_000})
    assert "100,000 accelerators" in display_title("abilene", resized, "en")
    assert "100.000 Beschleuniger" in display_title("abilene", resized, "de")
    assert "50 MW IT-Last" in display_title("abilene", resolve("abilene", overrides={"it_load_mw": 50}), "de")
    tuned = resolve("abilene", overrides={"design_pue": 1.2, "cooling": "closed-loop"})
    sub = subject("abilene", tuned)
    assert sub.own and sub.changed == ("design_pue", "cooling")
    assert display_title("abilene", tuned, "en") == display_title("abilene", preset_scenario("abilene"), "en")


def test_a_place_or_title_the_user_gives_is_shown_as_given():
    placed = resolve("milam-county", overrides={"region": "de", "place": "Lausitz"})
    assert "Lausitz" in display_title("milam-county", placed, "de") and "Deutschland" not in display_title(
        "milam-county", placed, "de")
    titled = resolve("stargate-10gw", overrides={"title": "Mein Titel"})
    assert display_title("stargate-10gw", titled, "en") == display_title("stargate-10gw", titled, "de") == "Mein Titel"


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_opening_sentence_names_place_and_scale_from_the_ledger(lang, monkeypatch):
    from stargate_report.model.evaluate import evaluate
    from stargate_report.present import chapter

    shown: list[str] = []
    monkeypatch.setattr(chapter, "display_html", shown.append)
    for preset, overrides in (("stargate-norway", {}), ("milam-county", {"region": "de", "design_pue": 1.2})):
        res = evaluate(resolve(preset, overrides={"samples": 20, **overrides}))
        chapter.Chapter("summary", res, lang, preset).opening()
        text = shown.pop()
        # the scale is the capacity fact's value, tagged with its key in the results
        key = res.roles["facility_capacity_mw"]
        assert re.search(rf'data-key="/assumptions/{re.escape(key)}/value" data-divisor="[^"]+">'
                         rf'{re.escape(expected_scale(preset, lang).split()[0])}</span>', text), text[:400]
        where = expected_place(preset, lang) if not overrides else t("place.de", lang)
        assert where in text
        if overrides:
            assert "<code>region, design_pue, samples</code>" in text  # what differs from the preset
        assert not re.search(r"\{[a-z_:.]+\}", text)
