"""The supply chapter as a reader sees it: its figures name the weather station, its charts print at 8 pt or
more on A4, the cost curve carries the published ranges that apply, and no region's supply costs a misleading
0 USD/MWh (Norway's grid is priced; Japan's has no sourced price and says so), in English and German.

The chapter notebook's cells run in-process against a ledger evaluated once per scenario; what they display
is collected instead of shown."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from stargate_report.model.evaluate import add_supply_tables, evaluate
from stargate_report.model.scenario import resolve

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "04_supply.ipynb"
#: the A4 text width of the PDF (page 210 mm, margins 2 x 18 mm, body padding 2 x 6 mm) in CSS px
A4_TEXT_PX = 162 / 25.4 * 96

SCENARIOS = {
    "norway": ("stargate-norway", {}),
    "de": ("milam-county", {"region": "de", "allow_wind": True}),
    "jp": ("milam-county", {"region": "jp", "allow_wind": True}),
    "ae": ("milam-county", {"region": "ae", "allow_wind": True}),  # no wind profile, no weather station
}


@pytest.fixture(scope="module")
def stems(tmp_path_factory):
    out = {}
    for key, (preset, overrides) in SCENARIOS.items():
        res = add_supply_tables(evaluate(resolve(preset, overrides={"samples": 100, **overrides}), supply=True))
        stem = tmp_path_factory.mktemp(key) / "results"
        res.save(stem)
        out[key] = (preset, overrides, stem, res)
    return out


def _chapter_html(stems, key, lang, monkeypatch) -> str:
    from stargate_report.present import chapter
    from stargate_report.present.chapters import supply

    shown: list[str] = []
    monkeypatch.setattr(chapter, "display_html", shown.append)
    monkeypatch.setattr(supply, "display_html", shown.append)
    preset, overrides, stem, _ = stems[key]
    ns = {"preset": preset, "overrides": overrides, "lang": lang, "results_path": str(stem)}
    for cell in json.loads(NOTEBOOK.read_text())["cells"]:
        if cell["cell_type"] == "code" and "parameters" not in cell["metadata"].get("tags", []):
            exec(compile("".join(cell["source"]), NOTEBOOK.name, "exec"), ns)
    return "\n".join(shown)


def _text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<svg\b.*?</svg>", " ", markup, flags=re.S)))


def _figures(markup: str) -> dict[str, tuple[str, str]]:
    """``{figure name: (svg, caption text)}``."""
    return {m.group(1): (m.group(2), _text(m.group(3)))
            for m in re.finditer(r'<figure [^>]*data-figure="([^"]+)".*?(<svg\b.*?</svg>).*?<figcaption>(.*?)</figcaption>',
                                 markup, re.S)}


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("key", list(SCENARIOS))
def test_every_supply_figure_names_its_weather_station(stems, key, lang, monkeypatch):
    res = stems[key][3]
    station = res.tables["supply_weather"][0]["station_id"]
    figures = _figures(_chapter_html(stems, key, lang, monkeypatch))
    mix = res.tables["supply_mix"][0]
    builds = any(mix[k] > 0 for k in ("solar_mw", "wind_mw", "battery_mwh", "firm_mw", "ldes_mwh"))
    # where nothing is built (the grid alone meets the target: Norway) there are no hours of own supply to chart
    hourly = {"dispatch_week", "cfe_heatmap"}
    assert {"emissions_methods", "supply_regions"} | (hourly if builds else set()) <= set(figures)
    assert builds or not hourly & set(figures)
    for name, (_, caption) in figures.items():
        if name == "supply_regions":  # each region's own station
            for row in res.tables["supply_regions"]:
                if any(c.isdigit() for c in row["station_id"]):
                    assert row["station_id"].split(";")[0] in caption, (name, row["region"])
        elif any(c.isdigit() for c in station):
            assert station in caption, name
        else:  # a model, not a station: named as such
            assert ("clear-sky model" if lang == "en" else "Klarhimmelmodell") in caption, name
        assert ("Weather" if lang == "en" else "Wetter") in caption, name


@pytest.mark.parametrize("key", list(SCENARIOS))
def test_supply_charts_print_at_8_pt_or_more_on_a4(stems, key, monkeypatch):
    """WeasyPrint scales a chart wider than the A4 text down to it: the smallest text must stay >= 8 pt."""
    for name, (svg, _) in _figures(_chapter_html(stems, key, "en", monkeypatch)).items():
        width = float(re.search(r'<svg[^>]*\bwidth="([\d.]+)"', svg).group(1))
        sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)(?:px)?"', svg)]
        sizes += [float(s) for s in re.findall(r"font-size:\s*([\d.]+)px", svg)]
        assert sizes, name
        points = min(sizes) * 0.75 * min(1.0, A4_TEXT_PX / width)
        assert points >= 8.0, (name, width, min(sizes), points)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_norway_prints_no_zero_supply_cost(stems, lang, monkeypatch):
    text = _text(_chapter_html(stems, "norway", lang, monkeypatch))
    zero = re.compile(r"(USD\s*0(?:[.,]0+)?\s*/MWh|\b0(?:[.,]0+)?\s*USD/MWh)")
    assert not zero.search(text), zero.search(text).group(0)
    # and it says why nothing is built (the grid meets the target), wind included
    assert ("the grid in Norway is already" if lang == "en" else "Das Netz in Norwegen ist bereits") in text


@pytest.mark.parametrize("lang", ["en", "de"])
def test_without_a_grid_price_the_cost_is_not_available_and_the_chapter_says_why(stems, lang, monkeypatch):
    text = _text(_chapter_html(stems, "jp", lang, monkeypatch))
    assert ("not available" if lang == "en" else "nicht verfügbar") in text
    assert ("no sourced grid price for Japan" if lang == "en" else "Für Japan liegt kein belegter Netzstrompreis vor") in text
    assert not re.search(r"(USD\s*0(?:[.,]0+)?\s*/MWh|\b0(?:[.,]0+)?\s*USD/MWh)", text)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_cost_curve_draws_the_published_ranges_that_apply(stems, lang, monkeypatch):
    from stargate_report.catalog.literature import literature_for
    from stargate_report.present.chapters.supply import reason_key
    from stargate_report.present.i18n import catalogue

    markup = _chapter_html(stems, "de", lang, monkeypatch)
    svg, caption = _figures(markup)["cfe_curve"]
    rows = literature_for("de")
    assert rows and all(r["region"] == "de" for r in rows)
    for scenario in {r["scenario"] for r in rows}:  # a symbol per study and scenario in the legend
        shown = scenario if lang == "en" else catalogue("de")[reason_key(scenario, "scenario")]
        assert html.escape(shown) in svg, shown
    assert "riepin-brown-2024-esr" in caption
    text = _text(markup)
    reasons = {r["reason"].strip() for r in rows if r["reason"].strip()}
    shown = [x for x in reasons if x in text]
    german = [catalogue("de")[reason_key(x)] for x in reasons if catalogue("de")[reason_key(x)] in text]
    if lang == "en":
        assert shown and not german
    else:  # the German briefing gives the reasons in German, never the table's English
        assert german and not shown


@pytest.mark.parametrize(("key", "reason"), [("norway", "grid_meets_target"), ("ae", "no_profile")])
def test_a_mix_without_wind_says_why_in_both_languages(stems, key, reason, monkeypatch):
    from stargate_report.present.i18n import t

    assert stems[key][3].tables["supply_mix"][0]["wind_zero_reason"] == reason

    for lang in ("en", "de"):
        first = t(f"supply.wind_zero.{reason}", lang).split("{")[0].split(":")[0]
        assert first in _text(_chapter_html(stems, key, lang, monkeypatch))
