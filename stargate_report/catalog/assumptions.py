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
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from stargate_report.catalog import files as datafiles
from stargate_report.catalog.sources import load_sources
from stargate_report.catalog.validation import ASSUMPTION_UNITS, STATUSES, first_error  # noqa: F401 - re-exported
from stargate_report.exceptions import DataError, UnknownNameError

#: Units the data may use (defined once, in :mod:`stargate_report.catalog.validation`).
UNITS = ASSUMPTION_UNITS
COLUMNS = ("id", "quantity", "scope", "low", "base", "high", "unit", "year",
           "source_id", "status", "ref", "notes")
#: optional columns: ``derived`` (``yes`` where the value is arithmetic on sourced values)
OPTIONAL_COLUMNS = ("derived",)
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
    derived: bool = False

    @property
    def uncertain(self) -> bool:
        """True where the row has a range to sample."""
        return self.high > self.low

    def to_dict(self) -> dict:
        return {"id": self.id, "quantity": self.quantity, "scope": self.scope, "low": self.low,
                "base": self.base, "high": self.high, "unit": self.unit, "year": self.year,
                "sources": list(self.source_ids), "status": self.status, "ref": self.ref,
                "notes": self.notes, "derived": self.derived}


class AssumptionRecord(BaseModel):
    """The schema of one row of ``assumptions.csv``. ``base`` is declared before ``low`` so that each bound
    is checked against it (an error names the bound that is out of order). The source ids are checked
    against the ``source_ids`` of the validation context."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    id: str
    quantity: str
    scope: str
    base: float
    low: float
    high: float
    unit: str
    year: str = ""
    source_id: tuple[str, ...]
    status: Literal["confirmed", "secondary", "uncertain"]
    ref: str = ""
    notes: str = ""
    derived: bool = False

    @field_validator("id", "quantity", "scope", "unit", "source_id", "status", "base", "low", "high", mode="before")
    @classmethod
    def _present(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValueError("missing or empty")
        return value

    @field_validator("low")
    @classmethod
    def _low(cls, value: float, info: ValidationInfo) -> float:
        base = info.data.get("base")
        if base is not None and value > base:
            raise ValueError(f"low {value:g} is greater than base {base:g}")
        return value

    @field_validator("high")
    @classmethod
    def _high(cls, value: float, info: ValidationInfo) -> float:
        base = info.data.get("base")
        if base is not None and base > value:
            raise ValueError(f"high {value:g} is less than base {base:g}")
        return value

    @field_validator("unit")
    @classmethod
    def _unit(cls, value: str) -> str:
        if value not in UNITS:
            raise ValueError(f"unknown unit {value!r}; known: {', '.join(sorted(UNITS))}")
        return value

    @field_validator("source_id", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(s.strip() for s in value.split(";") if s.strip())
        return value

    @field_validator("source_id")
    @classmethod
    def _known_sources(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if not value:
            raise ValueError("missing or empty")
        known = (info.context or {}).get("source_ids")
        for sid in value:
            if known is not None and sid not in known:
                raise ValueError(f"source {sid!r} is not in sources.yaml")
        return value

    @field_validator("derived", mode="before")
    @classmethod
    def _flag(cls, value: object) -> object:
        if value is None or value == "":
            return False
        if isinstance(value, str) and value.strip().lower() in ("yes", "no"):
            return value.strip().lower() == "yes"
        if isinstance(value, bool):
            return value
        raise ValueError(f"expected yes or empty, not {value!r}")

    def to_assumption(self) -> Assumption:
        return Assumption(self.id, self.quantity, self.scope, self.low, self.base, self.high, self.unit, self.year,
                          self.source_id, self.status, self.ref, self.notes, self.derived)


def parse_assumptions(path: Path, source_ids: set[str]) -> dict[str, Assumption]:
    """Read and validate an assumptions CSV; returns ``{id: Assumption}``.

    Every row is validated by :class:`AssumptionRecord`; an error names the file, the row (id and line)
    and the field."""
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
    unknown = [c for c in header if c not in COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise DataError(path, "header", unknown[0], "unknown column")
    out: dict[str, Assumption] = {}
    seen: dict[tuple[str, str], str] = {}
    context = {"source_ids": set(source_ids)}
    for lineno, row in enumerate(rows, start=2):
        rid = (row.get("id") or "").strip()
        label = f"{rid or '?'} (line {lineno})"
        if None in row:
            raise DataError(path, label, "-", "more fields than columns (quote fields with commas)")
        try:
            rec = AssumptionRecord.model_validate(row, context=context)
        except ValidationError as exc:
            field, problem = first_error(exc)
            raise DataError(path, label, field, problem) from None
        if rid in out:
            raise DataError(path, label, "id", "duplicate id")
        key = (rec.quantity, rec.scope)
        if key in seen:
            raise DataError(path, label, "scope", f"quantity {key[0]!r} already has scope {key[1]!r} (row {seen[key]})")
        seen[key] = rid
        out[rid] = rec.to_assumption()
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

    def rows_of(self, quantity: str) -> list[Assumption]:
        """Every row of ``quantity``, in the file's order (e.g. the published benchmarks, one per scope)."""
        return [a for a in self.rows.values() if a.quantity == quantity]

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
        import pandas as pd  # pandas (about 0.3 s) only where a table is made

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
