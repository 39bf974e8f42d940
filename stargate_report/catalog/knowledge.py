"""The knowledge base (``data/facts.yaml``): entities, sites, facts, the news article and its claims.

Everything is validated on load by the pydantic models of :mod:`stargate_report.catalog.knowledge_schema`:
ids, kinds, statuses, dates, verdicts, and every cross-reference (source ids, entity ids, site ids, fact ids,
regions, a site's capacity fact). Errors name file, record and field, the value and what is allowed. Numbers
the model takes from facts (a site's capacity, an investment) are read from here, so a correction in the data
changes every briefing.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from stargate_report.catalog import files as datafiles
from stargate_report.catalog import knowledge_schema as schema
from stargate_report.catalog.regions import region_ids
from stargate_report.catalog.sources import load_sources
from stargate_report.catalog.validation import FACT_UNITS, first_error
from stargate_report.catalog.validation import STATUSES as _STATUSES
from stargate_report.exceptions import DataError, UnknownNameError

KINDS = frozenset(schema.KINDS)


STATUSES = frozenset(_STATUSES)


VERDICTS = schema.VERDICTS


SITE_STATUSES = frozenset(schema.SITE_STATUSES)


UNITS = FACT_UNITS


#: the unit of a fact a site may name as its ``capacity_fact`` (a power, not a count or an amount)
CAPACITY_UNIT = schema.CAPACITY_UNIT


SECTIONS = ("entities", "sites", "facts", "claims", "article")


#: the article whose claims are checked: its headline and language are known; outlet, date and web address are
#: recorded where the copy names them (the project's copy names none: the prose says so rather than guess)
ARTICLE_REQUIRED = ("title", "language", "copy")


ARTICLE_OPTIONAL = ("outlet", "date", "url", "reports", "note")


class Fact(schema.FactRecord):
    """A sourced statement in both languages, with its date, status and, where numeric, value and unit.

    Fields and checks: :class:`~stargate_report.catalog.knowledge_schema.FactRecord`."""

    def statement(self, lang: str = "en") -> str:
        return self.statement_de if lang == "de" else self.statement_en

    def headline(self, lang: str = "en", fmt=None) -> str:
        """A short label for charts (empty where the fact has none); ``{value}`` is the fact's own value,
        formatted by ``fmt(value, unit, lang)`` (the presentation layer's formatter), so a correction of the
        value changes the label too."""
        text = self.headline_de if lang == "de" else self.headline_en
        if "{value}" in text and self.value is not None and fmt is not None:
            text = text.replace("{value}", fmt(self.value, self.unit or "", lang))
        return text


class Entity(schema.EntityRecord):
    """A company or organisation with its role in both languages.

    Fields and checks: :class:`~stargate_report.catalog.knowledge_schema.EntityRecord`."""

    def role(self, lang: str = "en") -> str:
        return self.role_de if lang == "de" else self.role_en


class Site(schema.SiteRecord):
    """A data-centre site: place, developers, power supply, status and capacity fact.

    Fields and checks: :class:`~stargate_report.catalog.knowledge_schema.SiteRecord`."""

    def power(self, lang: str = "en") -> str:
        return self.power_de if lang == "de" else self.power_en

    def place(self, lang: str = "en") -> str:
        """The location in ``lang``: the German one where the record has it, else ``location``."""
        return self.location_de if lang == "de" and self.location_de else self.location

    def label(self, lang: str = "en") -> str:
        """The site as a table names it: its name with its location, each word once. A name that is the
        location's first part ("Milam County" of "Milam County, Texas") gives way to the location, keeping the
        name's bracketed addition ("Abilene (Stargate I)" → "Abilene, Texas (Stargate I)"); a location that
        adds nothing to the name ("Wisconsin" of "Wisconsin (Midwest)") is left out; any other name is followed
        by its location in brackets ("Stargate Norway (Kvandal near Narvik, Norway)")."""
        place = self.place(lang)
        base, _, extra = self.name.partition(" (")
        if place == base or place.startswith(base + ","):
            return place + (f" ({extra}" if extra else "")
        if place in self.name:
            return self.name
        return f"{self.name} ({place})"


class Claim(schema.ClaimRecord):
    """A claim of the news article with its verdict and evidence in both languages.

    Fields and checks: :class:`~stargate_report.catalog.knowledge_schema.ClaimRecord`."""

    def evidence(self, lang: str = "en") -> str:
        return self.evidence_de if lang == "de" else self.evidence_en


@dataclass(frozen=True)
class Article:
    """The news article whose claims the knowledge base checks: what identifies it, as far as it is known."""

    title: str  # the headline, verbatim
    language: str
    copy: str  # where the project's copy of the text is (the research folder; not read at run time)
    outlet: str = ""
    date: str = ""  # ISO, as far as known (year, year-month or day)
    url: str = ""
    reports: str = ""  # the fact (an event) the article reports
    note: str = ""


@dataclass(frozen=True)
class Knowledge:
    entities: dict[str, Entity]
    sites: dict[str, Site]
    facts: dict[str, Fact]
    claims: dict[str, Claim]
    article: Article | None = None


# -- validation ---------------------------------------------------------------------------------------
def _records(section: object, path, name: str) -> list[dict]:
    if section is None:
        return []
    if not isinstance(section, list):
        raise DataError(path, name, "-", "expected a list of records")
    for i, rec in enumerate(section, start=1):
        if not isinstance(rec, dict):
            raise DataError(path, f"{name} #{i}", "-", "each record must be a mapping")
    return section


def _unique(path, section: list[dict], name: str) -> None:
    seen: set = set()
    for i, rec in enumerate(section, start=1):
        rid = rec.get("id", f"{name} #{i}")
        if rid in seen:
            raise DataError(path, rid, "id", f"duplicate id in {name}")
        seen.add(rid)


def _validate(path, model: type[schema._Record], name: str, records: list[dict], ctx: dict) -> list:
    """Each record of a section through its pydantic model; the first problem becomes a ``DataError`` naming
    the file, the record (its id, or its position) and the field."""
    out = []
    for i, rec in enumerate(records, start=1):
        rid = rec.get("id") or f"{name} #{i}"
        try:
            out.append(model.model_validate(rec, context=ctx))
        except ValidationError as exc:
            field_name, problem = first_error(exc)
            raise DataError(path, rid, field_name, problem) from None
        except schema.FieldProblem as exc:
            raise DataError(path, rid, exc.field, exc.problem) from None
    return out


def _article(data: object, path, fact_ids: set) -> Article | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise DataError(path, "article", "-", "expected a mapping (title, language, copy, outlet, date, url, ...)")
    for name in ARTICLE_REQUIRED:
        if data.get(name) in (None, ""):
            raise DataError(path, "article", name, "missing or empty")
    extra = set(data) - set(ARTICLE_REQUIRED) - set(ARTICLE_OPTIONAL)
    if extra:
        raise DataError(path, "article", sorted(extra)[0], "unknown field")
    rec = {k: str(v) for k, v in data.items() if v is not None}
    if rec.get("date"):
        parts = rec["date"].split("-")
        if not (1 <= len(parts) <= 3 and all(p.isdigit() for p in parts) and len(parts[0]) == 4):
            raise DataError(path, "article", "date", f"not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD): {rec['date']!r}")
    if rec.get("url") and not rec["url"].startswith(("https://", "http://")):
        raise DataError(path, "article", "url", f"not a web address: {rec['url']!r}")
    if rec.get("reports") and rec["reports"] not in fact_ids:
        raise DataError(path, "article", "reports", f"fact {rec['reports']!r} is not defined")
    return Article(**rec)


def parse_knowledge(data: object, path: object, source_ids: set[str]) -> Knowledge:
    """Validate a knowledge-base document (a mapping of its sections) into :class:`Knowledge`."""
    if isinstance(data, list):  # a plain list of facts is accepted too
        data = {"facts": data}
    if not isinstance(data, dict):
        raise DataError(path, "-", "-", f"expected a mapping with sections {', '.join(SECTIONS)}")
    unknown = set(data) - set(SECTIONS)
    if unknown:
        raise DataError(path, sorted(unknown)[0], "-", f"unknown section; known: {', '.join(SECTIONS)}")
    sec = {name: _records(data.get(name), path, name) for name in SECTIONS if name != "article"}
    for name, records in sec.items():
        _unique(path, records, name)
    ctx = schema.context(source_ids, {r.get("id") for r in sec["entities"]}, {r.get("id") for r in sec["sites"]},
                         {r.get("id") for r in sec["facts"]}, set(region_ids()), sec["facts"])
    entities = {m.id: m for m in _validate(path, Entity, "entities", sec["entities"], ctx)}
    sites = {m.id: m for m in _validate(path, Site, "sites", sec["sites"], ctx)}
    facts = {m.id: m for m in _validate(path, Fact, "facts", sec["facts"], ctx)}
    claims = {m.id: m for m in _validate(path, Claim, "claims", sec["claims"], ctx)}
    return Knowledge(entities, sites, facts, claims, _article(data.get("article"), path, set(facts)))


def parse_facts(records: object, path: object, source_ids: set[str]) -> dict[str, Fact]:
    """Validate fact records (a list, or a whole knowledge document); returns ``{id: Fact}``."""
    return parse_knowledge(records, path, source_ids).facts


@functools.cache
def load_knowledge(path: str | None = None) -> Knowledge:
    """Load ``facts.yaml`` (or ``path``), validated against the sources registry."""
    p = Path(path) if path else datafiles.path("facts.yaml")
    return parse_knowledge(datafiles.read_yaml(p), p, set(load_sources()))


def load_facts(path: str | None = None) -> dict[str, Fact]:
    return load_knowledge(path).facts


def get_fact(fact_id: str) -> Fact:
    facts = load_facts()
    if fact_id not in facts:
        raise UnknownNameError("fact", fact_id, list(facts))
    return facts[fact_id]


def numeric_fact_ids(unit: str | None = None) -> list[str]:
    return sorted(f.id for f in load_facts().values() if f.value is not None and (unit is None or f.unit == unit))
