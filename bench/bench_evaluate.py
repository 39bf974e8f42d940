"""Benchmark: evaluate() of the default scenario with 10,000 samples against 1 sample.

Run: python bench/bench_evaluate.py   (prints one table; goal: 10,000 samples under 1 s on 2 cores)
Times are the best of several repeats measured in this one run, so the ratio is meaningful
even on a busy machine.
"""
from __future__ import annotations

import time

from stargate_report.model.evaluate import evaluate
from stargate_report.model.scenario import resolve
from stargate_report.model.sensitivity import sobol, tornado


def best(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    sc = resolve()
    evaluate(sc, samples=1)  # warm caches (data files, imports)
    one = best(lambda: evaluate(sc, samples=1))
    many = best(lambda: evaluate(sc, samples=10_000))
    tor = best(lambda: tornado(sc, "capex_usd"))
    sob = best(lambda: sobol(sc, "capex_usd", n=512), repeat=2)
    rows = [
        ("evaluate, 1 sample", one, 1.0, ""),
        ("evaluate, 10,000 samples", many, many / one, "goal < 1 s: " + ("met" if many < 1 else "MISSED")),
        ("tornado (capex_usd)", tor, tor / one, ""),
        ("Sobol N=512 (capex_usd)", sob, sob / one, ""),
    ]
    print(f"{'case':28s} {'seconds':>9s} {'x 1-sample':>11s}  note")
    for name, secs, ratio, note in rows:
        print(f"{name:28s} {secs:9.4f} {ratio:11.1f}  {note}")


if __name__ == "__main__":
    main()
