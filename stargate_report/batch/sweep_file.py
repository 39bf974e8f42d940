"""Sweeps: many briefings from one YAML file, in parallel, with a summary and an index page.

A sweep file names scenarios, or a grid over parameters, or both::

    name: regions-and-chips        # the sweep's folder under --out
    lang: en                       # languages of every run (comma-separated)
    formats: html                  # formats of every run
    base: {preset: milam-county, params: {samples: 2000}}
    grid: {region: [us-tx, de, no], accelerator: [h100, gb200]}
    scenarios:
      - {name: norway, preset: stargate-norway, params: {pue: 1.15}}

Every run is validated before anything runs (an error names the scenario and the key). Runs are
executed outside this process, so a run that fails or whose worker dies marks that run failed and the
others go on. The executor is pluggable: a local pool of worker slots (default; each slot keeps a worker
process, :mod:`stargate_report.batch.worker`, with warm kernels across its runs) or a dask.distributed cluster
(``--scheduler tcp://host:port``; each run in a worker process of its own, whose progress comes back as
events of the cluster).
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stargate_report.catalog import files as datafiles
from stargate_report.exceptions import ParameterError, StargateReportError, UnknownNameError
from stargate_report.model.scenario import load_preset, preset_names
from stargate_report.pipeline import run_request
from stargate_report.present.formatting import LOCALES

SWEEP_KEYS = ("name", "lang", "formats", "base", "grid", "scenarios")


RUN_KEYS = ("name", "preset", "params")

#: the most runs one sweep may have (each is a briefing: hours of work at 10,000 already)
MAX_RUNS = 10_000


@dataclass
class RunSpec:
    """One run of a sweep, validated: its name, preset and parameters (what ``run`` gets)."""

    name: str
    preset: str
    params: dict[str, Any]
    request: run_request.RunRequest = field(repr=False, default=None)


@dataclass
class Sweep:
    name: str
    langs: str
    formats: str
    runs: list[RunSpec]


@dataclass
class RunOutcome:
    name: str
    status: str  # ok | cached | rendered | failed
    seconds: float
    folder: str = ""
    message: str = ""


def mapping(value, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ParameterError(where, value, "a mapping of key: value")
    return value


def load_sweep(path: str | Path, out_dir: str | Path = "output") -> Sweep:
    """Read and validate a sweep file; every run is validated before anything runs."""
    p = Path(path)
    data = mapping(datafiles.read_user_yaml(p, "sweep", "a YAML mapping"), "sweep")
    for key in data:
        if key not in SWEEP_KEYS:
            raise UnknownNameError("sweep key", key, list(SWEEP_KEYS))
    name = run_request.run_slug(data.get("name") or p.stem)
    langs = data.get("lang", "en")
    formats = data.get("formats", "html,pdf")
    for key, value in (("lang", langs), ("formats", formats)):
        if not isinstance(value, str) and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise ParameterError(key, value, "a comma-separated text or a list of names")
    langs = ",".join(langs) if isinstance(langs, list) else langs
    formats = ",".join(formats) if isinstance(formats, list) else formats
    base = mapping(data.get("base"), "base")
    for key in base:
        if key not in ("preset", "params"):
            raise UnknownNameError("base key", key, ["preset", "params"])
    base_preset = base.get("preset")
    base_params = mapping(base.get("params"), "base.params")
    # the sweep's own keys are named as such (each run would otherwise be reported for them)

    for key, check, allowed in (
            ("lang", lambda: run_request.parse_list("lang", langs, tuple(LOCALES)), "a list of " + ", ".join(LOCALES)),
            ("formats", lambda: run_request.parse_list("format", formats, run_request.FORMATS),
             "a list of " + ", ".join(run_request.FORMATS)),
            ("base.preset", lambda: base_preset is None or load_preset(base_preset),
             "one of " + ", ".join(preset_names()))):
        try:
            check()
        except StargateReportError as exc:
            value = {"lang": langs, "formats": formats}.get(key, base_preset)
            raise ParameterError(key, value, allowed, getattr(exc, "hint", "")) from None  # (did you mean ...)

    specs: list[tuple[str, str | None, dict]] = []
    grid = mapping(data.get("grid"), "grid")
    if grid:
        keys = list(grid)
        values = []
        for k in keys:
            v = grid[k]
            if not isinstance(v, list) or not v:
                raise ParameterError(f"grid.{k}", v, "a non-empty list of values")
            values.append(v)
        count = math.prod(len(v) for v in values)  # (checked before the grid is built: it may be huge)
        if count > MAX_RUNS:
            raise ParameterError("grid", f"{count} runs", f"at most {MAX_RUNS} runs in a sweep",
                                 " x ".join(f"{len(v)} {k}" for k, v in zip(keys, values)))
        for combo in itertools.product(*values):
            params = dict(zip(keys, combo))
            label = "-".join(f"{k}-{v}" for k, v in params.items())
            specs.append((label, base_preset, {**base_params, **params}))
    scenarios = data.get("scenarios") or []
    if not isinstance(scenarios, list):
        raise ParameterError("scenarios", scenarios, "a list of {name, preset, params}")
    for i, sc in enumerate(scenarios, start=1):
        sc = mapping(sc, f"scenarios[{i}]")
        for key in sc:
            if key not in RUN_KEYS:
                raise UnknownNameError(f"key of scenario {sc.get('name', i)!r}", key, list(RUN_KEYS))
        if not sc.get("name"):
            raise ParameterError(f"scenarios[{i}].name", sc.get("name"), "a name for the run")
        specs.append((str(sc["name"]), sc.get("preset", base_preset),
                      {**base_params, **mapping(sc.get("params"), f"scenarios[{i}].params")}))
    if len(specs) > MAX_RUNS:
        raise ParameterError("scenarios", f"{len(specs)} runs", f"at most {MAX_RUNS} runs in a sweep")
    if not specs:
        raise ParameterError("sweep", str(path), "at least one run: a 'grid' or a list of 'scenarios'")

    runs: list[RunSpec] = []
    seen: set[str] = set()
    out = run_request.output_folder(Path(out_dir) / name)  # (the runs' requests would name it only as theirs)
    for label, preset, params in specs:
        slug = run_request.run_slug(label)
        if slug in seen:
            raise ParameterError("scenarios", label, "unique run names (two runs would share a folder)")
        seen.add(slug)
        # a file or folder of the user's where the run's folder would go: refused now, not when the run ends
        run_request.check_replaceable(out.absolute() / slug, f"scenario '{label}'", slug,
                                "rename the scenario, choose another --out, or move it away")
        try:
            req = run_request.make_request(preset, None, params, langs, formats, out, name=slug)
        except StargateReportError as exc:
            raise ParameterError(f"scenario '{label}'", params, "valid parameters", str(exc)) from None
        runs.append(RunSpec(slug, req.preset, params, req))
    index = out.absolute() / "index.html"
    if index.exists() and not our_index(index):
        raise ParameterError("name", name, "a sweep name whose folder holds no index.html but a sweep's own",
                             f"{index} is not one this package wrote: choose another sweep name or --out")
    return Sweep(name, langs, formats, runs)


#: marks the index pages this package writes (an index.html without it is never replaced)
INDEX_GENERATOR = '<meta name="generator" content="stargate-report">'


def our_index(path: Path) -> bool:
    """Whether ``path`` is a sweep index this package wrote: marked by its generator tag (older ones, written
    before the tag, by their kicker line)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:  # a folder, unreadable
        return False
    return INDEX_GENERATOR in text or '<p class="sr-kicker">stargate-report sweep</p>' in text
