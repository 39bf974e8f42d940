"""Benchmark: a year of hourly dispatch for 1,000 sampled systems in one vectorized pass,
against a plain Python loop over the hours for one system.

Run: python bench/bench_supply.py   (prints one table; goal: 1,000 systems under 2 s on 2 cores)
Both are measured in this one run; the ratio compares time per system. The least-cost LP (linopy + HiGHS)
is timed cold: the on-disk cache and the shipped table of solutions are bypassed; the linopy build time and
the HiGHS solve time are shown apart. No test times anything: this prints, it does not assert.
"""
from __future__ import annotations

import math
import os
import time

import numpy as np

os.environ["STARGATE_REPORT_CACHE_DIR"] = ""  # measure the search, not a read of its cached result

from stargate_report.supply import dispatch as supply  # noqa: E402
from stargate_report.supply import sizing
from stargate_report.supply.profiles import region_profiles  # noqa: E402

N = 1000
LOAD_MW = 1000.0
RTE = 0.85


def plain_loop(solar_mw, wind_mw, battery_mw, battery_mwh, solar, wind, passes=2):
    """The same greedy dispatch written as a Python loop over hours, scalars only."""
    eta = math.sqrt(RTE)
    soc = 0.0
    grid_total = 0.0
    for _ in range(passes):
        grid_total = 0.0
        for h in range(8760):
            net = solar[h] * solar_mw + wind[h] * wind_mw - LOAD_MW
            if net >= 0:
                c = min(net, battery_mw, (battery_mwh - soc) / eta)
                soc += c * eta
            else:
                d = min(-net, battery_mw, soc * eta)
                soc -= d / eta
                grid_total += -net - d
    return 1.0 - grid_total / (LOAD_MW * 8760)


def main() -> None:
    prof = region_profiles("us-tx")
    rng = np.random.default_rng(1)
    solar = rng.uniform(0, 8, N) * LOAD_MW
    wind = rng.uniform(0, 4, N) * LOAD_MW
    bp = rng.uniform(0, 2, N) * LOAD_MW
    be = bp * rng.uniform(2, 24, N)
    supply.simulate(LOAD_MW, 1.0, 1.0, 1.0, 1.0, solar_profile=prof.solar, wind_profile=prof.wind)  # warm up
    t = time.perf_counter()
    res = supply.simulate(LOAD_MW, solar, wind, bp, be, solar_profile=prof.solar, wind_profile=prof.wind,
                          round_trip_efficiency=RTE)
    vec = time.perf_counter() - t
    s_list, w_list = prof.solar.tolist(), prof.wind.tolist()
    t = time.perf_counter()
    cfe0 = plain_loop(solar[0], wind[0], bp[0], be[0], s_list, w_list)
    loop = time.perf_counter() - t
    assert abs(cfe0 - res.hourly_cfe_share[0]) < 1e-9, (cfe0, res.hourly_cfe_share[0])
    from stargate_report.supply import lp
    from stargate_report.supply.costs import GridTerms, SupplyCosts

    costs, grid = SupplyCosts.from_registry(), GridTerms.from_registry("us-tx")
    common = dict(load_mw=LOAD_MW, solar_cf=prof.solar, wind_cf=prof.wind, costs=costs.lp_costs(),
                  grid_cfe_share=grid.cfe_share, grid_price_usd_per_mwh=grid.price_usd_per_mwh)
    t = time.perf_counter()
    one = lp.solve_mix(**common, target_cfe=0.9)
    one_s = time.perf_counter() - t
    t = time.perf_counter()
    curve = [lp.annual_matching_mix(**common)] + [lp.solve_mix(**common, target_cfe=x) for x in (0.8, 0.9, 0.95, 0.98)]
    curve_s = time.perf_counter() - t
    build = sum(r.build_time_s for r in curve)
    highs = sum(r.solve_time_s for r in curve)
    sizing.shipped_table.cache_clear()
    t = time.perf_counter()
    sizing.cost_curve("us-tx", LOAD_MW)  # with the shipped table (the default briefing's path)
    table_s = time.perf_counter() - t
    print(f"{'case':44s} {'seconds':>9s}  note")
    print(f"{'vectorized, 1,000 systems, one year':44s} {vec:9.3f}  goal < 2 s: {'met' if vec < 2 else 'MISSED'}")
    print(f"{'plain Python loop over hours, 1 system':44s} {loop:9.3f}  same CFE to 1e-9")
    print(f"{'speed-up per system (loop / (vectorized/N))':44s} {loop / (vec / N):9.1f}x")
    print(f"{'LP, one region-year at 1 GW (us-tx, 90 % CFE)':44s} {one_s:9.3f}  linopy build {one.build_time_s:.2f} s, "
          f"HiGHS {one.solve_time_s:.2f} s")
    print(f"{'LP, five-point curve (annual, 80-98 %)':44s} {curve_s:9.3f}  linopy build {build:.2f} s, HiGHS {highs:.2f} s "
          f"({highs / curve_s:.0%} in the solver)")
    print(f"{'five-point curve from the shipped table':44s} {table_s:9.3f}  {curve_s / max(table_s, 1e-9):.0f}x faster")


if __name__ == "__main__":
    main()
