"""The knowledge base: real facts, and malformed fact files rejected with file, record and field."""
from __future__ import annotations

import datetime as dt

import pytest

from stargate_report import datafiles
from stargate_report.exceptions import DataError, UnknownNameError
from stargate_report.knowledge import get_fact, load_facts, parse_facts
from stargate_report.sources import load_sources


def test_milam_fact_is_the_confirmed_1_2_gw_site():
    f = get_fact("milam-capacity")
    assert f.value == 1200 and f.unit == "MW" and f.status == "confirmed"
    assert "sb-energy" in f.entities and f.date == dt.date(2026, 1, 9)


def test_every_fact_has_existing_sources():
    sources = load_sources()
    for f in load_facts().values():
        assert f.sources and all(s in sources for s in f.sources)


def test_unknown_fact_suggests():
    with pytest.raises(UnknownNameError, match="did you mean 'milam-capacity'"):
        get_fact("milam-capacty")


def _records():
    return datafiles.read_yaml(datafiles.path("facts.yaml"))


@pytest.mark.parametrize("mutate,field,problem", [
    (lambda r: r[1].update(id=r[0]["id"]), "id", "duplicate"),
    (lambda r: r[0].update(sources=["nope"]), "sources", "not in sources.yaml"),
    (lambda r: r[0].update(date="9 Jan 2026"), "date", "not an ISO date"),
    (lambda r: r[0].update(status="rumour"), "status", "unknown status"),
    (lambda r: r[0].update(kind="gossip"), "kind", "unknown kind"),
    (lambda r: r[0].pop("statement_de"), "statement_de", "missing"),
    (lambda r: r[0].update(value="lots"), "value", "not a number"),
])
def test_malformed_facts(mutate, field, problem):
    recs = _records()
    mutate(recs)
    with pytest.raises(DataError) as err:
        parse_facts(recs, "facts.yaml", set(load_sources()))
    assert f"field '{field}'" in str(err.value) and problem in str(err.value)


def test_python_tags_are_refused(tmp_path):
    p = tmp_path / "facts.yaml"
    p.write_text("- !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(DataError, match="not valid YAML"):
        datafiles.read_yaml(p)
