"""Questions to the knowledge base: facts by entity, site, kind or date; sites, entities and claims as tables."""
from __future__ import annotations

import datetime as dt
from typing import Any

from stargate_report.catalog.knowledge import KINDS, STATUSES, VERDICTS, Fact, load_knowledge
from stargate_report.exceptions import ParameterError, UnknownNameError


# -- queries ----------------------------------------------------------------------------------------
def _check(kind: str, value: str | None, known) -> None:
    if value is not None and value not in known:
        raise UnknownNameError(kind, value, list(known))


def as_date(name: str, value) -> dt.date | None:
    """``value`` (a date or ``YYYY-MM-DD``; ``None`` passes) as a date, or a :class:`ParameterError` naming ``name``."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:

        raise ParameterError(name, value, "a date YYYY-MM-DD") from None


def query_facts(entity: str | None = None, site: str | None = None, kind: str | None = None,
                status: str | None = None, start=None, end=None) -> list[Fact]:
    """Facts filtered by entity, site, kind, status and a date range (inclusive), in date order."""
    kb = load_knowledge()
    _check("entity", entity, kb.entities)
    _check("site", site, kb.sites)
    _check("kind", kind, KINDS)
    _check("status", status, STATUSES)
    start, end = as_date("start", start), as_date("end", end)
    out = [f for f in kb.facts.values()
           if (entity is None or entity in f.entities) and (site is None or f.site == site)
           and (kind is None or f.kind == kind) and (status is None or f.status == status)
           and (start is None or f.date >= start) and (end is None or f.date <= end)]
    return sorted(out, key=lambda f: (f.date, f.id))


def facts_frame(lang: str = "en", **filters: Any):
    """:func:`query_facts` as a DataFrame (statement in ``lang``)."""
    import pandas as pd  # pandas (about 0.3 s) only where a table is made

    rows = [{"id": f.id, "kind": f.kind, "date": f.date.isoformat(), "statement": f.statement(lang),
             "value": f.value, "unit": f.unit, "site": f.site, "entities": ";".join(f.entities),
             "status": f.status, "sources": ";".join(f.sources), "as_of": f.as_of.isoformat(), "ref": f.ref}
            for f in query_facts(**filters)]
    return pd.DataFrame(rows, columns=["id", "kind", "date", "statement", "value", "unit", "site", "entities",
                                       "status", "sources", "as_of", "ref"])


def facts_as_of(date) -> list[Fact]:
    """What was known on ``date``: the facts that refer to that date or earlier."""
    return query_facts(end=as_date("date", date))


def site_record(site_id: str, lang: str = "en") -> dict[str, Any]:
    """One site with its roles, power supply, planned capacity (from its fact) and sources."""
    kb = load_knowledge()
    _check("site", site_id, kb.sites)
    s = kb.sites[site_id]
    cap = kb.facts[s.capacity_fact] if s.capacity_fact else None

    def name(eid):
        return kb.entities[eid].name if eid else None

    return {"id": s.id, "name": s.name, "location": s.place(lang), "country": s.country, "region": s.region,
            "status": s.status, "announced": s.announced.isoformat(),
            "developer": [name(e) for e in s.developer], "builder": name(s.builder), "operator": name(s.operator),
            "power_supply": s.power(lang), "planned_capacity_mw": cap.value if cap else None,
            "capacity_fact": s.capacity_fact, "capacity_status": cap.status if cap else None,
            "sources": list(dict.fromkeys(s.sources + (cap.sources if cap else ())))}


def sites_frame(lang: str = "en"):
    import pandas as pd  # pandas (about 0.3 s) only where a table is made

    return pd.DataFrame([site_record(s, lang) for s in load_knowledge().sites])


def entities_frame(lang: str = "en"):
    import pandas as pd  # pandas (about 0.3 s) only where a table is made

    return pd.DataFrame([{"id": e.id, "name": e.name, "role": e.role(lang), "sources": ";".join(e.sources)}
                         for e in load_knowledge().entities.values()])


def claims_frame(lang: str = "en"):
    import pandas as pd  # pandas (about 0.3 s) only where a table is made

    return pd.DataFrame([{"id": c.id, "quote_de": c.quote_de, "claim_en": c.claim_en, "verdict": c.verdict,
                          "evidence": c.evidence(lang), "sources": ";".join(c.sources), "facts": ";".join(c.facts)}
                         for c in load_knowledge().claims.values()])


def verdict_tally() -> list[dict[str, Any]]:
    """How many of the article's claims got each verdict: one row per verdict (``key`` is the verdict as an id,
    ``verdict`` as recorded, ``count``; verdicts no claim got count 0), then ``key`` ``all`` with the number of
    claims. The model puts it into every run's results (table ``claim_verdicts``), where the prose reads it."""
    claims = load_knowledge().claims.values()
    rows = [{"key": v.replace(" ", "_"), "verdict": v, "count": sum(c.verdict == v for c in claims)} for v in VERDICTS]
    return rows + [{"key": "all", "verdict": "all", "count": len(claims)}]
