"""The sources the package data cites, and how old they are: the source-age warning and `stargate-report sources`."""
from __future__ import annotations

import datetime as dt

from stargate_report.catalog.assumptions import load_registry
from stargate_report.catalog.knowledge import Knowledge, load_facts, load_knowledge
from stargate_report.catalog.sources import load_sources


def data_as_of() -> dt.date:
    """The date the knowledge base was last checked (the latest ``as_of``)."""
    return max(f.as_of for f in load_facts().values())


def _source_date(text: str) -> dt.date | None:
    parts = str(text).split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else 1
        day = int(parts[2]) if len(parts) > 2 else 1
        return dt.date(year, month, day)
    except (ValueError, IndexError):
        return None


#: facts of this kind record something that happened on their date: they do not go out of date
HISTORICAL_KIND = "event"


def historical_sources(kb: Knowledge | None = None) -> set[str]:
    """Sources cited only as the record of past events: by facts of kind ``event`` (what happened on a
    date stays true), or by a claim that rests on such a fact which cites them too (the claim's evidence
    is that history). Their age is no reason to check them again."""
    kb = kb or load_knowledge()
    events = {f.id: set(f.sources) for f in kb.facts.values() if f.kind == HISTORICAL_KIND}
    current: set[str] = set()
    for group in (kb.facts.values(), kb.sites.values(), kb.entities.values()):
        for rec in group:
            if rec.id not in events:
                current.update(rec.sources)
    for claim in kb.claims.values():
        history = set().union(*(events.get(f, set()) for f in claim.facts))
        current.update(s for s in claim.sources if s not in history)
    return set().union(*events.values()) - current


def sources_frame(stale_after_days: int | None = None, today: dt.date | None = None):
    """Every source of the package data as a DataFrame: ``id, date, publisher, title, url, cited_by``
    (``knowledge``, ``assumptions``, both joined by ``;``, or empty) and ``historical``
    (:func:`historical_sources`). ``stale_after_days``: only the sources older than that, those
    :func:`stale_sources` names for that age with ``include_assumptions=True`` (the knowledge base's current
    sources and every source of ``assumptions.csv``)."""
    import pandas as pd  # pandas (about 0.3 s) only where a table is made


    reg, kb = load_sources(), load_knowledge()
    by_kb = set(cited_sources(kb))
    by_assumptions = {s for row in load_registry().rows.values() for s in row.source_ids}
    history = historical_sources(kb)
    ids = list(reg)
    if stale_after_days is not None:
        ids = [sid for sid, _ in stale_sources(stale_after_days, today, include_assumptions=True)]
    rows = [{"id": sid, "date": reg[sid].date, "publisher": reg[sid].publisher, "title": reg[sid].title,
             "url": reg[sid].url,
             "cited_by": ";".join(n for n, used in (("knowledge", by_kb), ("assumptions", by_assumptions))
                                  if sid in used),
             "historical": sid in history} for sid in ids]
    return pd.DataFrame(rows, columns=["id", "date", "publisher", "title", "url", "cited_by", "historical"])


def cited_sources(kb: Knowledge | None = None) -> list[str]:
    """Every source the knowledge base cites, once, in the order first cited (facts, sites, claims, entities)."""
    kb = kb or load_knowledge()
    cited = [s for group in (kb.facts.values(), kb.sites.values(), kb.claims.values(), kb.entities.values())
             for rec in group for s in rec.sources]
    return list(dict.fromkeys(cited))


def assumption_sources() -> list[str]:
    """Every source ``assumptions.csv`` cites, once, in row order."""

    return list(dict.fromkeys(s for row in load_registry().rows.values() for s in row.source_ids))


def stale_sources(max_age_days: int, today: dt.date | None = None,
                  include_assumptions: bool = False) -> list[tuple[str, dt.date]]:
    """Sources cited by the knowledge base that were published more than ``max_age_days`` ago, except
    :func:`historical_sources` (a 2019 report of a 2019 purchase is as good as it gets).

    ``include_assumptions``: also the sources of ``assumptions.csv`` (every one counts: a value's source
    is as current as its publication), as ``stargate-report sources --stale`` lists them. A build's
    warning (:func:`stargate_report.pipeline.build.source_age_warning`) keeps to the knowledge base."""
    today = today or dt.date.today()
    kb, reg = load_knowledge(), load_sources()
    history = historical_sources(kb)
    cited = [s for s in cited_sources(kb) if s not in history]
    if include_assumptions:
        cited = list(dict.fromkeys(cited + assumption_sources()))
    out = []
    for sid in cited:
        d = _source_date(reg[sid].date)
        if d is not None and (today - d).days > max_age_days:
            out.append((sid, d))
    return sorted(out, key=lambda x: x[1])
