"""The knowledge base's records a briefing prints, copied into the run's results.

Facts, sites and the article's claims are sourced data, not model output, but the briefing prints their
numbers (a site's capacity, an investment, a date) and every printed number must come from the run's
results. So the run copies them into ``results.json`` (tables ``knowledge_facts``, ``knowledge_sites``,
``knowledge_claims``), and the deal chapter formats those copies. A briefing rebuilt from its results
shows what the knowledge base said when it ran.
"""
from __future__ import annotations

from stargate_report.catalog.knowledge import load_knowledge
from stargate_report.model.ledger import Results


def _row(record) -> dict:
    """A record as JSON data: dates as ISO text, tuples as lists."""
    return record.model_dump(mode="json")


def add_knowledge_tables(res: Results) -> Results:
    """Add every fact, site and claim of the knowledge base to ``res.tables`` (in the knowledge base's order)."""
    kb = load_knowledge()
    res.tables["knowledge_facts"] = [_row(f) for f in kb.facts.values()]
    res.tables["knowledge_sites"] = [_row(s) for s in kb.sites.values()]
    res.tables["knowledge_claims"] = [_row(c) for c in kb.claims.values()]
    return res


__all__ = ["add_knowledge_tables"]
