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
])
def test_malformed_rows_are_reported_with_file_row_and_field(data_copy, old, new, field, problem):
    p = _corrupt(data_copy, old, new)
    with pytest.raises(DataError) as err:
        parse_assumptions(p, set(load_sources()))
    msg = str(err.value)
    assert "assumptions.csv" in msg and f"field '{field}'" in msg and problem in msg
    assert "line" in msg


def test_sampling_is_triangular_within_bounds_and_seeded():
    rows = [load_registry()["pue.default"], load_registry()["tdp.h100"]]
    a = sample(rows, 10_000, np.random.default_rng(1))
    b = sample(rows, 10_000, np.random.default_rng(1))
    assert np.array_equal(a["pue.default"], b["pue.default"])
    assert a["pue.default"].min() >= 1.10 and a["pue.default"].max() <= 1.28
    # mean of triangular(a, c, b) = (a + b + c) / 3
    assert a["pue.default"].mean() == pytest.approx((1.10 + 1.20 + 1.28) / 3, abs=2e-3)
    assert np.all(a["tdp.h100"] == 700)
