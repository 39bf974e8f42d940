"""The shipped table of least-cost mixes (``catalog/data/sizing_table.json``) is current: every solve the
default presets and the regions table need is in it, so a changed profile, cost or LP that was not followed
by ``python scripts/build_sizing_table.py`` fails here instead of making every first run solve afresh
(measured when the Spanish wind profile was recalibrated without a rebuild: the default briefing's
evaluation went from 0.9 s to 17.3 s with an empty cache)."""
from __future__ import annotations

import dataclasses

import pytest

from stargate_report.supply import sizing

from .scripts import load_script


@pytest.fixture(scope="module")
def table_script():
    return load_script("build_sizing_table")


def test_the_shipped_table_holds_every_default_solve(table_script):
    shipped = sizing.shipped_table()
    solves = list(table_script.default_solves())
    assert len(solves) >= 50, len(solves)  # every region and site, both option sets, every target
    missing = [f"{region}{'/' + site if site else ''} wind={options.allow_wind} target={target}"
               for region, site, options, target, _, key in solves if sizing.key_hash(key) not in shipped]
    assert not missing, ("the sizing table is stale for: " + ", ".join(missing)
                         + "; run python scripts/build_sizing_table.py")


def test_a_changed_profile_misses_the_table(table_script):
    region, site, options, target, prof, key = next(iter(table_script.default_solves()))
    changed = dataclasses.replace(prof, solar=prof.solar * 0.99)
    grid = sizing.GridTerms.from_registry(region)
    assert sizing.key_hash(key) in sizing.shipped_table()
    other = sizing.unit_key(changed, target, options, sizing.SupplyCosts.from_registry(), grid)
    assert sizing.key_hash(other) != sizing.key_hash(key)
