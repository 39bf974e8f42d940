"""Every preset, and a preset moved to another region, built in English and German (issue 22, acceptance):
the title and the opening sentence name the place and the scale, the German edition has no English sentence
outside quoted sources, the SB Energy investment is compared only where the preset is about it, and the claims
chapter names the article and counts its verdicts from the results.

One HTML build (both languages) per case, shared by the tests of that case (module-scoped fixture).
"""
from __future__ import annotations

import html
import json
import re

import pytest

from stargate_report.catalog.knowledge import get_fact, load_knowledge
from stargate_report.model.scenario import preset_names, preset_scenario
from stargate_report.pipeline import build, run_request
from stargate_report.present import formatting
from stargate_report.present.i18n import t

from .prose import english_lines

pytestmark = pytest.mark.slow

#: the cases: every preset as shipped, and the default preset moved to Germany (-p region=de)
CASES = [(name, {}) for name in preset_names()] + [("milam-county", {"region": "de"})]


@pytest.fixture(scope="module", params=CASES, ids=lambda c: c[0] + "".join(f"-{k}={v}" for k, v in c[1].items()))
def built(request, tmp_path_factory):
    preset, overrides = request.param
    req = run_request.make_request(preset=preset, overrides=overrides, langs="en,de", formats="html",
                                   out_dir=tmp_path_factory.mktemp("presets"))
    folder = build.run(req, warn=lambda msg: None).folder
    pages = {lang: (folder / f"briefing.{lang}.html").read_text(encoding="utf-8") for lang in ("en", "de")}
    return preset, overrides, folder, pages


def _text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def _place(preset: str, overrides: dict, lang: str) -> str:
    """Where the run stands, from the data: the region it was moved to, else the preset's site, else its region."""
    own = preset_scenario(preset)
    if "region" in overrides:
        return t(f"place.{overrides['region']}", lang)
    return load_knowledge().sites[own.site].place(lang) if own.site else t(f"place.{own.region}", lang)


def _scale(preset: str, lang: str) -> str:
    return formatting.value(get_fact(preset_scenario(preset).capacity_fact).value, "MW", lang)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_title_and_the_opening_sentence_name_place_and_scale(built, lang):
    preset, overrides, _, pages = built
    markup = pages[lang]
    title = html.unescape(re.sub(r"<[^>]+>", "", re.search(r'class="sr-doc-title[^"]*">(.*?)</h1>', markup).group(1)))
    assert html.unescape(re.search(r"<title>([^<]*)</title>", markup).group(1)) == title
    summary = markup[markup.index('<h1 id="summary"'):]
    opening = _text(re.search(r"<p>(.*?)</p>", summary, flags=re.S).group(1))
    place, scale = _place(preset, overrides, lang), _scale(preset, lang)
    for text in (title, opening):
        assert place in text and scale in text, text
    if overrides:  # moved: neither the title nor the opening keeps the preset's place
        assert "Texas" not in title and "Texas" not in opening
        assert "region" in opening  # the parameter that differs from the preset is named


def test_no_english_sentence_is_left_in_the_german_briefing(built):
    assert len(english_lines(built[3]["en"])) > 50  # the heuristic does find English
    assert english_lines(built[3]["de"]) == []


def test_the_investment_is_compared_only_where_the_preset_is_about_it(built):
    preset, overrides, folder, pages = built
    results = json.loads((folder / "data" / "results.json").read_text())
    about_it = preset_scenario(preset).investment_fact is not None
    assert about_it == (preset == "milam-county")
    assert ("investment_usd" in results["quantities"]) == about_it
    assert ('id="economics-economics-billion"' in pages["en"]) == about_it
    assert ("What USD 1 bn buys." in _text(pages["en"])) == about_it


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_claims_chapter_names_the_article_and_counts_its_verdicts_from_the_results(built, lang):
    _, _, folder, pages = built
    tally = json.loads((folder / "data" / "results.json").read_text())["tables"]["claim_verdicts"]
    section = pages[lang][pages[lang].index('id="deal-deal-claims"'):]
    section = section[:section.index("<table")]
    opening, closing = {"en": ("“", "”"), "de": ("„", "“")}[lang]
    assert f"{opening}{load_knowledge().article.title}{closing}" in _text(section)
    shown = {tally[int(i)]["key"]: text for i, text in
             re.findall(r'data-key="/tables/claim_verdicts/(\d+)/count" data-divisor="[^"]+">([^<]*)<', section)}
    assert shown == {row["key"]: str(row["count"]) for row in tally}
    assert int(shown["all"]) == len(load_knowledge().claims)
