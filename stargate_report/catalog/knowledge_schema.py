"""The schema of the knowledge base (``data/facts.yaml``): one pydantic model per record of its four sections.

Each model checks its record alone (required fields, vocabularies, dates, numbers) and, through the validation
context, its references to the rest of the document and to the registries: source ids, entity ids, site ids,
fact ids, region ids, and that a site's ``capacity_fact`` states a power. Problems come back as a pydantic
``ValidationError`` (located at the field) or, for a rule that spans two fields, as :class:`FieldProblem`
naming the field; :mod:`stargate_report.catalog.knowledge` turns both into a ``DataError`` naming the file and
the record.

The context (``info.context``) is a mapping with the keys ``source_ids``, ``entity_ids``, ``site_ids``,
``fact_ids``, ``region_ids`` (sets; ``None`` or absent: not checked) and ``facts`` (the raw fact records, for
``capacity_fact``).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from stargate_report.catalog.validation import FACT_UNITS
from stargate_report.catalog.validation import STATUSES as FACT_STATUSES

#: what a fact is about
KINDS = ("company", "event", "investment", "programme", "site")
#: the verdicts of a claim against its sources, from the claim's side to the record's
VERDICTS = ("supported", "partly supported", "not supported", "contradicted")
#: the state of a site, as its dated source gives it
SITE_STATUSES = ("announced", "operational", "under construction")
#: the unit of a fact a site may name as its ``capacity_fact`` (a power, not a count or an amount)
CAPACITY_UNIT = "MW"


class FieldProblem(Exception):
    """A rule over two fields of one record failed; ``field`` is the one to correct. (Not a ``ValueError``,
    so pydantic lets it through unwrapped and the caller can name the field.)"""

    def __init__(self, field: str, problem: str) -> None:
        self.field, self.problem = field, problem
        super().__init__(f"{field}: {problem}")


# -- shared checks ----------------------------------------------------------------------------------
def _present(value: object) -> object:
    if value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, (list, tuple))
                                                                          and not value):
        raise ValueError("missing or empty")
    return value


def _iso_date(value: object) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"not an ISO date (YYYY-MM-DD): {value!r}") from None


def _one_of(value: object, allowed: tuple[str, ...], what: str, listed: tuple[str, ...] | None = None) -> str:
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; known: {', '.join(listed or allowed)}")
    return str(value)


def _as_tuple(value: object) -> tuple:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _known(items: tuple, info: ValidationInfo, key: str, what: str, skip_empty: bool = False) -> tuple:
    """Each item must be one of the context's ``key`` set (not checked where the context has none, nor, with
    ``skip_empty``, where the set is empty: a plain list of facts names sites and entities it does not define)."""
    known = (info.context or {}).get(key)
    if known is not None and (known or not skip_empty):
        for item in items:
            if item not in known:
                raise ValueError(f"{what} {item!r} is not defined")
    return items


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, frozen=True)

    id: str

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: object) -> object:
        return _present(value)


# -- the four records -------------------------------------------------------------------------------
class EntityRecord(_Record):
    """A company or organisation: ``id, name, role_en, role_de, sources``."""

    name: str
    role_en: str
    role_de: str
    sources: tuple[str, ...]

    @field_validator("name", "role_en", "role_de", "sources", mode="before")
    @classmethod
    def _required(cls, value: object) -> object:
        return _present(value)

    @field_validator("sources", mode="before")
    @classmethod
    def _listed(cls, value: object) -> tuple:
        return _as_tuple(value)

    @field_validator("sources")
    @classmethod
    def _sources(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        return _known(value, info, "source_ids", "source")


class SiteRecord(_Record):
    """A data-centre site: where, who builds and runs it, its power supply, its dated status and the fact
    stating its capacity."""

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

    @field_validator("name", "location", "country", "developer", "power_en", "power_de", "status", "announced",
                     "sources", mode="before")
    @classmethod
    def _required(cls, value: object) -> object:
        return _present(value)

    @field_validator("developer", "sources", mode="before")
    @classmethod
    def _listed(cls, value: object) -> tuple:
        return _as_tuple(value)

    @field_validator("announced", "status_as_of", mode="before")
    @classmethod
    def _date(cls, value: object) -> object:
        return None if value is None else _iso_date(value)

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        return _one_of(value, SITE_STATUSES, "site status")

    @field_validator("developer")
    @classmethod
    def _developer(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        return _known(value, info, "entity_ids", "entity")

    @field_validator("builder", "operator")
    @classmethod
    def _entity(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            _known((value,), info, "entity_ids", "entity")
        return value

    @field_validator("sources")
    @classmethod
    def _sources(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        return _known(value, info, "source_ids", "source")

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            _known((value,), info, "region_ids", "region")
        return value

    @field_validator("capacity_fact")
    @classmethod
    def _capacity_fact(cls, value: str | None, info: ValidationInfo) -> str | None:
        """The fact must exist and state a power (a value in MW); the error lists the facts that would fit."""
        if value is None:
            return value
        _known((value,), info, "fact_ids", "fact")
        facts = (info.context or {}).get("facts")
        if facts is None:
            return value
        rec = next((f for f in facts if f.get("id") == value), {})
        if rec.get("unit") != CAPACITY_UNIT or rec.get("value") is None:
            fitting = sorted(str(f.get("id")) for f in facts
                             if f.get("unit") == CAPACITY_UNIT and f.get("value") is not None)
            raise ValueError(f"fact {value!r} is not a power (unit {rec.get('unit')!r}, not {CAPACITY_UNIT!r}); "
                             f"facts in {CAPACITY_UNIT}: {', '.join(fitting)}")
        return value


class FactRecord(_Record):
    """A sourced statement, in both languages, with its date, status and (where numeric) its value and unit."""

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
    entities: tuple[str, ...] = ()
    ref: str = ""
    headline_en: str = ""
    headline_de: str = ""
    compares: str = ""  # the ledger quantity this published figure is set beside (model against the record)

    @field_validator("kind", "statement_en", "statement_de", "date", "sources", "status", "as_of", mode="before")
    @classmethod
    def _required(cls, value: object) -> object:
        return _present(value)

    @field_validator("sources", "entities", mode="before")
    @classmethod
    def _listed(cls, value: object) -> tuple:
        return _as_tuple(value)

    @field_validator("ref", "headline_en", "headline_de", "compares", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        return "" if value is None else value

    @field_validator("date", "as_of", mode="before")
    @classmethod
    def _date(cls, value: object) -> dt.date:
        return _iso_date(value)

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        return _one_of(value, KINDS, "kind")

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        return _one_of(value, FACT_STATUSES, "status", tuple(sorted(FACT_STATUSES)))

    @field_validator("value", mode="before")
    @classmethod
    def _number(cls, value: object) -> object:
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ValueError(f"not a number: {value!r}")
        return value

    @field_validator("sources")
    @classmethod
    def _sources(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        return _known(value, info, "source_ids", "source")

    @field_validator("site")
    @classmethod
    def _site(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            _known((value,), info, "site_ids", "site", skip_empty=True)
        return value

    @field_validator("entities")
    @classmethod
    def _entities(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        return _known(value, info, "entity_ids", "entity", skip_empty=True)

    @model_validator(mode="after")
    def _consistent(self) -> FactRecord:
        if self.value is not None and self.unit not in FACT_UNITS:
            raise FieldProblem("unit", f"a numeric fact needs a unit, one of {', '.join(sorted(FACT_UNITS))}")
        if self.compares and self.value is None:
            raise FieldProblem("compares", "only a fact with a value can be set beside a model quantity")
        if bool(self.headline_en) != bool(self.headline_de):
            raise FieldProblem("headline_de" if self.headline_en else "headline_en", "a headline needs both languages")
        for name in ("headline_en", "headline_de"):
            if "{value}" in getattr(self, name) and self.value is None:
                raise FieldProblem(name, "uses {value} but the fact has no value")
        return self


class ClaimRecord(_Record):
    """A claim of the news article: its German quote, the claim in English, the verdict against the sources and
    the evidence in both languages, with the facts it rests on."""

    quote_de: str
    claim_en: str
    verdict: str
    evidence_en: str
    evidence_de: str
    sources: tuple[str, ...]
    facts: tuple[str, ...] = Field(default=())

    @field_validator("quote_de", "claim_en", "verdict", "evidence_en", "evidence_de", "sources", mode="before")
    @classmethod
    def _required(cls, value: object) -> object:
        return _present(value)

    @field_validator("sources", "facts", mode="before")
    @classmethod
    def _listed(cls, value: object) -> tuple:
        return _as_tuple(value)

    @field_validator("verdict")
    @classmethod
    def _verdict(cls, value: str) -> str:
        return _one_of(value, VERDICTS, "verdict")

    @field_validator("sources")
    @classmethod
    def _sources(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        return _known(value, info, "source_ids", "source")

    @field_validator("facts")
    @classmethod
    def _facts(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        return _known(value, info, "fact_ids", "fact")


#: the model of each section's records

def context(source_ids: set[str], entity_ids: set[str], site_ids: set[str], fact_ids: set[str],
            region_ids: set[str], facts: list[dict[str, Any]]) -> dict[str, Any]:
    """The validation context of one document: the ids each reference may name, and the raw fact records."""
    return {"source_ids": set(source_ids), "entity_ids": set(entity_ids), "site_ids": set(site_ids),
            "fact_ids": set(fact_ids), "region_ids": set(region_ids), "facts": facts}
