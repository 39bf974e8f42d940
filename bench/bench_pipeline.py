"""Benchmark the briefing pipeline against the plain route; prints one table of times and ratios.

Run: python bench/bench_pipeline.py [--sweep-runs 8] [--pairs 3]   (about 10 minutes; everything measured in this one run)

1. Default briefing (HTML and PDF, English) cold, against the plain route a user would otherwise script:
   one `papermill` command and one `jupyter nbconvert --to html` command per chapter (each chapter then
   evaluates the scenario itself), then the PDF with WeasyPrint on each chapter's HTML.
2. A cached re-run of the same briefing.
3. A sweep of N scenarios with 2 workers against 1 worker, with one kernel per run in both (like for
   like: what the workers add), and 1 worker with the defaults (kernels per run = cores // workers, so
   one worker already runs each run's chapters on every core). Twice: with the batch's default formats
   (HTML and PDF, a full briefing per run) and with HTML only (shorter runs, so each worker's start-up,
   its kernel and first imports, weighs more). The two sweeps compared are run as interleaved pairs
   (1 worker, 2 workers, 1 worker, 2 workers, ...; --pairs, default 3): on a shared virtual machine the
   speed of the host drifts by 10-20 % within minutes (the same sweep took 38.7 s and 47.3 s within the
   hour), so one sweep of each, minutes apart, can be off by that much. The table shows every pair's
   ratio and the median, which the goal is checked against.
   Each sweep's CPU time (of all its processes) is measured too: the table shows how many cores each kept
   busy on average, and below the speed-up a bound on it: with 1 worker a run already overlaps some work
   (kernels warming up while the scenario is evaluated, the worker taking a chapter's output while the
   kernel runs the next cell, the servers importing side by side), so 1 worker keeps more than one core
   busy, and 2 workers cannot be faster than every core busy with their CPU time.
4. The floor: `python -c "import stargate_report, pandas, altair"`.

The cache of derived arrays (STARGATE_REPORT_CACHE_DIR: the hourly profiles and the least-cost mixes per
MW of load) starts empty: the cold briefing is a first run on a fresh machine and fills it; it is
measured once more with the cache filled (what a later cold run of the same preset costs). The plain
route starts from an empty cache of its own too (its first chapter fills it for the seven after), and so
does every sweep, so 1 and 2 workers do the same work (a sweep of new scenarios on a fresh machine).

Goals (issue 7): cold >= 4x faster than the plain route; cold <= 2.5x (floor + PDF render);
cached < 0.5 s; sweep speed-up with 2 workers >= 1.7x (the batch's default sweep: full briefings, HTML and
PDF; the HTML-only ratio is shown without a goal).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def timed(cmd: list[str], **kw) -> float:
    return timed_cpu(cmd, **kw)[0]


def timed_cpu(cmd: list[str], **kw) -> tuple[float, float]:
    """Wall time and CPU time (user + system, of the command and every process it started and reaped:
    fork servers, workers, kernels) of one command."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def plain_route(work: Path) -> float:
    from stargate_report.render.exporters import html_to_pdf

    env = {**os.environ, "STARGATE_REPORT_CACHE_DIR": str(work / "array-cache")}  # empty, as for the cold run
    t = time.perf_counter()
    for nb in sorted((REPO / "notebooks").glob("[0-9]*.ipynb")):
        out = work / nb.name
        subprocess.run(["papermill", str(nb), str(out), "-p", "preset", "milam-county", "--no-progress-bar"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        subprocess.run(["jupyter", "nbconvert", "--to", "html", "--no-input", str(out)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        (work / f"{nb.stem}.pdf").write_bytes(html_to_pdf((work / f"{nb.stem}.html").read_text()))
    return time.perf_counter() - t


def sweep_file(path: Path, runs: int, formats: str | None) -> None:
    """N runs of the Milam County campus in seven regions; ``formats`` None keeps the batch default."""
    regions = ["us-tx", "us", "de", "jp", "no", "es", "ae", "us-tx"]
    scen = "\n".join(f"  - {{name: run-{i}, params: {{region: \"{regions[i % len(regions)]}\", pue: {1.1 + 0.01 * i:.2f}}}}}"
                     for i in range(runs))
    fmt = f"formats: {formats}\n" if formats else ""
    path.write_text(f"name: bench\nlang: en\n{fmt}base: {{preset: milam-county, params: {{samples: 1000, allow_wind: true}}}}\n"
                    f"scenarios:\n{scen}\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sweep-runs", type=int, default=8)
    ap.add_argument("--pairs", type=int, default=3, help="interleaved pairs of sweeps (1 worker, 2 workers)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sr-bench-"))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    os.environ["STARGATE_REPORT_CACHE_DIR"] = str(work / "array-cache")  # empty: a first run on this machine
    # a fresh IPython profile for every kernel measured: the plain route's papermill kernels write each cell
    # to its history database, which grows with every run on a machine (95 MB here after a few days) and
    # slows them; ours keep no history. Both start from the same empty profile.
    os.environ["IPYTHONDIR"] = str(work / "ipython")
    try:
        floor = timed([sys.executable, "-c", "import stargate_report, pandas, altair"])
        cold = timed([sys.executable, "-m", "stargate_report", "run", "--out", str(work / "out"), "--quiet",
                      "--max-source-age", "100000"])
        cold_warm_profiles = timed([sys.executable, "-m", "stargate_report", "run", "--out", str(work / "out2"),
                                    "--quiet", "--max-source-age", "100000"])
        manifest = json.loads((work / "out" / "milam-county" / "manifest.json").read_text())
        # the PDF render in the strict sense: WeasyPrint on the briefing HTML (not the HTML export before it)
        pdf_render = manifest["timings_s"]["pdf_s"]
        cached = timed([sys.executable, "-m", "stargate_report", "run", "--out", str(work / "out"), "--quiet",
                        "--max-source-age", "100000"])
        plain_dir = work / "plain"
        plain_dir.mkdir()
        plain = plain_route(plain_dir)
        sweeps = {}
        for label, formats in (("HTML+PDF", None), ("HTML only", "html")):
            sweep = work / f"sweep-{len(sweeps)}.yaml"
            sweep_file(sweep, args.sweep_runs, formats)

            def batch(workers: int, *extra: str, sweep=sweep) -> tuple[float, float]:
                out = work / f"sweep-out-{time.monotonic_ns()}"
                env = {**os.environ, "STARGATE_REPORT_CACHE_DIR": str(out / "array-cache")}  # empty
                return timed_cpu([sys.executable, "-m", "stargate_report", "batch", str(sweep), "--out", str(out),
                                  "--workers", str(workers), "--quiet", *extra], env=env)

            pairs, cpus = [], []
            for _ in range(max(1, args.pairs)):
                (a, ca), (b, cb) = (batch(1, "--jobs", "1"),  # 1 kernel per run, like each of the 2 workers below
                                    batch(2))  # default: cores // workers = 1 kernel per run on 2 cores
                pairs.append((a, b))
                cpus.append((ca, cb))
            sweeps[label] = {"pairs": pairs, "cpus": cpus, "one": batch(1)[0]}  # default: 2 kernels per run
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows = [
        ("floor: import stargate_report, pandas, altair", floor, ""),
        ("default briefing, cold (HTML+PDF), empty cache of derived arrays", cold, f"{manifest['timings_s']}"),
        ("default briefing, cold, cache of derived arrays filled", cold_warm_profiles, ""),
        ("plain route: papermill + nbconvert per chapter + PDF", plain, ""),
        ("cached re-run", cached, f"goal < 0.5 s: {'met' if cached < 0.5 else 'MISSED'}"),
    ]
    for label, t in sweeps.items():
        ones, twos = [a for a, _ in t["pairs"]], [b for _, b in t["pairs"]]
        t["one_1k"], t["two"] = statistics.median(ones), statistics.median(twos)
        t["ratio"] = statistics.median(a / b for a, b in t["pairs"])
        # how many cores each kept busy on average (CPU time / wall time), and the CPU time 2 workers need
        # for the same runs relative to 1: together they bound the speed-up (see the lines below the table)
        t["cores1"] = statistics.median(ca / a for (a, _), (ca, _) in zip(t["pairs"], t["cpus"]))
        t["cores2"] = statistics.median(cb / b for (_, b), (_, cb) in zip(t["pairs"], t["cpus"]))
        t["cpu21"] = statistics.median(cb / ca for ca, cb in t["cpus"])
        rows += [(f"sweep of {args.sweep_runs} ({label}), 1 worker, 1 kernel per run (median)", t["one_1k"],
                  " ".join(f"{a:.2f}" for a in ones) + f"  ({t['cores1']:.2f} cores busy)"),
                 (f"sweep of {args.sweep_runs} ({label}), 2 workers, default ({max(1, cores // 2)} kernel per run, median)",
                  t["two"], " ".join(f"{b:.2f}" for b in twos) + f"  ({t['cores2']:.2f} cores busy)"),
                 (f"sweep of {args.sweep_runs} ({label}), 1 worker, default ({cores} kernels per run)", t["one"], "")]
    print(f"{'case':68s} {'seconds':>9s}  note")
    for name, secs, note in rows:
        print(f"{name:68s} {secs:9.2f}  {note}")
    print()
    print(f"plain route / cold                           {plain / cold:6.2f}x   goal >= 4: {'met' if plain / cold >= 4 else 'MISSED'}")
    budget = 2.5 * (floor + pdf_render)
    print(f"cold / (floor + PDF render)                  {cold / (floor + pdf_render):6.2f}x   goal <= 2.5: "
          f"{'met' if cold <= budget else 'MISSED'}   (PDF render = WeasyPrint only, {pdf_render:.2f} s)")
    for label, t in sweeps.items():
        ratio = t["ratio"]
        each = ", ".join(f"{a / b:.2f}" for a, b in t["pairs"])
        # the goal is on the batch's default sweep (full briefings); HTML only shows how fixed start-up
        # costs weigh on short runs
        verdict = (f"goal >= 1.7: {'met' if ratio >= 1.7 else 'MISSED'}" if label == "HTML+PDF"
                   else "no goal (short runs)")
        print(f"sweep speed-up, 2 workers vs 1, {label:9s} {ratio:6.2f}x   {verdict}   (median of "
              f"{len(t['pairs'])} interleaved pairs: {each}; one kernel per run in both)")
        # T1 = C1 / u1 and T2 >= C2 / cores, so T1 / T2 <= cores * C1 / (u1 * C2)
        bound = cores / (t["cores1"] * t["cpu21"])
        print(f"  bound with every core busy                  {bound:6.2f}x   (1 worker already keeps "
              f"{t['cores1']:.2f} cores busy; 2 workers need {t['cpu21']:.3f}x its CPU time for the same runs)")
        print(f"  with the defaults                           {t['one'] / t['two']:6.2f}x   "
              f"(1 worker already uses {cores} kernels per run)")


if __name__ == "__main__":
    main()
