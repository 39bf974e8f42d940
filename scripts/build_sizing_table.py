#!/usr/bin/env python
"""Solve and ship the least-cost 24/7 mixes per MW of load for the default costs and options.

    python scripts/build_sizing_table.py          # writes stargate_report/catalog/data/sizing_table.json

Each solution is keyed by the hash of every input (:func:`stargate_report.supply.sizing.unit_key`: the
profiles' bytes, the costs, the grid terms, the options, the target and the LP code), so the package uses
an entry only while all of them are unchanged; anything else is solved afresh (and cached on disk). Covers
every region and site with profiles, 100 % annual matching and the CFE targets of the cost curve plus the
scenarios' default target, with the presets' option sets (wind allowed; Milam County: no wind). Re-run it
after changing a cost, a profile or the LP (supply/lp.py, lp_inputs.py, lp_model.py) (about 5-10 s per solve).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import NamedTuple

from stargate_report.catalog import files as datafiles
from stargate_report.model.scenario import Scenario
from stargate_report.supply import sizing
from stargate_report.supply.costs import GridTerms, SupplyCosts
from stargate_report.supply.profiles import SITES, region_profiles, regions

#: option sets of the presets: (region or None for all, options)
OPTION_SETS = [(None, sizing.SupplyOptions()), ("us-tx", sizing.SupplyOptions(allow_wind=False))]


class Solve(NamedTuple):
    region: str
    site: str | None
    options: sizing.SupplyOptions
    target: float | None
    profiles: object
    costs: SupplyCosts
    grid: GridTerms
    key: dict


def default_solves():
    """Every :class:`Solve` the table ships, with the inputs its key was made of: each region and site with
    profiles, 100 % annual matching (target None) and the cost curve's targets plus the scenarios' default
    target, with the presets' option sets. The table test checks the shipped table holds these and no more."""
    costs = SupplyCosts.from_registry()
    targets = sorted({*sizing.CFE_CURVE_TARGETS, float(Scenario.model_fields["target_cfe"].default)})
    places = [(r, None) for r in regions()] + [(r, s) for s, r in (("abilene", "us-tx"),) if s in SITES]
    for region, site in places:
        grid = GridTerms.from_registry(region)
        for only, base in OPTION_SETS:
            if only is not None and only != region:
                continue
            options = sizing.SupplyOptions(**{**base.__dict__, "site": site})
            prof = region_profiles(region, site, options.pv_mount)
            for target in [None, *targets]:
                yield Solve(region, site, options, target, prof, costs, grid,
                            sizing.unit_key(prof, target, options, costs, grid))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=datafiles.path(sizing.SIZING_TABLE))
    a = ap.parse_args(argv)
    solutions: dict[str, dict] = {}
    index = []
    t_all = time.perf_counter()
    for region, site, options, target, prof, costs, grid, key in default_solves():
        h = sizing.key_hash(key)
        t0 = time.perf_counter()
        sol = sizing._solve(prof, target, options, costs, grid)
        dt = time.perf_counter() - t0
        solutions[h] = {k: round(float(v), 9) for k, v in sol.items() if not k.startswith("hourly.")}
        index.append({"hash": h, "region": region, "site": site, "allow_wind": options.allow_wind,
                      "target": target, "seconds": round(dt, 2)})
        print(f"{region:6s} {site or '-':8s} wind={options.allow_wind!s:5s} target={target!s:5s} "
              f"cfe={solutions[h].get('hourly_cfe_share', float('nan')):.4f} {dt:6.1f} s", flush=True)
    doc = {"about": "least-cost 24/7 CFE solutions per MW of flat load, keyed by the hash of every input "
                    "(stargate_report.supply.sizing.unit_key); built by scripts/build_sizing_table.py",
           "built_in_s": round(time.perf_counter() - t_all, 1), "index": index, "solutions": solutions}
    a.out.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(solutions)} solutions -> {a.out}")


if __name__ == "__main__":
    main()
