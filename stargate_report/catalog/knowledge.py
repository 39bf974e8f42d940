"""The knowledge base (``data/facts.yaml``): entities, sites, facts, the news article and its claims.

Everything is validated on load: ids, kinds, statuses, dates, verdicts, and every cross-reference
(source ids, entity ids, site ids, fact ids). Errors name file, record and field. Numbers the model
takes from facts (a site's capacity, an investment) are read from here, so a correction in the data
changes every briefing.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path

from stargate_report.catalog import files as datafiles
from stargate_report.catalog.regions import region_ids
from stargate_report.catalog.sources import load_sources
from stargate_report.catalog.validation import FACT_UNITS
from stargate_report.catalog.validation import STATUSES as _STATUSES
from stargate_report.exceptions import DataError, UnknownNameError

KINDS = frozenset({"programme", "site", "investment", "event", "company"})


STATUSES = frozenset(_STATUSES)


VERDICTS = ("supported", "partly supported", "not supported", "contradicted")


SITE_STATUSES = frozenset({"announced", "under construction", "operational"})


UNITS = FACT_UNITS


#: the unit of a fact a site may name as its ``capacity_fact`` (a power, not a count or an amount)
CAPACITY_UNIT = "MW"


SECTIONS = ("entities", "sites", "facts", "claims", "article")


FACT_REQUIRED = ("id", "kind", "statement_en", "statement_de", "date", "sources", "status", "as_of")


FACT_OPTIONAL = ("value", "unit", "site", "entities", "ref", "headline_en", "headline_de", "compares")


ENTITY_FIELDS = ("id", "name", "role_en", "role_de", "sources")


SITE_REQUIRED = ("id", "name", "location", "country", "developer", "power_en", "power_de", "status", "announced",
                 "sources")


SITE_OPTIONAL = ("region", "builder", "operator", "capacity_fact", "location_de", "status_as_of")


CLAIM_REQUIRED = ("id", "quote_de", "claim_en", "verdict", "evidence_en", "evidence_de", "sources")


CLAIM_OPTIONAL = ("facts",)


#: the article whose claims are checked: its headline and language are known; outlet, date and web address are
#: recorded where the copy names them (the project's copy names none: the prose says so rather than guess)
ARTICLE_REQUIRED = ("title", "language", "copy")


ARTICLE_OPTIONAL = ("outlet", "date", "url", "reports", "note")


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
    headline_en: str = ""
    headline_de: str = ""
    compares: str = ""  # the ledger quantity this published figure is set beside (model against the record)

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


@dataclass(frozen=True)
class Entity:
    id: str
    name: str
    role_en: str
    role_de: str
    sources: tuple[str, ...]

    def role(self, lang: str = "en") -> str:
        return self.role_de if lang == "de" else self.role_en


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    location: str
    country: str
    developer: tuple[str, ...]
    power_en: str
    power_de: str
    status: str
    announced: dt.date
    sources: tuple[str, ...]
    region: str | None = None
    builder: str | None = None
    operator: str | None = None
    capacity_fact: str | None = None
    location_de: str | None = None  # the location in German where it differs ("bei Narvik, Norwegen")
    status_as_of: dt.date | None = None  # the date of the source the status word rests on

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


@dataclass(frozen=True)
class Claim:
    id: str
    quote_de: str
    claim_en: str
    verdict: str
    evidence_en: str
    evidence_de: str
    sources: tuple[str, ...]
    facts: tuple[str, ...] = ()

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


# -- validation -------------------------------------------------------------------------------------
def _date(path, rid, name, value) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise DataError(path, rid, name, f"not an ISO date (YYYY-MM-DD): {value!r}") from None


def _fields(path, rec, rid, required, optional) -> None:
    for name in required:
        if name not in rec or rec[name] is None or rec[name] == "" or (rec[name] == [] and name == "sources"):
            raise DataError(path, rid, name, "missing or empty")
    extra = set(rec) - set(required) - set(optional)
    if extra:
        raise DataError(path, rid, sorted(extra)[0], "unknown field")


def _ids(path, rid, name, value, known, what) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    for item in items:
        if item not in known:
            raise DataError(path, rid, name, f"{what} {item!r} is not defined")
    return tuple(items)


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


def _capacity_fact(path, rid, fact_id, facts: list[dict]) -> None:
    """A site's ``capacity_fact`` must state a power: a fact with a value in MW. The error lists the facts that fit."""
    rec = next(f for f in facts if f.get("id") == fact_id)
    if rec.get("unit") != CAPACITY_UNIT or rec.get("value") is None:
        fitting = sorted(f.get("id") for f in facts if f.get("unit") == CAPACITY_UNIT and f.get("value") is not None)
        raise DataError(path, rid, "capacity_fact", f"fact {fact_id!r} is not a power (unit {rec.get('unit')!r}, "
                        f"not {CAPACITY_UNIT!r}); facts in {CAPACITY_UNIT}: {', '.join(fitting)}")


def _article(data: object, path, fact_ids: set) -> Article | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise DataError(path, "article", "-", "expected a mapping (title, language, copy, outlet, date, url, ...)")
    _fields(path, data, "article", ARTICLE_REQUIRED, ARTICLE_OPTIONAL)
    rec = {k: str(v) for k, v in data.items() if v is not None}
    if rec.get("date"):
        parts = rec["date"].split("-")
        if not (1 <= len(parts) <= 3 and all(p.isdigit() for p in parts) and len(parts[0]) == 4):
            raise DataError(path, "article", "date", f"not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD): {rec['date']!r}")
    if rec.get("url") and not rec["url"].startswith(("https://", "http://")):
        raise DataError(path, "article", "url", f"not a web address: {rec['url']!r}")
    if rec.get("reports"):
        _ids(path, "article", "reports", rec["reports"], fact_ids, "fact")
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
    entity_ids = {r.get("id") for r in sec["entities"]}
    site_ids = {r.get("id") for r in sec["sites"]}
    fact_ids = {r.get("id") for r in sec["facts"]}

    entities = {}
    for i, rec in enumerate(sec["entities"], start=1):
        rid = rec.get("id", f"entities #{i}")
        _fields(path, rec, rid, ENTITY_FIELDS, ())
        entities[rid] = Entity(rid, str(rec["name"]), str(rec["role_en"]), str(rec["role_de"]),
                               _ids(path, rid, "sources", rec["sources"], source_ids, "source"))

    sites = {}
    for i, rec in enumerate(sec["sites"], start=1):
        rid = rec.get("id", f"sites #{i}")
        _fields(path, rec, rid, SITE_REQUIRED, SITE_OPTIONAL)
        if rec["status"] not in SITE_STATUSES:
            raise DataError(path, rid, "status", f"unknown site status {rec['status']!r}; known: "
                            f"{', '.join(sorted(SITE_STATUSES))}")
        for role in ("builder", "operator"):
            if rec.get(role) is not None:
                _ids(path, rid, role, rec[role], entity_ids, "entity")
        if rec.get("capacity_fact") is not None:
            _ids(path, rid, "capacity_fact", rec["capacity_fact"], fact_ids, "fact")
            _capacity_fact(path, rid, rec["capacity_fact"], sec["facts"])
        if rec.get("region") is not None:
            _ids(path, rid, "region", rec["region"], set(region_ids()), "region")
        sites[rid] = Site(
            id=rid, name=str(rec["name"]), location=str(rec["location"]), country=str(rec["country"]),
            developer=_ids(path, rid, "developer", rec["developer"], entity_ids, "entity"),
            power_en=str(rec["power_en"]), power_de=str(rec["power_de"]), status=rec["status"],
            announced=_date(path, rid, "announced", rec["announced"]),
            sources=_ids(path, rid, "sources", rec["sources"], source_ids, "source"),
            region=rec.get("region"), builder=rec.get("builder"), operator=rec.get("operator"),
            capacity_fact=rec.get("capacity_fact"),
            location_de=str(rec["location_de"]) if rec.get("location_de") is not None else None,
            status_as_of=(_date(path, rid, "status_as_of", rec["status_as_of"])
                          if rec.get("status_as_of") is not None else None))

    facts = {}
    for i, rec in enumerate(sec["facts"], start=1):
        rid = rec.get("id", f"facts #{i}")
        _fields(path, rec, rid, FACT_REQUIRED, FACT_OPTIONAL)
        if rec["kind"] not in KINDS:
            raise DataError(path, rid, "kind", f"unknown kind {rec['kind']!r}; known: {', '.join(sorted(KINDS))}")
        if rec["status"] not in STATUSES:
            raise DataError(path, rid, "status", f"unknown status {rec['status']!r}; known: "
                            f"{', '.join(sorted(STATUSES))}")
        value = rec.get("value")
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise DataError(path, rid, "value", f"not a number: {value!r}")
            if rec.get("unit") not in UNITS:
                raise DataError(path, rid, "unit", f"a numeric fact needs a unit, one of {', '.join(sorted(UNITS))}")
        if rec.get("site") is not None and site_ids:
            _ids(path, rid, "site", rec["site"], site_ids, "site")
        ents = rec.get("entities") or []
        if ents and entity_ids:
            _ids(path, rid, "entities", ents, entity_ids, "entity")
        facts[rid] = Fact(
            id=rid, kind=rec["kind"], statement_en=str(rec["statement_en"]), statement_de=str(rec["statement_de"]),
            date=_date(path, rid, "date", rec["date"]),
            sources=_ids(path, rid, "sources", rec["sources"], source_ids, "source"), status=rec["status"],
            as_of=_date(path, rid, "as_of", rec["as_of"]), value=None if value is None else float(value),
            unit=rec.get("unit"), site=rec.get("site"), entities=tuple(ents), ref=str(rec.get("ref", "")),
            headline_en=str(rec.get("headline_en", "")), headline_de=str(rec.get("headline_de", "")),
            compares=str(rec.get("compares") or ""))
        if facts[rid].compares and value is None:
            raise DataError(path, rid, "compares", "only a fact with a value can be set beside a model quantity")
        if bool(facts[rid].headline_en) != bool(facts[rid].headline_de):
            raise DataError(path, rid, "headline_de" if facts[rid].headline_en else "headline_en",
                            "a headline needs both languages")
        for name in ("headline_en", "headline_de"):
            if "{value}" in str(rec.get(name, "")) and value is None:
                raise DataError(path, rid, name, "uses {value} but the fact has no value")

    claims = {}
    for i, rec in enumerate(sec["claims"], start=1):
        rid = rec.get("id", f"claims #{i}")
        _fields(path, rec, rid, CLAIM_REQUIRED, CLAIM_OPTIONAL)
        if rec["verdict"] not in VERDICTS:
            raise DataError(path, rid, "verdict", f"unknown verdict {rec['verdict']!r}; known: {', '.join(VERDICTS)}")
        claims[rid] = Claim(
            id=rid, quote_de=str(rec["quote_de"]), claim_en=str(rec["claim_en"]), verdict=rec["verdict"],
            evidence_en=str(rec["evidence_en"]), evidence_de=str(rec["evidence_de"]),
            sources=_ids(path, rid, "sources", rec["sources"], source_ids, "source"),
            facts=_ids(path, rid, "facts", rec.get("facts") or [], fact_ids, "fact") if rec.get("facts") else ())
    return Knowledge(entities, sites, facts, claims, _article(data.get("article"), path, fact_ids))


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
