"""The assumptions registry: real data loads; malformed copies fail naming file, row and field."""
from __future__ import annotations

import numpy as np
import pytest

from stargate_report.catalog.assumptions import load_registry, parse_assumptions, sample
from stargate_report.catalog.sources import load_sources
from stargate_report.exceptions import DataError, UnknownNameError


def test_real_data_loads_and_every_row_has_existing_sources():
    reg = load_registry()
    sources = load_sources()
    assert len(reg) >= 50
    for a in reg.rows.values():
        assert a.source_ids and all(s in sources for s in a.source_ids)
        assert a.low <= a.base <= a.high


@pytest.mark.parametrize("region", ["us-tx", "us", "de", "jp", "no", "es", "ae"])
def test_every_region_has_a_grid_intensity(region):
    row = load_registry().get("grid_intensity_g_per_kwh", region)
    assert row.scope == region and 0 < row.base < 1000


def test_fallback_to_default_scope():
    assert load_registry().get("wue_onsite_l_per_kwh", "de").scope == "default"


def test_unknown_quantity_lists_known():
    with pytest.raises(UnknownNameError, match="known: .*pue"):
        load_registry().get("puee")


def _corrupt(data_copy, old: str, new: str):
    p = data_copy / "assumptions.csv"
    text = p.read_text()
    assert old in text
    p.write_text(text.replace(old, new, 1))
    return p


@pytest.mark.parametrize("old,new,field,problem", [
    ("pue.default,pue,default,1.10,1.20,1.28,ratio", "pue.default,pue,default,1.30,1.20,1.28,ratio", "low",
     "greater than base"),
    ("pue.default,pue,default,1.10,1.20,1.28,ratio", "pue.default,pue,default,1.10,1.20,1.15,ratio", "high",
     "less than base"),
    ("pue.default,pue,default,1.10,1.20,1.28,ratio", "pue.default,pue,default,1.10,1.20,1.28,furlong", "unit",
     "unknown unit"),
    ("pue.default,pue,default,1.10,1.20,1.28", "pue.default,pue,default,1.10,abc,1.28", "base", "not a number"),
    ("google-env-2024;morrison2025-olmo", "no-such-source;morrison2025-olmo", "source_id", "not in sources"),
    ("pue.industry,pue,industry-average", "pue.default,pue,industry-average", "id", "duplicate id"),
    ("pue.industry,pue,industry-average", "pue.industry,pue,default", "scope", "already has scope"),
    (",confirmed,P020;P026;P025", ",maybe,P020;P026;P025", "status", "unknown status"),
    (",confirmed,P020;P026;P025", ",derived,P020;P026;P025", "status", "unknown status"),
    (",confirmed,P020;P026;P025", ",confirmed (secondary),P020;P026;P025", "status", "unknown status"),
    ("2023-2025,google-env-2024;morrison2025-olmo;li2023-thirsty,confirmed", "2023-2025,,confirmed", "source_id",
     "missing or empty"),
    ("2023-2025,google-env-2024;morrison2025-olmo;li2023-thirsty,confirmed", "2023-2025, ; ,confirmed", "source_id",
     "missing or empty"),
    ("pue.default,pue,default,1.10,1.20,1.28,ratio", "pue.default,pue,default,1.10,1.20,1.28,", "unit",
     "missing or empty"),
    ("pue.default,pue,default,1.10,1.20,1.28,ratio", "pue.default,pue,default,1.10,1.20,1.28,kWh", "unit",
     "unknown unit 'kWh'; known: W, acres_per_mw"),
    ("pue.default,pue,default,1.10,1.20,1.28", "pue.default,pue,default,1.10,nan,1.28", "base", "not a finite number"),
    ("pue.default,pue,default,1.10,1.20,1.28", "pue.default,,default,1.10,1.20,1.28", "quantity", "missing or empty"),
])
def test_malformed_rows_are_reported_with_file_row_and_field(data_copy, old, new, field, problem):
    p = _corrupt(data_copy, old, new)
    with pytest.raises(DataError) as err:
        parse_assumptions(p, set(load_sources()))
    msg = str(err.value)
    assert "assumptions.csv" in msg and f"field '{field}'" in msg and problem in msg
    assert "line" in msg


def test_a_bad_derived_flag_and_an_unknown_column_are_reported(data_copy):
    p = data_copy / "assumptions.csv"
    lines = p.read_text().splitlines()
    i = next(n for n, line in enumerate(lines) if line.startswith("srvpower.h100,"))
    lines[i] = lines[i][: lines[i].rindex(",")] + ",perhaps"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"record srvpower.h100 \(line \d+\), field 'derived': expected yes or empty"):
        parse_assumptions(p, set(load_sources()))
    p.write_text(p.read_text().replace("notes,derived", "notes,colour", 1))
    with pytest.raises(DataError, match="record header, field 'colour': unknown column"):
        parse_assumptions(p, set(load_sources()))


def test_statuses_and_units_are_one_vocabulary():
    from stargate_report.catalog import validation

    reg = load_registry()
    assert {a.status for a in reg.rows.values()} <= set(validation.STATUSES)
    assert {a.unit for a in reg.rows.values()} <= validation.ASSUMPTION_UNITS
    # derived rows are flagged, not given a status of their own
    assert reg["srvpower.h100"].derived and reg["srvpower.h100"].status == "secondary"
    assert reg["batterycapex.us"].derived and "DERIVED" in reg["batterycapex.us"].notes


@pytest.mark.parametrize("quantity,scope,base", [
    ("server_power_w_per_accelerator", "h100", 1275),
    ("server_power_w_per_accelerator", "gb200", 1833),
    ("it_overhead_ratio", "default", 1.14),
    ("design_pue", "default", 1.25),
    ("pue", "default", 1.20),
    ("dc_soft_cost_ratio", "default", 0.20),
    ("capex_benchmark_usd_per_gw", "stargate-500bn-10gw", 50e9),
    ("capex_benchmark_usd_per_gw", "epoch-1gw-gb200", 38e9),
    ("discount_rate", "default", 0.054),
    ("discount_rate_nominal", "default", 0.0799),
    ("solar_land_acres_per_mw", "tracking", 5.6),
    ("solar_land_acres_per_mw", "fixed", 3.6),
    ("solar_land_acres_per_mw", "default", 5.6),
    ("wind_land_direct_ha_per_mw", "default", 1.0),
    ("solar_capex_usd_per_w", "default", 1.3231),
    ("battery_power_capex_usd_per_kw", "default", 311.4),
    ("battery_energy_capex_usd_per_kwh", "default", 309.9),
    ("grid_cfe_share", "us-tx", 0.43),
    ("grid_price_usd_per_mwh", "us-tx", 66.0),
    ("surplus_value_usd_per_mwh", "default", 0.0),
])
def test_fidelity_rows(quantity, scope, base):
    row = load_registry().get(quantity, scope, fallback=False)
    assert row.base == pytest.approx(base)


def test_battery_has_one_cost_basis():
    reg = load_registry()
    p, e = reg["batterypower.us"].base, reg["batteryenergy.us"].base
    assert reg["batterycapex.us"].base == pytest.approx((p + 4 * e) / 4, rel=1e-3)


def test_non_us_proxies_say_so():
    reg = load_registry()
    for row in reg.rows.values():
        if row.notes.startswith("US proxy"):
            assert row.status == "uncertain", row.id
    assert reg["ewif.default"].notes.startswith("US proxy") and reg["wue.default"].notes.startswith("US proxy")


def test_rows_on_sources_without_a_confirmed_primary_are_uncertain():
    sources = load_sources()
    for row in load_registry().rows.values():
        weak = [s for s in row.source_ids if sources[s].status == "no primary confirmed"]
        if weak and len(weak) == len(row.source_ids):
            assert row.status == "uncertain", row.id


def test_sampling_is_triangular_within_bounds_and_seeded():
    rows = [load_registry()["pue.default"], load_registry()["tdp.h100"]]
    a = sample(rows, 10_000, np.random.default_rng(1))
    b = sample(rows, 10_000, np.random.default_rng(1))
    assert np.array_equal(a["pue.default"], b["pue.default"])
    assert a["pue.default"].min() >= 1.10 and a["pue.default"].max() <= 1.28
    # mean of triangular(a, c, b) = (a + b + c) / 3
    assert a["pue.default"].mean() == pytest.approx((1.10 + 1.20 + 1.28) / 3, abs=2e-3)
    assert np.all(a["tdp.h100"] == 700)
