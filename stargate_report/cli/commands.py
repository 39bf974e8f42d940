"""What each command of ``stargate-report`` does: calls into the library and prints (``main`` parses and dispatches).

Each command imports the library modules it needs inside its function: the command's start-up then loads only
what that command uses (``stargate-report params`` needs neither pandas nor the notebook stack, ``run`` needs no
SALib). That is the one reason for the function-local imports below."""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import sys
import textwrap
import time
from pathlib import Path

from stargate_report.cli.sweep_status import SweepStatus
from stargate_report.exceptions import ParameterError, UnknownNameError
from stargate_report.pipeline import run_request

#: local sweep workers per usable core, at most (each runs kernels; more only fight over the cores and memory)
WORKERS_PER_CORE = 4


#: exit codes of the command: done, a build or a run failed, bad input (before anything ran), Ctrl-C
EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERRUPT = 0, 1, 2, 130


def _resolve(args, **options):
    """The scenario of a command's ``--preset``, ``--params`` and ``-p``; ``options`` given on the command line
    (``--samples``, ``--seed``) are scenario parameters too, validated as such: one bound, wherever given."""
    from stargate_report.model.scenario import parse_overrides, resolve

    overrides = parse_overrides(args.overrides)
    overrides.update({k: v for k, v in options.items() if v is not None})
    return resolve(args.preset, args.params, overrides)


def _table(rows: list[dict], columns: list[str]) -> str:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns), "  ".join("-" * widths[c] for c in columns)]
    lines += ["  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(line.rstrip() for line in lines)


def _terminal_width() -> int:
    """Columns of the terminal (``COLUMNS`` if set; 80 when the output is not a terminal)."""
    return shutil.get_terminal_size().columns


def cmd_run(args) -> int:
    from stargate_report.runtime import forkclient

    # the chapters' kernels are forked from a kernel server, which imports their libraries while this
    # process imports, validates and evaluates (about 0.3 s sooner than kernels that each import them);
    # a run served from the cache never asks it, and it is ended at once
    servers = forkclient.Servers(roles=("kernel",))
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
    from stargate_report.present import formatting as fmt

    sc = _resolve(args, samples=args.samples, seed=args.seed)
    res = evaluate(sc)
    if args.json:
        print(res.to_json(indent=1))
        return EXIT_OK
    # as a person reads them: the median with its unit and the P10-P90 range (--json has the plain numbers)
    rows = [{"quantity": k, "median (P10–P90)": fmt.with_range(q.p50, q.p10, q.p90, q.unit),
             "status": q.status} for k, q in res.quantities.items()]
    print(_table(rows, ["quantity", "status", "median (P10–P90)"]))
    for note in res.notes:
        print(f"note: {note}")
    return EXIT_OK


def _parameter_list(rows: list[dict], width: int) -> str:
    """Each parameter as a short block, wrapped to ``width`` columns: name, unit and default on the first
    line, then what is allowed and the help text, indented."""
    def wrap(text: str, indent: str) -> list[str]:
        return textwrap.wrap(text, max(width, 20), initial_indent=indent, subsequent_indent=indent + "  ",
                             break_long_words=True, break_on_hyphens=False)

    out: list[str] = []
    for r in rows:
        unit = "" if r["unit"] in ("", "-") else f" [{r['unit']}]"
        out += wrap(f"{r['parameter']}{unit}  default: {r['default']}", "")
        out += wrap(f"allowed: {r['allowed']}", "    ")
        out += wrap(str(r["help"]), "    ")
        out.append("")
    return "\n".join(out).rstrip()


def cmd_params(args) -> int:
    from stargate_report.model.scenario import parameter_table

    rows = parameter_table()
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print(_parameter_list(rows, _terminal_width()))
    return EXIT_OK


def cmd_presets(args) -> int:
    from stargate_report.model.scenario import preset_names, preset_scenario
    from stargate_report.present.subject import display_title

    rows = [{"preset": n, "title": display_title(n, preset_scenario(n), "en"), "region": preset_scenario(n).region}
            for n in preset_names()]
    print(_table(rows, ["preset", "region", "title"]))
    return EXIT_OK


#: units (of present/formatting.py) of the footprint's results
FOOTPRINT_UNITS = {"it_energy_mwh": "MWh", "facility_energy_mwh": "MWh", "emissions_tco2e": "tco2e",
                   "water_onsite_m3": "m3", "water_offsite_m3": "m3"}


def cmd_footprint(args) -> int:
    from stargate_report.calc.footprint import run_footprint
    from stargate_report.catalog.assumptions import load_registry
    from stargate_report.present import formatting as fmt

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
    # with their units as people write them (MWh, t CO₂e, m³, L/kWh) and thousands separators
    rows = [{"quantity": k, "value": fmt.value(v, FOOTPRINT_UNITS[k])} for k, v in fp.to_dict().items()]
    print(_table(rows, ["quantity", "value"]))
    if used:
        print("\ndefaults used (pass the option to override):")
        print(_table([{"input": k, "value": fmt.value(u["value"], u["unit"]), "assumption": u["assumption"],
                       "sources": "; ".join(u["sources"])} for k, u in used.items()],
                     ["input", "value", "assumption", "sources"]))
    return EXIT_OK


def cmd_sensitivity(args) -> int:
    from stargate_report.model.quantities import ALL
    from stargate_report.model.sensitivity import sobol, tornado
    from stargate_report.present import formatting as fmt

    sc = _resolve(args)
    df = tornado(sc, args.output) if args.method == "tornado" else sobol(sc, args.output, n=args.samples)
    if args.json:
        print(df.to_json(orient="records", indent=1))
        return EXIT_OK
    unit = next((f.unit for f in ALL if f.id == args.output), "")
    print(_sensitivity_table(df, args.method, args.output, unit, fmt))
    return EXIT_OK


#: a Sobol index below this is taken as zero (the estimator's round-off for an output an assumption does not touch)
ZERO_INDEX = 1e-9


def _sensitivity_table(df, method: str, output: str, unit: str, fmt) -> str:
    """The assumptions that move ``output`` (swing or index not zero), formatted with their units, and how
    many that do not were left out."""
    if df.empty:
        return f"{output}: no assumption with a range"
    if method == "tornado":
        base = float(df["output_base"].iloc[0])
        keep = df[df["swing"] > 1e-12 * max(abs(base), 1.0)]
        head = f"{output} at the base values: {fmt.value(base, unit)}; each assumption from its low to its high value"
        rows = [{"assumption": r.assumption, "low–high": f"{fmt.value(r.low, r.unit)} – {fmt.value(r.high, r.unit)}",
                 "output at low": fmt.value(r.output_at_low, unit), "output at high": fmt.value(r.output_at_high, unit),
                 "swing": fmt.value(r.swing, unit)} for r in keep.itertuples()]
        columns = ["assumption", "low–high", "output at low", "output at high", "swing"]
        what = "a swing of zero"
    else:
        keep = df[(df["ST"].abs() > ZERO_INDEX) | (df["S1"].abs() > ZERO_INDEX)]
        label = fmt.unit_label(unit)
        head = f"{output}{f' [{label}]' if label else ''}: Sobol indices (share of its variance)"
        rows = [{"assumption": r.assumption, "first order": f"{fmt.number(r.S1, 'en', 3)} ± {fmt.number(r.S1_conf, 'en', 3)}",
                 "total": f"{fmt.number(r.ST, 'en', 3)} ± {fmt.number(r.ST_conf, 'en', 3)}"} for r in keep.itertuples()]
        columns = ["assumption", "first order", "total"]
        what = "indices of zero"
    left = len(df) - len(keep)
    lines = [head, "", _table(rows, columns) if rows else "(no assumption moves it)"]
    if left:
        lines.append(f"\n{left} of {len(df)} assumptions left out: {what} (they do not enter {output})")
    return "\n".join(lines)


#: options of `supply` that the library checks under its own (underscored) parameter names
SUPPLY_OPTIONS = ("load_mw", "solar_mw", "wind_mw", "battery_mw", "battery_mwh", "target_cfe", "flexible_load_share",
                  "pv_mount")


def cmd_supply(args) -> int:
    try:
        return _supply(args)
    except ParameterError as exc:  # named as typed: 'load-mw', not the library's 'load_mw'
        if exc.key in SUPPLY_OPTIONS and not str(exc).startswith("infeasible"):
            allowed = re.sub(r"\b(" + "|".join(SUPPLY_OPTIONS) + r")\b", lambda m: m.group(1).replace("_", "-"),
                             str(exc.allowed))
            raise ParameterError(exc.key.replace("_", "-"), exc.value, allowed, exc.hint) from None
        raise


def _supply(args) -> int:
    from stargate_report.catalog.regions import region_ids
    from stargate_report.supply import dispatch as supply
    from stargate_report.supply import sizing
    from stargate_report.supply.costs import GridTerms, SupplyCosts
    from stargate_report.supply.profiles import region_profiles

    if args.region not in region_ids():
        raise UnknownNameError("region", args.region, list(region_ids()))
    site = getattr(args, "site", None)
    mount = getattr(args, "pv_mount", "tracking")
    prof = region_profiles(args.region, site, mount)
    costs, grid = SupplyCosts.from_registry(), GridTerms.from_registry(args.region)
    rte = costs.round_trip_efficiency
    for tech, value in (("solar", args.solar_mw), ("wind", args.wind_mw)):
        if value and getattr(prof, tech) is None:
            raise ParameterError(f"{tech}-mw", value, f"0 in region {args.region}: no {tech} profile (no measured "
                                 "weather for it)")
    options = sizing.SupplyOptions(allow_wind=not args.no_wind, allow_battery=not args.no_battery,
                                   allow_firm_clean=getattr(args, "firm_clean", False),
                                   allow_long_duration=getattr(args, "long_duration", False),
                                   flexible_load_share=getattr(args, "flexible_load_share", 0.0) or 0.0,
                                   pv_mount=mount, site=site)
    if args.target_cfe is not None:
        given = [f for f in ("solar_mw", "wind_mw", "battery_mw", "battery_mwh") if getattr(args, f)]
        if given:
            raise ParameterError(given[0].replace("_", "-"), getattr(args, given[0]),
                                 "no capacities with --target-cfe (it sizes the mix itself)")
        mix = sizing.size_mixes(args.region, args.load_mw, [args.target_cfe], options=options, costs=costs,
                                grid=grid)[0]
        sim = supply.simulate(args.load_mw, mix.solar_mw, mix.wind_mw, mix.battery_mw, mix.battery_mwh,
                              solar_profile=prof.solar, wind_profile=prof.wind, round_trip_efficiency=rte,
                              grid_cfe_share=grid.cfe_share)
        out = {**sim.metrics(), **{k: v for k, v in mix.to_dict().items() if k != "load_mw"}}
        am = sizing.annual_matching_mix(args.region, args.load_mw, options, costs, grid)
        out.update(annual_matching_usd_per_mwh=am.cost_usd_per_mwh,
                   premium_usd_per_mwh=mix.cost_usd_per_mwh - am.cost_usd_per_mwh)
    else:
        sim = supply.simulate(args.load_mw, args.solar_mw or 0.0, args.wind_mw or 0.0, args.battery_mw or 0.0,
                              args.battery_mwh or 0.0, solar_profile=prof.solar, wind_profile=prof.wind,
                              round_trip_efficiency=rte, grid_cfe_share=grid.cfe_share)
        out = sim.metrics()
    w = prof.weather
    out = {"region": args.region, "load_mw": args.load_mw, **out, "grid_cfe_share": grid.cfe_share,
           "weather": {k: w[k] for k in ("station_id", "name", "dataset", "source")} | {"flag": w["flag"]},
           "solar_diurnal_cf": prof.diurnal("solar"), "wind_diurnal_cf": prof.diurnal("wind")}
    out = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in out.items()}
    if args.json:
        print(json.dumps(out, indent=1, default=float))
    else:
        rows = []
        for k, v in out.items():
            if isinstance(v, dict):
                v = "; ".join(f"{a}: {b}" for a, b in v.items() if b)
            elif isinstance(v, list):
                v = f"peak at hour ending {1 + max(range(24), key=v.__getitem__)}"
            rows.append({"metric": k, "value": f"{v:,.4g}" if isinstance(v, float) else str(v)})
        print(_table(rows, ["metric", "value"]))
    return EXIT_OK


def cmd_batch(args) -> int:
    from stargate_report.runtime import forkclient
    from stargate_report.runtime.cores import usable_cores

    most = WORKERS_PER_CORE * usable_cores()
    if args.workers is not None and not 1 <= args.workers <= most:
        raise ParameterError("workers", args.workers, f"a whole number from 1 to at most {most} "
                             f"({WORKERS_PER_CORE} x this machine's {usable_cores()} usable cores)")
    if args.scheduler is not None and not re.fullmatch(r"[a-z][a-z0-9+]*://\S+|\S+:\d+", args.scheduler.strip()):
        raise ParameterError("scheduler", args.scheduler, "a dask scheduler address such as tcp://host:8786 "
                             "(leave the option out to run on this machine)")
    if args.scheduler and (args.workers is not None or not args.pin):  # would be ignored: say so
        key, value = ("workers", args.workers) if args.workers is not None else ("no-pin", True)
        raise ParameterError(key, value, "only for this machine's workers: with --scheduler the cluster's own "
                             "workers run the sweep (leave it out, or --scheduler)")
    # local workers come from fork servers: they import their libraries while this process imports the
    # batch runner (about 0.15 s, so the servers start first) and validates the sweep
    servers = None if args.scheduler else forkclient.Servers()
    status = None
    try:
        from stargate_report.batch import dask_executor, index_page, runner, sweep_file

        sweep = sweep_file.load_sweep(args.sweep, args.out)  # validates every run before anything runs
        executor = dask_executor.DaskExecutor(args.scheduler) if args.scheduler else None
        status = None if args.quiet else SweepStatus(sys.stderr, len(sweep.runs))
        started = time.monotonic()
        outcomes = runner.run_sweep(sweep, args.out, executor=executor, workers=args.workers or 2, force=args.force,
                                   progress=status and status.line, jobs=args.jobs,
                                   run_progress=status and status.step, servers=servers, pin=args.pin)
        wall = time.monotonic() - started
    finally:
        if status is not None:
            status.close()
        if servers is not None:
            servers.close()  # (run_sweep has closed them already, unless the sweep was rejected)
    code = EXIT_OK if all(o.status != "failed" for o in outcomes) else EXIT_FAIL
    try:
        print(index_page.summary_table(outcomes, wall))
        print(f"index: {Path(args.out) / sweep.name / 'index.html'}")
    except BrokenPipeError:  # output piped into `head`: the exit code still says how the runs went
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return code
