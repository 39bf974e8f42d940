"""Numbers with unit and range in English and German format."""
from __future__ import annotations

import pytest

from stargate_report.exceptions import UnknownNameError
from stargate_report.present import formatting as f


@pytest.mark.parametrize("p50,p10,p90,unit,en,de", [
    (1200, 1200, 1200, "MW", "1.20 GW", "1,20 GW"),
    (8.68e6, 8.03e6, 9.69e6, "MWh", "8.68 TWh (8.03–9.69)", "8,68 TWh (8,03–9,69)"),
    (3.8e10, 3.4e10, 4.24e10, "usd", "USD 38.0 bn (34.0–42.4)", "38,0 Mrd. USD (34,0–42,4)"),
    (600_052, 547_585, 655_955, "count", "600,000 (548,000–656,000)", "600.000 (548.000–656.000)"),
    (0.682, 0.641, 0.721, "fraction", "68.2% (64.1–72.1)", "68,2 % (64,1–72,1)"),
    (1.9e28, 1.7e28, 2.1e28, "flop", "1.9 × 10²⁸ FLOP (1.7–2.1 × 10²⁸)", "1,9 × 10²⁸ FLOP (1,7–2,1 × 10²⁸)"),
])
def test_with_range(p50, p10, p90, unit, en, de):
    assert f.with_range(p50, p10, p90, unit, "en") == en
    assert f.with_range(p50, p10, p90, unit, "de") == de


def test_unknown_language_lists_supported():
    with pytest.raises(UnknownNameError, match="known: de, en"):
        f.value(1, "MW", "fr")


@pytest.mark.parametrize("x, grouped, en, de", [
    (0.9, True, "0.9", "0,9"), (1.15, True, "1.15", "1,15"), (5000, True, "5,000", "5.000"),
    (20260109, False, "20260109", "20260109"), (0.1 + 0.2, True, "0.3", "0,3"),
    (1e12, True, "1,000,000,000,000", "1.000.000.000.000")])
def test_exact_shows_a_number_as_given_in_the_languages_format(x, grouped, en, de):
    assert f.exact(x, "en", grouped) == en and f.exact(x, "de", grouped) == de


def test_german_shows_land_in_hectares_not_acres():
    from stargate_report.present.formatting import unit_label, value, with_range

    assert value(5.6, "acres_per_mw", "de") == "2,27 ha/MW" and value(5.6, "acres_per_mw", "en") == "5.60 acres/MW"
    assert with_range(5.6, 3.6, 8.9, "acres_per_mw", "de") == "2,27 ha/MW (1,46–3,60)"
    assert value(875, "acres", "de") == "354 ha" and unit_label("acres_per_mw", "de") == "ha/MW"


def test_german_time_axes_name_the_months_as_babel_does():
    from stargate_report.present.charts import time_format_locale

    assert time_format_locale("de")["shortMonths"][2] == "März" and time_format_locale("de")["months"][11] == "Dezember"
    assert time_format_locale("en")["shortMonths"][2] == "Mar"


def test_unit_labels_are_written_as_people_write_them():
    from stargate_report.present.formatting import unit_label

    assert [unit_label(u) for u in ("l_per_kwh", "tco2e", "MWh", "usd_per_mwh")] == ["L/kWh", "t CO₂e", "MWh", "USD/MWh"]
