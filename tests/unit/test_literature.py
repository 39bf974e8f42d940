"""The model's 24/7 premiums beside the published ranges (catalog/data/literature_cfe.csv): where the model
lies outside a study's range at 90/95/98 % CFE, the table says why (column ``reason``)."""
from __future__ import annotations

import pytest

from stargate_report.catalog.literature import literature_cfe
from stargate_report.supply import sizing

TARGETS = (0.9, 0.95, 0.98)


@pytest.fixture(scope="module")
def premiums():
    out = {}
    for region in ("de", "us-tx"):
        rows = sizing.cost_curve(region, 1000.0, targets=TARGETS)
        out[region] = {r["target_cfe"]: r["premium_usd_per_mwh"] for r in rows if r["policy"] == "hourly"}
    return out


def test_the_table_reads_and_cites_known_sources():
    rows = literature_cfe()
    assert {r["source_id"] for r in rows} == {"riepin-brown-2024-esr", "bistline-2025-epri-cfe"}
    assert {r["region"] for r in rows} >= {"de", "us-tx"}


@pytest.mark.parametrize("region", ["de", "us-tx"])
def test_model_premiums_are_within_the_ranges_or_the_table_says_why(premiums, region):
    checked = 0
    for row in literature_cfe():
        if row["region"] != region:
            continue
        for target in TARGETS if row["cfe_target"] is None else [row["cfe_target"]]:
            if target not in TARGETS:
                continue
            model = premiums[region][target]
            inside = row["premium_usd_per_mwh_low"] <= model <= row["premium_usd_per_mwh_high"]
            assert inside or row["reason"].strip(), (row["study"], row["scenario"], target, model)
            checked += 1
    assert checked >= 3


def test_premiums_rise_with_the_target(premiums):
    for region, by_target in premiums.items():
        values = [by_target[t] for t in TARGETS]
        assert values == sorted(values), region


def test_every_reason_has_its_german_wording_and_none_is_stale():
    """The chapter prints a row's reason where the model lies outside its range: in German the catalogue's
    ``literature.reason.<hash of the English>`` (an edited reason needs a new translation)."""
    from stargate_report.present.chapters.supply import reason_key
    from stargate_report.present.i18n import catalogue

    for kind in ("reason", "scenario"):
        keys = {reason_key(r[kind], kind) for r in literature_cfe() if r[kind].strip()}
        german = {k for k in catalogue("de") if k.startswith(f"literature.{kind}.")}
        assert keys and keys == german, kind


def test_the_rows_that_apply_to_a_region():
    from stargate_report.catalog.literature import literature_for

    assert {r["region"] for r in literature_for("de")} == {"de"}
    assert {r["region"] for r in literature_for("us-tx")} == {"us", "us-tx"} == {r["region"] for r in literature_for("us")}
    assert literature_for("no") == []
