"""Command line: ``stargate-report run | batch | evaluate | params | presets | sensitivity | supply | facts | claims | footprint``.

A thin layer over the Python API. Bad input exits with code 2 and a one-line message
naming the parameter, the value and what is allowed, before any kernel starts; a failed
build exits with 1; Ctrl-C with 130.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence

from stargate_report import __version__
from stargate_report.cli.catalog_commands import cmd_claims, cmd_facts, cmd_sources
from stargate_report.cli.commands import (
    EXIT_FAIL,
    EXIT_INTERRUPT,
    EXIT_OK,
    EXIT_USAGE,
    cmd_batch,
    cmd_evaluate,
    cmd_footprint,
    cmd_params,
    cmd_presets,
    cmd_run,
    cmd_sensitivity,
    cmd_supply,
)
from stargate_report.exceptions import BuildError, DataError, ParameterError, StargateReportError
from stargate_report.runtime.process import keep_freed_memory, quick_exit


def _scenario_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", help="scenario preset (see `stargate-report presets`); default milam-county")
    p.add_argument("--params", metavar="FILE.yaml", help="YAML file of parameters that replace the preset's")
    p.add_argument("-p", dest="overrides", metavar="KEY=VALUE", action="append", default=[],
                   help="one parameter (repeatable), e.g. -p pue=1.3 -p region=de; see `stargate-report params`")


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
    su.add_argument("--site", help="site id with its own weather station (abilene)")
    su.add_argument("--pv-mount", choices=["tracking", "fixed"], default="tracking", help="solar plants (default tracking)")
    su.add_argument("--firm-clean", action="store_true", help="with --target-cfe: allow clean firm supply")
    su.add_argument("--long-duration", action="store_true", help="with --target-cfe: allow long-duration storage")
    su.add_argument("--flexible-load-share", type=float, default=0.0,
                    help="with --target-cfe: share of each hour's load that may move within the day (0..0.3)")
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


def _one_line(exc: BaseException) -> str:
    """An error's message on one line (a library's message may span several: a YAML parser's, say)."""
    return " ".join(str(exc).splitlines())


def main(argv: Sequence[str] | None = None) -> int:

    keep_freed_memory()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _sigterm_to_interrupt)
    p = parser()
    args = p.parse_args(argv)
    try:
        os.getcwd()
    except OSError:  # deleted under the shell: every relative path (output/, a params file) would fail
        print("stargate-report: error: the current folder no longer exists (it was deleted or moved); allowed: "
              "a command started in an existing folder (cd into one)", file=sys.stderr)
        return EXIT_USAGE
    if not getattr(args, "command", None):
        p.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except (ParameterError, DataError) as exc:
        print(f"stargate-report: error: {_one_line(exc)}", file=sys.stderr)
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
