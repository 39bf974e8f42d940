"""The regions and accelerators the package has data for (``regions.csv``, ``accelerators.csv``)."""
from __future__ import annotations

import csv
import functools

from stargate_report.catalog import files


@functools.cache
def regions() -> dict[str, dict]:
    """``{region id: row of regions.csv}``."""
    with open(files.path("regions.csv"), newline="", encoding="utf-8") as fh:
        return {r["id"]: r for r in csv.DictReader(fh)}


def region_ids() -> tuple[str, ...]:
    return tuple(regions())


@functools.cache
def accelerator_ids() -> tuple[str, ...]:
    with open(files.path("accelerators.csv"), newline="", encoding="utf-8") as fh:
        return tuple(r["id"] for r in csv.DictReader(fh))
