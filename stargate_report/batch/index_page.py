"""A sweep's index page (one self-contained HTML file comparing the runs) and its summary table."""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import jinja2

from stargate_report.batch.sweep_file import INDEX_GENERATOR, RunOutcome, Sweep
from stargate_report.catalog import files as datafiles
from stargate_report.present import formatting
from stargate_report.present.i18n import t

#: ledger quantities the index page compares (median with its P10-P90 range)
INDEX_METRICS = ("facility_power_mw", "annual_energy_mwh", "capex_usd", "supply_cost_usd_per_mwh",
                 "emissions_tco2e_per_year", "water_m3_per_year")


#: the index page's bar charts: metric -> plot unit (``formatting.PLOT_UNITS``); axis titles are the
#: catalogue's ``index.axis.<metric>``
INDEX_CHARTS = {"capex_usd": "usd_bn", "supply_cost_usd_per_mwh": "usd_per_mwh", "emissions_tco2e_per_year": "mt"}




class IndexRenderer:
    """Warms the index page's chart renderer (Altair's imports and vl-convert's JavaScript engine, about
    0.9 CPU-s) in a background thread at the lowest CPU priority, from the start of the sweep: it takes
    only time the runs leave idle, and the index is written at once when the last run ends."""

    def __init__(self) -> None:
        self.thread = threading.Thread(target=_warm_index_charts, name="index-renderer", daemon=True)
        self.thread.start()

    def wait(self) -> None:
        self.thread.join()


def _warm_index_charts() -> None:
    try:  # this thread only (Linux: a thread is a task of its own); the renderer's threads inherit it
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):
        pass
    try:
        # Altair and vl-convert's engine (about 0.9 CPU-s): imported here, in the low-priority thread, not at the
        # sweep's start
        from stargate_report.present import charts

        charts.warm_up()
    except Exception:  # noqa: BLE001 - only a head start: write_index renders (and reports) for real
        pass


# -- the sweep's index page ------------------------------------------------------------------------
def _metrics(folder: Path) -> dict[str, float] | None:
    try:
        meta = json.loads((folder / "data" / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    q = meta["quantities"]
    # the median with its P10-P90 range, as every headline figure of a briefing
    return {k: (q[k]["p50"], q[k].get("p10", q[k]["p50"]), q[k].get("p90", q[k]["p50"])) for k in INDEX_METRICS
            if k in q} | {"_units": {k: q[k]["unit"] for k in INDEX_METRICS if k in q}}


def write_index(sweep: Sweep, out: Path, outcomes: list[RunOutcome]) -> Path:
    """``<out>/index.html``: one self-contained page comparing the runs, with links to each briefing."""
    import pandas as pd  # pandas (about 0.3 s) only where a table is made

    from stargate_report.present import charts  # Altair: already warm (IndexRenderer), or imported here

    lang = sweep.langs.split(",")[0]
    rows, chart_rows = [], []
    for spec, oc in zip(sweep.runs, outcomes):
        folder = out / spec.name
        m = _metrics(folder) if oc.status != "failed" else None
        cells = []
        for k in INDEX_METRICS:
            if m and k in m:
                p50, p10, p90 = m[k]
                cells.append(formatting.with_range(p50, p10, p90, m["_units"][k], lang))
                chart_rows.append({"run": spec.name, "metric": k, "p10": p10, "p50": p50, "p90": p90})
            else:
                cells.append("–")
        rows.append({"name": spec.name, "preset": spec.preset,
                     "params": ", ".join(f"{k}={v}" for k, v in spec.params.items()),
                     "status": t(f"index.status.{oc.status}", lang), "seconds": formatting.number(oc.seconds, lang, 1),
                     "cells": cells, "message": oc.message,
                     "links": [{"href": f"{spec.name}/briefing.{lg}.{fmt}", "text": f"{lg}.{fmt}"}
                               for lg in spec.request.langs for fmt in spec.request.formats
                               if (folder / f"briefing.{lg}.{fmt}").is_file()]})
    svgs = []
    df = pd.DataFrame(chart_rows)
    for metric, plot_unit in INDEX_CHARTS.items():
        part = df[df["metric"] == metric] if not df.empty else df
        if part.empty:
            continue
        scale = formatting.plot_scale(plot_unit)
        part = part.assign(**{c: part[c] / scale for c in ("p10", "p50", "p90")})
        # bars of the median, a rule from P10 to P90 (as the briefings' range charts)
        chart = charts.range_bars(part, "run", t(f"index.axis.{metric}", lang), "", sort=list(part["run"]))
        svgs.append(charts.to_svg(chart.properties(width=charts.WIDTH - 160), lang))
    # the metrics' headers are their labels in the sweep's language; the ledger id stays in the tooltip
    headers = [{"text": t(f"index.col.{h}", lang)} for h in ("run", "preset", "parameters", "status", "seconds")] \
        + [{"text": t(f"label.{k}", lang), "title": k} for k in INDEX_METRICS] \
        + [{"text": t("index.col.briefings", lang)}]
    statuses = ("ok", "cached", "rendered", "failed")
    templates = datafiles.bundled("templates")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    page = env.get_template("sweep/index.html.j2").render(
        lang=lang, name=sweep.name, generator=INDEX_GENERATOR,
        css=(templates / "briefing" / "static" / "briefing.css").read_text(encoding="utf-8"),
        kicker=t("index.kicker", lang), ranges_note=t("index.ranges", lang),
        runs_line=f"{len(outcomes)} {t('index.runs', lang)}: " + ", ".join(
            f"{t(f'index.status.{s}', lang)} {sum(o.status == s for o in outcomes)}" for s in statuses),
        headers=headers, rows=rows, charts=svgs)
    tmp = out / ".index.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out / "index.html")
    return out / "index.html"


def summary_table(outcomes: list[RunOutcome], wall_seconds: float | None = None) -> str:
    """The runs' outcomes as a table, then the counts by status and the times: the sweep's wall-clock time
    (``wall_seconds``, if given) and the run times summed over the runs (more than the wall-clock time when
    runs ran at once)."""
    width = max([len(o.name) for o in outcomes] + [3])
    lines = [f"{'run':{width}s}  status    seconds  message", "-" * (width + 30)]
    lines += [f"{o.name:{width}s}  {o.status:8s}  {o.seconds:7.1f}  {o.message}" for o in outcomes]
    counts = {s: sum(o.status == s for o in outcomes) for s in ("ok", "cached", "rendered", "failed")}
    summed = f"run time summed over the runs {sum(o.seconds for o in outcomes):.1f} s"
    wall = "" if wall_seconds is None else f"wall-clock {wall_seconds:.1f} s, "
    lines.append(", ".join(f"{k} {v}" for k, v in counts.items()) + f"; {wall}{summed}")
    return "\n".join(lines)
