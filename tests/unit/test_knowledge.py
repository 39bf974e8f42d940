"""The knowledge base: real facts and queries, and malformed documents rejected with file, record and field."""
from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from stargate_report.catalog import files as datafiles
from stargate_report.catalog import knowledge as kb
from stargate_report.catalog import knowledge_queries, source_age
from stargate_report.catalog.sources import load_sources
from stargate_report.exceptions import DataError, ParameterError, UnknownNameError


def test_milam_fact_is_the_confirmed_1_2_gw_site():
    f = kb.get_fact("milam-capacity")
    assert f.value == 1200 and f.unit == "MW" and f.status == "confirmed"
    assert "sb-energy" in f.entities and f.date == dt.date(2026, 1, 9)


def test_milam_site_record_names_sb_energy_as_builder_and_operator():
    rec = knowledge_queries.site_record("milam-county")
    assert rec["builder"] == "SB Energy" and rec["operator"] == "SB Energy"
    assert rec["planned_capacity_mw"] == 1200 and "openai-sbe-2026" in rec["sources"]
    assert rec["power_supply"] == "New solar generation and battery storage"


def test_a_site_is_placed_in_the_records_language():
    assert knowledge_queries.site_record("stargate-norway")["location"] == "Kvandal near Narvik, Norway"
    assert knowledge_queries.site_record("stargate-norway", "de")["location"] == "Kvandal bei Narvik, Norwegen"
    assert knowledge_queries.site_record("milam-county", "de")["location"] == "Milam County, Texas"  # the same in both


def test_every_record_has_existing_sources():
    sources = load_sources()
    k = kb.load_knowledge()
    for group in (k.facts, k.claims, k.sites, k.entities):
        for rec in group.values():
            assert rec.sources and all(s in sources for s in rec.sources), rec.id


def test_every_verdict_is_represented_honestly():
    claims = kb.load_knowledge().claims
    assert claims["c-region-europe-japan"].verdict == "not supported"
    assert claims["c-amounts"].verdict == "supported"
    assert {c.verdict for c in claims.values()} <= set(kb.VERDICTS)


@pytest.mark.parametrize("filters,expected", [
    ({"site": "milam-county"}, {"milam-announced", "milam-capacity", "milam-water", "milam-supply"}),
    ({"entity": "ares"}, {"sbe-ares"}),
    ({"kind": "investment", "start": "2026-01-01"}, {"sbe-equity-total", "sbe-purpose", "sbe-ares"}),
    ({"status": "uncertain", "site": "abilene"}, {"abilene-gb200", "abilene-gb200-count", "abilene-gas"}),
])
def test_queries_on_the_real_data(filters, expected):
    assert {f.id for f in knowledge_queries.query_facts(**filters)} == expected


def test_facts_as_of_is_what_was_known_then():
    before = {f.id for f in knowledge_queries.facts_as_of("2025-12-31")}
    assert "milam-announced" in before and "milam-capacity" not in before
    assert {f.id for f in knowledge_queries.facts_as_of(dt.date(2026, 1, 9))} >= {"milam-capacity", "sbe-equity-total"}


def test_facts_frame_is_in_date_order_and_in_the_language():
    df = knowledge_queries.facts_frame(lang="de", entity="sb-energy")
    assert list(df["date"]) == sorted(df["date"])
    assert "Milam County" in " ".join(df["statement"]) and "investieren" in " ".join(df["statement"])


@pytest.mark.parametrize("kwargs,kind,suggestion", [
    ({"entity": "sb-enrgy"}, "entity", "sb-energy"),
    ({"site": "milam"}, "site", "milam-county"),
    ({"status": "rumour"}, "status", None),
])
def test_unknown_names_are_listed_with_a_suggestion(kwargs, kind, suggestion):
    with pytest.raises(UnknownNameError) as err:
        knowledge_queries.query_facts(**kwargs)
    assert f"unknown {kind}" in str(err.value) and "known:" in str(err.value)
    if suggestion:
        assert f"did you mean '{suggestion}'" in str(err.value)


def test_bad_date_range():
    with pytest.raises(ParameterError, match="'start'"):
        knowledge_queries.query_facts(start="yesterday")


def test_stale_sources_uses_publication_dates():
    stale = dict(source_age.stale_sources(365, today=dt.date(2026, 11, 29)))
    assert stale["openai-five-sites"] == dt.date(2025, 9, 23) and "openai-sbe-2026" not in stale
    assert stale["openai-stargate-2025"] == dt.date(2025, 1, 21)
    assert source_age.stale_sources(100_000, today=dt.date(2026, 11, 29)) == []
    # the knowledge base alone by default (what a build warns about); with the assumptions' sources on request
    assert "nrel-land-wind" not in stale
    with_rows = dict(source_age.stale_sources(365, today=dt.date(2026, 11, 29), include_assumptions=True))
    assert with_rows["nrel-land-wind"] == dt.date(2009, 8, 1) and with_rows["openai-five-sites"] == dt.date(2025, 9, 23)
    assert set(source_age.assumption_sources()) <= set(load_sources())


def test_sources_frame_stale_covers_the_assumptions_sources():
    df = source_age.sources_frame(stale_after_days=365, today=dt.date(2026, 11, 29))
    cited = dict(zip(df["id"], df["cited_by"]))
    assert "assumptions" in cited["nrel-land-wind"] and "knowledge" in cited["openai-stargate-2025"]
    assert "pvmag-sbe-2019" not in cited  # the record of a past event
    assert source_age.sources_frame(stale_after_days=100_000).empty


def test_site_status_words_rest_on_dated_sources():
    sites = kb.load_knowledge().sites
    # Abilene is partly operational (OpenAI, 22 Jul 2025) while six of eight buildings are being built
    assert sites["abilene"].status == "under construction" and sites["abilene"].status_as_of == dt.date(2025, 7, 22)
    facts = kb.load_facts()
    assert "some parts of the site are operational" in facts["abilene-operational"].statement_en
    for site in sites.values():
        assert site.status_as_of is not None and site.status_as_of >= site.announced, site.id


def test_corrected_facts_follow_their_sources():
    facts = kb.load_facts()
    gas = facts["abilene-gas"]
    assert gas.date == dt.date(2025, 1, 30) and gas.sources == ("dcd-abilene-gas",)
    assert load_sources()["dcd-abilene-gas"].date == "2025-01-30"
    assert "CoreWeave" in facts["five-sites"].statement_en and "CoreWeave" in facts["five-sites"].statement_de
    largest = kb.load_knowledge().claims["c-largest"]
    assert largest.verdict == "partly supported" and "openai-stargate-2025" in largest.sources
    assert "Not supported" in largest.evidence_en and "$500 billion" in largest.evidence_en


def test_every_capacity_fact_is_a_power():
    k = kb.load_knowledge()
    for site in k.sites.values():
        if site.capacity_fact:
            assert k.facts[site.capacity_fact].unit == "MW", site.id


def test_sources_of_past_events_do_not_go_stale():
    # the 2019 portfolio purchase and the 2017 Japanese plan are events: their reports stay the record,
    # also where a claim's evidence draws on them
    history = source_age.historical_sources()
    assert {"pvmag-sbe-2019", "nikkei-sbe-yakumo-2017"} <= history
    stale = dict(source_age.stale_sources(365, today=dt.date(2026, 11, 29)))
    assert not history & set(stale)
    # ...but a source that also backs something current (a site's state) is checked like any other
    knowledge = kb.load_knowledge()
    milam = knowledge.sites["milam-county"]
    cited_by_site = dataclasses.replace(knowledge, sites={
        **knowledge.sites, "milam-county": milam.model_copy(update={"sources": (*milam.sources, "pvmag-sbe-2019")})})
    assert "pvmag-sbe-2019" not in source_age.historical_sources(cited_by_site)
    # and so does a claim that cites it without resting on the event it reports
    claim = next(c for c in knowledge.claims.values() if "sbe-2019-portfolio" not in c.facts)
    cited_by_claim = dataclasses.replace(knowledge, claims={
        **knowledge.claims, claim.id: claim.model_copy(update={"sources": (*claim.sources, "pvmag-sbe-2019")})})
    assert "pvmag-sbe-2019" not in source_age.historical_sources(cited_by_claim)
    assert "pvmag-sbe-2019" in source_age.historical_sources(knowledge)


def _doc():
    return copy.deepcopy(datafiles.read_yaml(datafiles.path("facts.yaml")))


@pytest.mark.parametrize("mutate,record,field,problem", [
    (lambda d: d["facts"][1].update(id=d["facts"][0]["id"]), "programme-announced", "id", "duplicate"),
    (lambda d: d["facts"][0].update(sources=["nope"]), "programme-announced", "sources", "not defined"),
    (lambda d: d["facts"][0].update(date="9 Jan 2026"), "programme-announced", "date", "not an ISO date"),
    (lambda d: d["facts"][0].update(status="rumour"), "programme-announced", "status", "unknown status"),
    (lambda d: d["facts"][0].update(kind="gossip"), "programme-announced", "kind",
     "unknown kind 'gossip'; known: company, event, investment, programme, site"),
    (lambda d: d["facts"][0].pop("statement_de"), "programme-announced", "statement_de", "missing"),
    (lambda d: d["facts"][1].update(value="lots"), "programme-investment", "value", "not a number"),
    (lambda d: d["facts"][0].update(site="atlantis"), "programme-announced", "site", "not defined"),
    (lambda d: d["facts"][0].update(entities=["acme"]), "programme-announced", "entities", "not defined"),
    (lambda d: d["sites"][1].update(builder="acme"), "milam-county", "builder", "not defined"),
    (lambda d: d["sites"][1].update(capacity_fact="nope"), "milam-county", "capacity_fact", "not defined"),
    (lambda d: d["sites"][1].update(status="dreaming"), "milam-county", "status",
     "unknown site status 'dreaming'; known: announced, operational, under construction"),
    (lambda d: d["sites"][1].update(capacity_fact="sbe-equity-total"), "milam-county", "capacity_fact",
     "not a power (unit 'usd', not 'MW'); facts in MW: abilene-capacity, abilene-gas,"),
    (lambda d: d["sites"][0].update(capacity_fact="abilene-gb200-count"), "abilene", "capacity_fact", "not a power"),
    (lambda d: d["sites"][1].update(status_as_of="last spring"), "milam-county", "status_as_of", "not an ISO date"),
    (lambda d: d["claims"][0].update(verdict="true-ish"), "c-amounts", "verdict",
     "unknown verdict 'true-ish'; known: supported, partly supported, not supported, contradicted"),
    (lambda d: d["claims"][0].update(sources=[]), "c-amounts", "sources", "missing"),
    (lambda d: d["claims"][0].update(facts=["nope"]), "c-amounts", "facts", "not defined"),
    (lambda d: d["entities"][0].update(color="blue"), "openai", "color", "unknown field"),
    # checks of the pydantic schema (catalog/knowledge_schema.py) beyond the first ones
    (lambda d: d["facts"][0].update(statement_en="  "), "programme-announced", "statement_en", "missing or empty"),
    (lambda d: d["facts"][1].update(value=True), "programme-investment", "value", "not a number: True"),
    (lambda d: d["facts"][1].pop("unit"), "programme-investment", "unit", "a numeric fact needs a unit, one of MW,"),
    (lambda d: d["facts"][0].update(compares="capex_usd"), "programme-announced", "compares",
     "only a fact with a value"),
    (lambda d: d["facts"][1].update(headline_en="x"), "programme-investment", "headline_de", "both languages"),
    (lambda d: d["facts"][1].update(headline_de="x"), "programme-investment", "headline_en", "both languages"),
    (lambda d: d["facts"][0].update(headline_en="{value}", headline_de="{value}"), "programme-announced",
     "headline_en", "uses {value} but the fact has no value"),
    (lambda d: d["sites"][1].update(developer=["crusoe", "acme"]), "milam-county", "developer",
     "entity 'acme' is not defined"),
    (lambda d: d["sites"][1].update(region="mars"), "milam-county", "region", "region 'mars' is not defined"),
    (lambda d: d["sites"][1].pop("announced"), "milam-county", "announced", "missing or empty"),
    (lambda d: d["entities"][0].pop("id"), "entities #1", "id", "missing or empty"),
    (lambda d: d["article"].update(date="Freitag"), "article", "date", "not an ISO date"),
    (lambda d: d["article"].update(url="www.example.de/artikel"), "article", "url", "not a web address"),
    (lambda d: d["article"].update(reports="nope"), "article", "reports", "not defined"),
    (lambda d: d["article"].pop("title"), "article", "title", "missing"),
    (lambda d: d["article"].update(author="x"), "article", "author", "unknown field"),
])
def test_malformed_documents(mutate, record, field, problem):
    doc = _doc()
    mutate(doc)
    with pytest.raises(DataError) as err:
        kb.parse_knowledge(doc, "facts.yaml", set(load_sources()))
    msg = str(err.value)
    assert msg.startswith("facts.yaml: record ") and f"record {record}," in msg
    assert f"field '{field}'" in msg and problem in msg


def test_the_schema_checks_a_record_alone_and_its_references_through_the_context():
    from pydantic import ValidationError

    from stargate_report.catalog import knowledge_schema as schema

    rec = {"id": "f", "kind": "site", "statement_en": "e", "statement_de": "d", "date": "2025-01-02",
           "sources": "s1", "status": "uncertain", "as_of": dt.date(2026, 1, 1), "value": 3, "unit": "MW"}
    fact = schema.FactRecord.model_validate(rec)  # no context: the references are not checked
    assert fact.sources == ("s1",) and fact.date == dt.date(2025, 1, 2) and fact.value == 3.0
    ctx = schema.context({"s2"}, set(), set(), {"f"}, set(), [rec])
    with pytest.raises(ValidationError, match="source 's1' is not defined"):
        schema.FactRecord.model_validate(rec, context=ctx)
    with pytest.raises(schema.FieldProblem) as err:
        schema.FactRecord.model_validate({**rec, "unit": None})
    assert err.value.field == "unit"


def test_a_plain_list_of_facts_names_sites_and_entities_it_does_not_define():
    facts = _doc()["facts"]
    parsed = kb.parse_knowledge(facts, "facts.yaml", set(load_sources()))
    assert parsed.facts.keys() == kb.load_facts().keys() and not parsed.sites
    assert parsed.facts == kb.load_facts()  # the same records as the whole document gives


def test_unknown_section_and_python_tags(tmp_path):
    with pytest.raises(DataError, match="unknown section"):
        kb.parse_knowledge({"rumours": []}, "facts.yaml", set(load_sources()))
    p = tmp_path / "facts.yaml"
    p.write_text("- !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(DataError, match="not valid YAML"):
        datafiles.read_yaml(p)


ARTICLE = Path(__file__).resolve().parents[3] / "shared" / "news" / "sb-energy-stargate-article.de.txt"


@pytest.mark.skipif(not ARTICLE.is_file(), reason="the research folder shared/ is not beside the checkout")
def test_every_claim_quotes_the_article_verbatim():
    text = ARTICLE.read_text(encoding="utf-8")
    for claim in kb.load_knowledge().claims.values():
        assert claim.quote_de in text, claim.id


@pytest.mark.skipif(not ARTICLE.is_file(), reason="the research folder shared/ is not beside the checkout")
def test_the_article_is_recorded_by_its_headline():
    article = kb.load_knowledge().article
    assert article.title == ARTICLE.read_text(encoding="utf-8").splitlines()[0].strip()
    assert article.language == "de" and kb.get_fact(article.reports).kind == "event"


def test_the_verdicts_are_counted_from_the_claims():
    claims = kb.load_knowledge().claims.values()
    tally = {row["key"]: row["count"] for row in knowledge_queries.verdict_tally()}
    assert list(tally) == ["supported", "partly_supported", "not_supported", "contradicted", "all"]
    assert tally["all"] == len(claims) == sum(n for k, n in tally.items() if k != "all")
    assert tally["not_supported"] == sum(c.verdict == "not supported" for c in claims) > 0


def test_a_site_is_labelled_with_each_word_once():
    """Sites read "Milam County (Milam County, Texas)" in the sites table: the name now gives way to a
    location that starts with it."""
    sites = kb.load_knowledge().sites
    assert sites["milam-county"].label("en") == "Milam County, Texas"
    assert sites["abilene"].label("de") == "Abilene, Texas (Stargate I)"
    assert sites["wisconsin"].label("en") == "Wisconsin (Midwest)"
    assert sites["stargate-norway"].label("de") == "Stargate Norway (Kvandal bei Narvik, Norwegen)"


def test_a_citation_links_only_a_web_address():
    from stargate_report.catalog.sources import Source

    src = Source(id="x", title="Wind & sun", publisher="P", date="2020", url="https://e.org/?a=1&b=2", retrieved="2026")
    assert src.citation_html() == ('P: Wind &amp; sun (2020). '
                                   '<a href="https://e.org/?a=1&amp;b=2">https://e.org/?a=1&amp;b=2</a>')
    assert dataclasses.replace(src, url="doi:10.1/x").citation_html() == "P: Wind &amp; sun (2020). doi:10.1/x"
    assert dataclasses.replace(src, url='javascript:alert("x")').citation_html().endswith("javascript:alert(&quot;x&quot;)")


def test_a_source_table_is_model_or_knowledge():
    from stargate_report.present.chapters import open_chapter

    ch = open_chapter("appendix", preset="milam-county", overrides={"samples": 200})
    with pytest.raises(UnknownNameError, match="'models'.*did you mean 'model'"):
        ch.source_table("models")

