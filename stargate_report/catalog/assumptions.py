"""The assumptions registry (``data/assumptions.csv``): sourced values with a range.

Each row is one quantity in one scope (a region, a chip, ``default``) with ``low``,
``base`` and ``high``, a unit, the year of the data, the source ids, a status and
the ids of the original research rows. Rows are validated on load; an error names
file, row and field.

For Monte Carlo sampling a row becomes a triangular distribution with mode ``base``
on ``[low, high]`` (a point where ``low == high``).
"""
from __future__ import annotations

import csv
import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stargate_report.catalog import files as datafiles
from stargate_report.catalog.sources import load_sources
from stargate_report.exceptions import DataError, UnknownNameError

#: Units the data may use (the suffix vocabulary of the package).
UNITS = frozenset({
    "W", "ratio", "fraction", "flop", "flop_per_s", "usd", "usd_per_mw", "usd_per_w",
    "usd_per_kw", "usd_per_kwh", "usd_per_kw_year", "usd_per_mwh", "g_per_kwh", "l_per_kwh",
    "years", "acres_per_mw", "ha_per_mw",
})
STATUSES = frozenset({"confirmed", "confirmed (secondary)", "secondary", "derived", "uncertain"})
COLUMNS = ("id", "quantity", "scope", "low", "base", "high", "unit", "year",
           "source_id", "status", "ref", "notes")
DEFAULT_SCOPE = "default"


@dataclass(frozen=True)
class Assumption:
    id: str
    quantity: str
    scope: str
    low: float
    base: float
    high: float
    unit: str
    year: str
    source_ids: tuple[str, ...]
    status: str
    ref: str
    notes: str

    @property
    def uncertain(self) -> bool:
        """True where the row has a range to sample."""
        return self.high > self.low

    def to_dict(self) -> dict:
        return {"id": self.id, "quantity": self.quantity, "scope": self.scope, "low": self.low,
                "base": self.base, "high": self.high, "unit": self.unit, "year": self.year,
                "sources": list(self.source_ids), "status": self.status, "ref": self.ref,
                "notes": self.notes}


def _number(path: Path, rid: str, field: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DataError(path, rid, field, f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise DataError(path, rid, field, f"not a finite number: {text!r}")
    return value


def parse_assumptions(path: Path, source_ids: set[str]) -> dict[str, Assumption]:
    """Read and validate an assumptions CSV; returns ``{id: Assumption}``."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header = tuple(reader.fieldnames or ())
            rows = list(reader)
    except OSError as exc:
        raise DataError(path, "-", "-", f"cannot read: {exc.strerror}") from exc
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise DataError(path, "header", missing[0], "column missing")
    out: dict[str, Assumption] = {}
    seen: dict[tuple[str, str], str] = {}
    for lineno, row in enumerate(rows, start=2):
        rid = (row.get("id") or "").strip()
        label = f"{rid or '?'} (line {lineno})"
        if None in row:
            raise DataError(path, label, "-", "more fields than columns (quote fields with commas)")
        for field in ("id", "quantity", "scope", "unit", "source_id", "status"):
            if not (row.get(field) or "").strip():
                raise DataError(path, label, field, "missing or empty")
        if rid in out:
            raise DataError(path, label, "id", "duplicate id")
        low, base, high = (_number(path, label, f, row[f]) for f in ("low", "base", "high"))
        if low > base:
            raise DataError(path, label, "low", f"low {low:g} is greater than base {base:g}")
        if base > high:
            raise DataError(path, label, "high", f"high {high:g} is less than base {base:g}")
        unit = row["unit"].strip()
        if unit not in UNITS:
            raise DataError(path, label, "unit", f"unknown unit {unit!r}; known: {', '.join(sorted(UNITS))}")
        status = row["status"].strip()
        if status not in STATUSES:
            raise DataError(path, label, "status", f"unknown status {status!r}; known: {', '.join(sorted(STATUSES))}")
        sids = tuple(s.strip() for s in row["source_id"].split(";") if s.strip())
        for sid in sids:
            if sid not in source_ids:
                raise DataError(path, label, "source_id", f"source {sid!r} is not in sources.yaml")
        key = (row["quantity"].strip(), row["scope"].strip())
        if key in seen:
            raise DataError(path, label, "scope", f"quantity {key[0]!r} already has scope {key[1]!r} (row {seen[key]})")
        seen[key] = rid
        out[rid] = Assumption(rid, key[0], key[1], low, base, high, unit, row["year"].strip(), sids,
                              status, (row.get("ref") or "").strip(), (row.get("notes") or "").strip())
    return out


class Registry:
    """Query the assumptions by quantity and scope, and sample them."""

    def __init__(self, rows: dict[str, Assumption]) -> None:
        self.rows = rows
        self._by_key = {(a.quantity, a.scope): a for a in rows.values()}

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, rid: str) -> Assumption:
        if rid not in self.rows:
            raise UnknownNameError("assumption", rid, list(self.rows))
        return self.rows[rid]

    def quantities(self) -> list[str]:
        return sorted({a.quantity for a in self.rows.values()})

    def scopes(self, quantity: str) -> list[str]:
        return sorted(a.scope for a in self.rows.values() if a.quantity == quantity)

    def find(self, quantity: str, scope: str = DEFAULT_SCOPE, fallback: bool = True) -> Assumption | None:
        """The row for ``quantity`` in ``scope``; falls back to the ``default`` scope."""
        row = self._by_key.get((quantity, scope))
        if row is None and fallback:
            row = self._by_key.get((quantity, DEFAULT_SCOPE))
        return row

    def get(self, quantity: str, scope: str = DEFAULT_SCOPE, fallback: bool = True) -> Assumption:
        row = self.find(quantity, scope, fallback)
        if row is None:
            if quantity not in self.quantities():
                raise UnknownNameError("quantity", quantity, self.quantities())
            raise UnknownNameError(f"scope of {quantity}", scope, self.scopes(quantity))
        return row

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([a.to_dict() for a in self.rows.values()])


def sample(rows: list[Assumption], n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Draw ``n`` samples of each row: triangular(low, base, high), or the point value.

    Parameters
    ----------
    rows : list of Assumption
    n : int
        Number of samples [unitless]. ``n == 1`` returns the base values.
    rng : numpy.random.Generator

    Returns
    -------
    dict
        ``{row.id: array of shape (n,)}`` in the row's unit.
    """
    out = {}
    for a in rows:
        if n == 1 or not a.uncertain:
            out[a.id] = np.full(n, a.base)
        else:
            out[a.id] = rng.triangular(a.low, a.base, a.high, size=n)
    return out


@functools.cache
def load_registry(path: str | None = None, sources_path: str | None = None) -> Registry:
    """Load ``assumptions.csv`` (or ``path``), validated against the sources registry."""
    p = Path(path) if path else datafiles.path("assumptions.csv")
    return Registry(parse_assumptions(p, set(load_sources(sources_path))))
