"""Command line: ``stargate-report run | batch | evaluate | params | presets | sensitivity | supply | facts | claims | footprint``.

A thin layer over the Python API. Bad input exits with code 2 and a one-line message
naming the parameter, the value and what is allowed, before any kernel starts; a failed
build exits with 1; Ctrl-C with 130.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from stargate_report import __version__
from stargate_report.exceptions import BuildError, DataError, ParameterError, StargateReportError, UnknownNameError
from stargate_report.pipeline import run_request
from stargate_report.runtime.process import keep_freed_memory, quick_exit

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERRUPT = 0, 1, 2, 130


def _scenario_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", help="scenario preset (see `stargate-report presets`); default milam-county")
    p.add_argument("--params", metavar="FILE.yaml", help="YAML file of parameters that replace the preset's")
    p.add_argument("-p", dest="overrides", metavar="KEY=VALUE", action="append", default=[],
                   help="one parameter (repeatable), e.g. -p pue=1.3 -p region=de; see `stargate-report params`")


def _resolve(args):
    from stargate_report.model.scenario import parse_overrides, resolve

    return resolve(args.preset, args.params, parse_overrides(args.overrides))


def _table(rows: list[dict], columns: list[str]) -> str:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns), "  ".join("-" * widths[c] for c in columns)]
    lines += ["  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)


def cmd_run(args) -> int:
    from stargate_report.runtime import forkserver

    # the chapters' kernels are forked from a kernel server, which imports their libraries while this
    # process imports, validates and evaluates (about 0.3 s sooner than kernels that each import them);
    # a run served from the cache never asks it, and it is ended at once
    servers = forkserver.Servers(roles=("kernel",))
    try:
        from stargate_report.model.scenario import parse_overrides
        from stargate_report.pipeline import build

        req = run_request.make_request(args.preset, args.params, parse_overrides(args.overrides), args.lang, args.format,
                                 args.out, args.cell_timeout, args.name, args.max_source_age, args.jobs)
        progress = None if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
        with servers.kernels():
            result = build.run(req, progress, warn=lambda msg: print(msg, file=sys.stderr, flush=True),
                               force=args.force)
    finally:
        servers.close()
    if not args.quiet:
        if result.status == "cached":
            print(f"unchanged since the last run: served from the cache ({result.folder})", file=sys.stderr)
        for name in sorted(result.files):
            print(result.files[name])
    return EXIT_OK


def cmd_evaluate(args) -> int:
    from stargate_report.model.evaluate import evaluate

    sc = _resolve(args)
    res = evaluate(sc, samples=args.samples, seed=args.seed)
    if args.json:
        print(res.to_json(indent=1))
        return EXIT_OK
    rows = [{"quantity": k, **{f: f"{v:.4g}" for f, v in q.to_dict().items() if f in ("p10", "p50", "p90")},
             "unit": q.unit, "status": q.status} for k, q in res.quantities.items()]
    print(_table(rows, ["quantity", "p10", "p50", "p90", "unit", "status"]))
    for note in res.notes:
        print(f"note: {note}")
    return EXIT_OK


def cmd_params(args) -> int:
    from stargate_report.model.scenario import parameter_table

    rows = parameter_table()
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print(_table(rows, ["parameter", "unit", "default", "allowed", "help"]))
    return EXIT_OK


def cmd_presets(args) -> int:
    from stargate_report.model.scenario import load_preset, preset_names

    rows = [{"preset": n, "title": load_preset(n).get("title", ""), "region": load_preset(n).get("region", "")}
            for n in preset_names()]
    print(_table(rows, ["preset", "region", "title"]))
    return EXIT_OK


def cmd_footprint(args) -> int:
    from stargate_report.calc.footprint import run_footprint
    from stargate_report.catalog.assumptions import load_registry

    if args.device_hours is not None:
        if args.devices is not None or args.hours is not None or args.days is not None:
            raise ParameterError("device-hours", args.device_hours, "either --device-hours, or --devices with "
                                 "--hours or --days, not both")
        device_hours = args.device_hours
    else:
        if args.devices is None or (args.hours is None) == (args.days is None):
            raise ParameterError("devices", args.devices, "--device-hours H, or --devices N with exactly one of "
                                 "--hours H or --days D")
        # named as given (the footprint itself checks only their product, the device-hours)
        for name, value in (("devices", args.devices), ("hours", args.hours), ("days", args.days)):
            if value is not None and not (math.isfinite(value) and value > 0):
                raise ParameterError(name, value, "a number > 0")
        hours = args.hours if args.hours is not None else args.days * 24.0
        device_hours = args.devices * hours
    reg = load_registry()
    defaults = {"pue": ("pue", "industry-average"), "grid_g_per_kwh": ("grid_intensity_g_per_kwh", "world"),
                "wue_l_per_kwh": ("wue_onsite_l_per_kwh", "us"),
                "grid_water_l_per_kwh": ("water_intensity_grid_l_per_kwh", "us")}
    used, values = {}, {}
    for key, (quantity, scope) in defaults.items():
        given = getattr(args, key)
        if given is None:
            row = reg.get(quantity, scope)
            values[key] = row.base
            used[key] = {"value": row.base, "unit": row.unit, "assumption": row.id, "sources": list(row.source_ids),
                         "status": row.status}
        else:
            values[key] = given
    fp = run_footprint(device_hours, args.watts, **values)
    if args.json:
        print(json.dumps({**fp.to_dict(), "device_hours": device_hours, "watts": args.watts,
                          "inputs": values, "assumptions": used}, indent=1))
        return EXIT_OK
    rows = [{"quantity": k, "value": f"{v:,.4g}"} for k, v in fp.to_dict().items()]
    print(_table(rows, ["quantity", "value"]))
    if used:
        print("\ndefaults used (pass the option to override):")
        print(_table([{"input": k, "value": f"{u['value']:g} {u['unit']}", "assumption": u["assumption"],
                       "sources": "; ".join(u["sources"])} for k, u in used.items()],
                     ["input", "value", "assumption", "sources"]))
    return EXIT_OK


def cmd_sensitivity(args) -> int:
    from stargate_report.model.sensitivity import sobol, tornado

    sc = _resolve(args)
    df = tornado(sc, args.output) if args.method == "tornado" else sobol(sc, args.output, n=args.samples)
    if args.json:
        print(df.to_json(orient="records", indent=1))
    else:
        print(df.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    return EXIT_OK


def _emit(df, fmt: str, extra: dict | None = None) -> None:
    if fmt == "json":
        records = json.loads(df.to_json(orient="records"))
        print(json.dumps({**(extra or {}), "records": records}, indent=1, ensure_ascii=False))
    elif fmt == "csv":
        print(df.to_csv(index=False), end="")
    else:
        rows = df.astype(str).to_dict("records")
        print(_table(rows, list(df.columns)) if rows else "(no records)")


def cmd_facts(args) -> int:
    from stargate_report.catalog import knowledge as kb
    from stargate_report.present.formatting import check_lang

    check_lang(args.lang)
    # named as on the command line (the Python API calls them start and end)
    since, until = kb.as_date("since", args.since), kb.as_date("until", args.until)
    df = kb.facts_frame(lang=args.lang, entity=args.entity, site=args.site, kind=args.kind, status=args.status,
                        start=since, end=until)
    extra = {"data_as_of": kb.data_as_of().isoformat()}
    if args.site:
        extra["site"] = kb.site_record(args.site, args.lang)
    if args.format == "table":
        if args.site:
            site = extra["site"]
            cap = "-" if site["planned_capacity_mw"] is None else f"{site['planned_capacity_mw']:g}"
            print(f"{site['name']} ({site['location']}): {cap} MW planned, "
                  f"builder {site['builder'] or '-'}, operator {site['operator'] or '-'}; "
                  f"sources: {'; '.join(site['sources'])}\n")
        df = df[["date", "id", "status", "statement", "sources"]]
    _emit(df, args.format, extra)
    return EXIT_OK


def cmd_claims(args) -> int:
    from stargate_report.catalog import knowledge as kb
    from stargate_report.present.formatting import check_lang

    check_lang(args.lang)
    df = kb.claims_frame(args.lang)
    if args.format == "table":
        df = df[["id", "verdict", "quote_de", "sources"]]
    _emit(df, args.format, {"data_as_of": kb.data_as_of().isoformat()})
    return EXIT_OK


def cmd_sources(args) -> int:
    from stargate_report.catalog import knowledge as kb

    if args.stale is not None and args.stale < 0:
        raise ParameterError("stale", args.stale, "a whole number of days >= 0")
    df = kb.sources_frame(args.stale)
    if args.format == "table":
        df = df[["id", "date", "cited_by", "url"]]
    _emit(df, args.format, {"data_as_of": kb.data_as_of().isoformat()})
    return EXIT_OK


#: options of `supply` that the library checks under its own (underscored) parameter names
SUPPLY_OPTIONS = ("load_mw", "solar_mw", "wind_mw", "battery_mw", "battery_mwh", "target_cfe")


def cmd_supply(args) -> int:
    try:
        return _supply(args)
    except ParameterError as exc:  # named as typed: 'load-mw', not the library's 'load_mw'
        if exc.key in SUPPLY_OPTIONS:
            allowed = re.sub(r"\b(" + "|".join(SUPPLY_OPTIONS) + r")\b", lambda m: m.group(1).replace("_", "-"),
                             str(exc.allowed))
            raise ParameterError(exc.key.replace("_", "-"), exc.value, allowed, exc.hint) from None
        raise


def _supply(args) -> int:
    from stargate_report.catalog.assumptions import load_registry
    from stargate_report.model.scenario import region_ids
    from stargate_report.supply import dispatch as supply
    from stargate_report.supply.profiles import region_profiles

    if args.region not in region_ids():
        raise UnknownNameError("region", args.region, list(region_ids()))
    prof = region_profiles(args.region)
    rte = load_registry().get("battery_round_trip_efficiency").base
    for tech, value in (("solar", args.solar_mw), ("wind", args.wind_mw)):
        if value and getattr(prof, tech) is None:
            raise ParameterError(f"{tech}-mw", value, f"0 in region {args.region}: no published {tech} capacity "
                                 "factor, so no profile")
    if args.target_cfe is not None:
        given = [f for f in ("solar_mw", "wind_mw", "battery_mw", "battery_mwh") if getattr(args, f)]
        if given:
            raise ParameterError(given[0].replace("_", "-"), getattr(args, given[0]),
                                 "no capacities with --target-cfe (it sizes the mix itself)")
        mix = supply.size_mixes(args.region, args.load_mw, [args.target_cfe], allow_wind=not args.no_wind,
                                allow_battery=not args.no_battery)[0]
        sim = supply.simulate(args.load_mw, mix.solar_mw, mix.wind_mw, mix.battery_mw, mix.battery_mwh,
                              solar_profile=prof.solar, wind_profile=prof.wind, round_trip_efficiency=rte)
        out = {**sim.metrics(), **{k: v for k, v in mix.to_dict().items() if k != "load_mw"}}
    else:
        sim = supply.simulate(args.load_mw, args.solar_mw or 0.0, args.wind_mw or 0.0, args.battery_mw or 0.0,
                              args.battery_mwh or 0.0, solar_profile=prof.solar, wind_profile=prof.wind,
                              round_trip_efficiency=rte)
        out = sim.metrics()
    out = {"region": args.region, "load_mw": args.load_mw, **out}
    if args.json:
        print(json.dumps(out, indent=1, default=float))
    else:
        print(_table([{"metric": k, "value": f"{v:,.4g}" if isinstance(v, float) else str(v)} for k, v in out.items()],
                     ["metric", "value"]))
    return EXIT_OK


def cmd_batch(args) -> int:
    from stargate_report.runtime import forkserver

    if args.workers is not None and args.workers < 1:
        raise ParameterError("workers", args.workers, "a whole number >= 1")
    if args.scheduler and (args.workers is not None or not args.pin):  # would be ignored: say so
        key, value = ("workers", args.workers) if args.workers is not None else ("no-pin", True)
        raise ParameterError(key, value, "only for this machine's workers: with --scheduler the cluster's own "
                             "workers run the sweep (leave it out, or --scheduler)")
    # local workers come from fork servers: they import their libraries while this process imports the
    # batch runner (about 0.15 s, so the servers start first) and validates the sweep
    servers = None if args.scheduler else forkserver.Servers()
    status = None
    try:
        from stargate_report.batch import dask_executor, index_page, runner, sweep_file

        sweep = sweep_file.load_sweep(args.sweep, args.out)  # validates every run before anything runs
        executor = dask_executor.DaskExecutor(args.scheduler) if args.scheduler else None
        status = None if args.quiet else SweepStatus(sys.stderr, len(sweep.runs))
        outcomes = runner.run_sweep(sweep, args.out, executor=executor, workers=args.workers or 2, force=args.force,
                                   progress=status and status.line, jobs=args.jobs,
                                   run_progress=status and status.step, servers=servers, pin=args.pin)
    finally:
        if status is not None:
            status.close()
        if servers is not None:
            servers.close()  # (run_sweep has closed them already, unless the sweep was rejected)
    code = EXIT_OK if all(o.status != "failed" for o in outcomes) else EXIT_FAIL
    try:
        print(index_page.summary_table(outcomes))
        print(f"index: {Path(args.out) / sweep.name / 'index.html'}")
    except BrokenPipeError:  # output piped into `head`: the exit code still says how the runs went
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return code


class SweepStatus:
    """A sweep's progress on ``stream``: a line for each finished run (a bar of the runs done), and each
    running run's current step (evaluation, chapter i of n, rendering).

    On a terminal the steps share one status line at the bottom, rewritten in place
    (``[##......] 2/8 | texas: [en] running chapter 04_supply (4/8) | germany: evaluating ...``); in a
    log (not a terminal) each step is a line of its own, prefixed with its run.
    """

    #: a chapter step in the status line: "[en] running chapter 04_supply (4/8)" -> "[en] 04_supply 4/8"
    SHORT = re.compile(r"running chapter (\S+) \((\d+/\d+)\)")

    def __init__(self, stream, total: int) -> None:
        import threading

        self.stream, self.total, self.done = stream, total, 0
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.active: dict[str, str] = {}
        self.lock = threading.Lock()

    def _status(self) -> str:
        import shutil

        bar = "#" * self.done + "." * (self.total - self.done)
        steps = [run + ": " + self.SHORT.sub(r"\1 \2", step) for run, step in self.active.items()]
        text = " | ".join([f"[{bar}] {self.done}/{self.total}", *steps])
        width = shutil.get_terminal_size().columns
        return text if len(text) < width else text[:max(1, width - 4)] + "..."

    def _write(self, text: str) -> None:
        """(under the lock) ``text`` on the stream; once the stream is gone (a closed terminal, or a pipe
        into ``head`` that has closed) nothing more is written, and the sweep goes on without its status."""
        if self.stream is None or not text:
            return
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self.stream = None

    def _emit(self, text: str | None) -> None:
        """(under the lock) ``text`` as a line of its own, then the status line again on a terminal."""
        if self.tty:
            self._write("\r\033[K" + (text + "\n" if text is not None else "") + self._status())
        elif text is not None:
            self._write(text + "\n")

    def line(self, text: str) -> None:
        """A run is over: its line (written by the batch after :meth:`step` ``(run, None)``)."""
        with self.lock:
            self._emit(text)

    def step(self, run: str, text: str | None) -> None:
        """``run`` is at step ``text``; ``None``: it is over."""
        with self.lock:
            if text is None:  # the run's own line follows (:meth:`line`)
                self.active.pop(run, None)
                self.done += 1
                return
            if self.tty:
                self.active[run] = text
                self._emit(None)
            else:
                self._emit(f"{run}: {text}")

    def close(self) -> None:
        """Clear the status line (on a terminal), so what follows starts on a clean line."""
        with self.lock:
            if self.tty:
                self._write("\r\033[K")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, like our own errors
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="stargate-report", description="Sourced analyses and offline briefings on AI-infrastructure "
                "build-outs (Stargate, SB Energy).")
    p.add_argument("--version", action="version", version=f"stargate-report {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    r = sub.add_parser("run", help="build a briefing (HTML and PDF) for a scenario")
    _scenario_args(r)
    r.add_argument("--lang", default="en", help="language(s), comma-separated: en, de (default en)")
    r.add_argument("--format", default="html,pdf", help="format(s), comma-separated: html, pdf (default both)")
    r.add_argument("--out", default="output", help="output folder (default output/); the run goes to OUT/<run>/")
    r.add_argument("--name", help="run folder name (default: the preset, plus a hash of any parameters given)")
    r.add_argument("--cell-timeout", type=int, default=600, metavar="S", help="seconds a cell may run (default 600)")
    r.add_argument("--max-source-age", type=int, default=730, metavar="DAYS",
                   help="warn about knowledge-base sources published longer ago than this (default 730)")
    r.add_argument("--jobs", type=int, metavar="N", help="chapters run at once, one kernel each (default: the "
                   "number of cores)")
    r.add_argument("--force", action="store_true", help="rebuild even if nothing changed since the last run")
    r.add_argument("--quiet", action="store_true", help="print nothing but warnings and errors")
    r.set_defaults(func=cmd_run)

    b = sub.add_parser("batch", help="run a sweep of scenarios in parallel (see examples/)")
    b.add_argument("sweep", help="sweep file (YAML): named scenarios and/or a grid over parameters")
    b.add_argument("--workers", type=int, help="runs at once on this machine (default 2)")
    b.add_argument("--jobs", type=int, metavar="N", help="kernels per run (default: cores // workers here, "
                   "the worker's cores on a cluster)")
    b.add_argument("--scheduler", metavar="ADDRESS", help="dask.distributed scheduler, e.g. tcp://host:8786")
    b.add_argument("--out", default="output", help="output folder; the sweep goes to OUT/<sweep name>/")
    b.add_argument("--force", action="store_true", help="rebuild every run even if unchanged")
    b.add_argument("--no-pin", dest="pin", action="store_false",
                   help="let the system place the local workers on cores (default: each worker and its kernels "
                        "keep to their share of the cores, when there are at least as many cores as workers)")
    b.add_argument("--quiet", action="store_true", help="no progress lines")
    b.set_defaults(func=cmd_batch)

    e = sub.add_parser("evaluate", help="print the ledger of a scenario (every quantity with P10/P50/P90)")
    _scenario_args(e)
    e.add_argument("--samples", type=int, help="Monte Carlo samples (default: the scenario's)")
    e.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    e.add_argument("--json", action="store_true", help="one JSON object: scenario, quantities, assumptions")
    e.set_defaults(func=cmd_evaluate)

    pa = sub.add_parser("params", help="list every scenario parameter with unit, default, bounds and help")
    pa.add_argument("--json", action="store_true")
    pa.set_defaults(func=cmd_params)

    pr = sub.add_parser("presets", help="list the scenario presets")
    pr.set_defaults(func=cmd_presets)

    se = sub.add_parser("sensitivity", help="which assumption matters most for an output (tornado or Sobol)")
    _scenario_args(se)
    se.add_argument("--output", default="annual_energy_mwh", help="ledger quantity id (default annual_energy_mwh)")
    se.add_argument("--method", choices=["tornado", "sobol"], default="tornado")
    se.add_argument("--samples", type=int, default=512, help="Sobol base sample size N (default 512)")
    se.add_argument("--json", action="store_true")
    se.set_defaults(func=cmd_sensitivity)

    su = sub.add_parser("supply", help="hourly solar, wind and battery matching of a constant load (what-ifs)")
    su.add_argument("--region", required=True, help="region id: us-tx, us, de, jp, no, es, ae")
    su.add_argument("--load-mw", type=float, required=True, help="constant campus load [MW]")
    su.add_argument("--solar-mw", type=float, help="solar capacity [MW_AC]")
    su.add_argument("--wind-mw", type=float, help="wind capacity [MW]")
    su.add_argument("--battery-mw", type=float, help="battery power [MW]")
    su.add_argument("--battery-mwh", type=float, help="battery energy [MWh]")
    su.add_argument("--target-cfe", type=float, help="size the least-cost mix for this hourly CFE share (0..1)")
    su.add_argument("--no-wind", action="store_true", help="with --target-cfe: solar and batteries only")
    su.add_argument("--no-battery", action="store_true", help="with --target-cfe: no batteries")
    su.add_argument("--json", action="store_true")
    su.set_defaults(func=cmd_supply)

    fa = sub.add_parser("facts", help="sourced facts on Stargate and SB Energy (the knowledge base)")
    fa.add_argument("--entity", help="only facts naming this entity id (e.g. sb-energy)")
    fa.add_argument("--site", help="only facts on this site id (e.g. milam-county); prints the site record too")
    fa.add_argument("--kind", help="programme, site, investment or event")
    fa.add_argument("--status", help="confirmed, secondary or uncertain")
    fa.add_argument("--since", metavar="YYYY-MM-DD", help="facts dated on or after")
    fa.add_argument("--until", metavar="YYYY-MM-DD", help="facts dated on or before (what was known then)")
    fa.add_argument("--lang", default="en", help="language of the statements: en or de")
    fa.add_argument("--format", choices=["table", "csv", "json"], default="table")
    fa.set_defaults(func=cmd_facts)

    cl = sub.add_parser("claims", help="the news article's claims, each with a verdict against the sources")
    cl.add_argument("--lang", default="en", help="language of the evidence: en or de")
    cl.add_argument("--format", choices=["table", "csv", "json"], default="table")
    cl.set_defaults(func=cmd_claims)

    so = sub.add_parser("sources", help="every source the package data cites: date, web address, who cites it")
    so.add_argument("--stale", type=int, metavar="DAYS", help="only those a build warns about: published longer "
                    "ago than DAYS (see run --max-source-age), not counting the records of past events")
    so.add_argument("--format", choices=["table", "csv", "json"], default="table")
    so.set_defaults(func=cmd_sources)

    f = sub.add_parser("footprint", help="energy, emissions and water of one training or inference run")
    f.add_argument("--device-hours", type=float, help="accelerator-hours")
    f.add_argument("--devices", type=float, help="number of accelerators (with --hours or --days)")
    f.add_argument("--hours", type=float, help="run length in hours")
    f.add_argument("--days", type=float, help="run length in days")
    f.add_argument("--watts", type=float, required=True, help="average power per accelerator [W]")
    f.add_argument("--pue", type=float, help="PUE (default: assumption pue.industry)")
    f.add_argument("--grid-g-per-kwh", type=float, help="grid carbon intensity (default: world average)")
    f.add_argument("--wue-l-per-kwh", type=float, help="on-site water per IT kWh (default: US average)")
    f.add_argument("--grid-water-l-per-kwh", type=float, help="off-site water per facility kWh (default: US average)")
    f.add_argument("--json", action="store_true")
    f.set_defaults(func=cmd_footprint)
    return p


def _sigterm_to_interrupt(signum, frame):  # so that cleanup (temporary folders) runs on SIGTERM too
    raise KeyboardInterrupt



def main(argv: Sequence[str] | None = None) -> int:
    import signal
    import threading

    keep_freed_memory()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _sigterm_to_interrupt)
    p = parser()
    args = p.parse_args(argv)
    if not getattr(args, "command", None):
        p.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except (ParameterError, DataError) as exc:
        print(f"stargate-report: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BuildError as exc:
        print(f"stargate-report: build failed: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except StargateReportError as exc:
        print(f"stargate-report: error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        print("stargate-report: interrupted; nothing was replaced", file=sys.stderr)
        return EXIT_INTERRUPT
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def console_main() -> None:
    """The ``stargate-report`` command (and ``python -m stargate_report``): :func:`main`, then
    :func:`quick_exit`."""
    quick_exit(main())



if __name__ == "__main__":  # pragma: no cover
    console_main()
