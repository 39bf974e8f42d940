"""Published 24/7 CFE cost premiums (``catalog/data/literature_cfe.csv``), to validate the model against.

One row per study, region, scenario and CFE target: the premium of hourly matching over 100 % annual
matching [USD/MWh] as a low-high range, its currency note, the source (``sources.yaml``) and, where the
model's premium lies outside the range, the ``reason`` it differs (e.g. no long-duration storage, surplus
valued at 0).
"""
from __future__ import annotations

import csv
import functools
import math

from stargate_report.catalog import files as datafiles
from stargate_report.exceptions import DataError

LITERATURE_CFE = "literature_cfe.csv"
COLUMNS = ("study", "region", "scenario", "cfe_target", "premium_usd_per_mwh_low", "premium_usd_per_mwh_high",
           "currency_year_note", "source_id", "reason")


@functools.cache
def literature_cfe() -> tuple[dict, ...]:
    """The rows, with numbers as floats (``cfe_target`` None where the study states no level)."""
    # the bibliography is read only when the literature table is
    from stargate_report.catalog.sources import load_sources

    path = datafiles.path(LITERATURE_CFE)
    known = set(load_sources())
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise DataError(path, "header", "-", f"columns must be {', '.join(COLUMNS)}")
        rows = []
        for n, r in enumerate(reader, start=2):
            out = dict(r)
            try:
                out["cfe_target"] = float(r["cfe_target"]) if r["cfe_target"].strip() else None
                lo, hi = float(r["premium_usd_per_mwh_low"]), float(r["premium_usd_per_mwh_high"])
            except ValueError as exc:
                raise DataError(path, f"line {n}", "-", f"not a number: {exc}") from None
            if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
                raise DataError(path, f"line {n}", "premium_usd_per_mwh_low", f"low {lo} above high {hi}")
            if r["source_id"] not in known:
                raise DataError(path, f"line {n}", "source_id", f"source {r['source_id']!r} is not in sources.yaml")
            out["premium_usd_per_mwh_low"], out["premium_usd_per_mwh_high"] = lo, hi
            rows.append(out)
    return tuple(rows)


def literature_for(region: str) -> list[dict]:
    """The rows that speak to ``region``: its own, and for a US region (``us``, ``us-tx``) every US row (the
    national range and the range across US regions apply to any of them)."""
    def us(r: str) -> bool:
        return r == "us" or r.startswith("us-")

    return [dict(r) for r in literature_cfe() if r["region"] == region or (us(region) and us(r["region"]))]
