"""The knowledge base (``data/facts.yaml``): sourced facts on Stargate and SB Energy.

Facts are validated on load (ids, kinds, statuses, dates, source ids). Numbers that
the model takes from facts (a site's capacity, an investment) are read from here, so a
correction in the data changes every briefing.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path

from . import datafiles
from .exceptions import DataError, UnknownNameError
from .sources import load_sources

KINDS = frozenset({"programme", "site", "investment", "event"})
STATUSES = frozenset({"confirmed", "secondary", "uncertain"})
UNITS = frozenset({"MW", "usd", "count", "acres"})
REQUIRED = ("id", "kind", "statement_en", "statement_de", "date", "sources", "status", "as_of")
OPTIONAL = ("value", "unit", "site", "entities", "ref")


@dataclass(frozen=True)
class Fact:
    id: str
    kind: str
    statement_en: str
    statement_de: str
    date: dt.date
    sources: tuple[str, ...]
    status: str
    as_of: dt.date
    value: float | None = None
    unit: str | None = None
    site: str | None = None
    entities: tuple[str, ...] = field(default_factory=tuple)
    ref: str = ""

    def statement(self, lang: str = "en") -> str:
        return self.statement_de if lang == "de" else self.statement_en


def _date(path, rid, name, value) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise DataError(path, rid, name, f"not an ISO date (YYYY-MM-DD): {value!r}") from None


def parse_facts(records: object, path: object, source_ids: set[str]) -> dict[str, Fact]:
    """Validate fact records; returns ``{id: Fact}``."""
    if not isinstance(records, list):
        raise DataError(path, "-", "-", "expected a list of facts")
    out: dict[str, Fact] = {}
    for i, rec in enumerate(records, start=1):
        if not isinstance(rec, dict):
            raise DataError(path, i, "-", "each fact must be a mapping")
        rid = rec.get("id", f"#{i}")
        for name in REQUIRED:
            if rec.get(name) in (None, "", []):
                raise DataError(path, rid, name, "missing or empty")
        extra = set(rec) - set(REQUIRED) - set(OPTIONAL)
        if extra:
            raise DataError(path, rid, sorted(extra)[0], "unknown field")
        if rid in out:
            raise DataError(path, rid, "id", "duplicate id")
        if rec["kind"] not in KINDS:
            raise DataError(path, rid, "kind", f"unknown kind {rec['kind']!r}; known: {', '.join(sorted(KINDS))}")
        if rec["status"] not in STATUSES:
            raise DataError(path, rid, "status", f"unknown status {rec['status']!r}; known: {', '.join(sorted(STATUSES))}")
        sources = rec["sources"] if isinstance(rec["sources"], list) else [rec["sources"]]
        for sid in sources:
            if sid not in source_ids:
                raise DataError(path, rid, "sources", f"source {sid!r} is not in sources.yaml")
        value = rec.get("value")
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise DataError(path, rid, "value", f"not a number: {value!r}")
            if rec.get("unit") not in UNITS:
                raise DataError(path, rid, "unit", f"a numeric fact needs a unit, one of {', '.join(sorted(UNITS))}")
        out[rid] = Fact(
            id=rid, kind=rec["kind"], statement_en=str(rec["statement_en"]), statement_de=str(rec["statement_de"]),
            date=_date(path, rid, "date", rec["date"]), sources=tuple(sources), status=rec["status"],
            as_of=_date(path, rid, "as_of", rec["as_of"]), value=None if value is None else float(value),
            unit=rec.get("unit"), site=rec.get("site"), entities=tuple(rec.get("entities") or ()),
            ref=str(rec.get("ref", "")))
    return out


@functools.lru_cache(maxsize=None)
def load_facts(path: str | None = None) -> dict[str, Fact]:
    """Load ``facts.yaml`` (or ``path``), validated against the sources registry."""
    p = Path(path) if path else datafiles.path("facts.yaml")
    return parse_facts(datafiles.read_yaml(p), p, set(load_sources()))


def get_fact(fact_id: str) -> Fact:
    facts = load_facts()
    if fact_id not in facts:
        raise UnknownNameError("fact", fact_id, list(facts))
    return facts[fact_id]


def numeric_fact_ids(unit: str | None = None) -> list[str]:
    return sorted(f.id for f in load_facts().values() if f.value is not None and (unit is None or f.unit == unit))
