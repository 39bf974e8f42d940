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


def test_the_shipped_table_holds_every_default_solve_and_nothing_else(table_script):
    shipped = sizing.shipped_table()
    solves = {sizing.key_hash(s.key): f"{s.region}{'/' + s.site if s.site else ''} wind={s.options.allow_wind} "
                                      f"target={s.target}" for s in table_script.default_solves()}
    missing = [name for h, name in solves.items() if h not in shipped]
    assert not missing, ("the sizing table is stale for: " + ", ".join(missing)
                         + "; run python scripts/build_sizing_table.py")
    orphans = set(shipped) - set(solves)
    assert not orphans, f"{len(orphans)} shipped solutions no default run uses; rebuild the table"


def test_a_changed_profile_misses_the_table(table_script):
    s = next(iter(table_script.default_solves()))
    assert sizing.key_hash(s.key) in sizing.shipped_table()
    changed = dataclasses.replace(s.profiles, solar=s.profiles.solar * 0.99)
    other = sizing.unit_key(changed, s.target, s.options, s.costs, s.grid)
    assert sizing.key_hash(other) not in sizing.shipped_table()
