"""The sources registry: every source dated, addressed and primary where a primary is public; malformed
entries fail naming file, source and field."""
from __future__ import annotations

import copy
from urllib.parse import urlparse

import pytest

from stargate_report.catalog import files as datafiles
from stargate_report.catalog.sources import SOURCE_STATUSES, Source, load_sources, parse_sources
from stargate_report.exceptions import DataError

#: hosts that retell, mirror or aggregate other publishers' documents: a source there must say that no
#: primary was confirmed (status), or be replaced by the publisher's own document
AGGREGATOR_HOSTS = (
    "businessghana.com", "fishai.com.cn", "glennklockwood.com", "datasetsearch.research.google.com",
    "statista.com", "studylib.net", "scribd.com", "archive-lib.hpctech.co.jp", "kshirol-dev.github.io",
    "centerconsulting.com", "latestly.com", "firehosesignal.com", "biztechweekly.com", "fetchlogic.net",
    "wind-watch.org", "icap.sustainability.illinois.edu", "finanznachrichten.de", "discussion.fool.com",
    "energynewsbeat.co", "shaulkoral.com", "zawya.com", "bittide.aicompass.dev", "type0.ai", "cld.bz",
)
#: publishers' own hosting on a platform that also carries mirrors (Cushman & Wakefield's FlippingBook site)
PUBLISHER_HOSTED = ("cushwake.cld.bz",)


def _on(host: str, domains) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def test_every_source_has_a_date_a_web_address_and_a_locator():
    for s in load_sources().values():
        assert s.date[:4].isdigit(), s.id
        assert s.url.startswith(("https://", "http://")), s.id
        assert s.locator, s.id
        assert s.status in SOURCE_STATUSES, s.id


def test_no_source_is_an_aggregator_or_mirror_unless_no_primary_was_confirmed():
    offenders = []
    for s in load_sources().values():
        host = urlparse(s.url).hostname or ""
        if _on(host, AGGREGATOR_HOSTS) and not _on(host, PUBLISHER_HOSTED) and s.status != "no primary confirmed":
            offenders.append(f"{s.id} ({host})")
    assert not offenders, offenders


def test_weak_sources_explain_themselves():
    for s in load_sources().values():
        if s.status != "primary":
            assert s.note, s.id


def test_citation_names_the_locator():
    src = Source(id="x", title="T", publisher="P", date="2024", url="https://e.org/", retrieved="2026",
                 locator="Table 4")
    assert src.citation() == "P: T (2024), Table 4. https://e.org/"
    assert "(2024), Table 4. " in src.citation_html()
    assert load_sources()["cushwake-2025"].citation().count("pp. 8-9") == 1


def _docs():
    return copy.deepcopy(datafiles.read_yaml(datafiles.path("sources.yaml")))


@pytest.mark.parametrize("mutate,record,field,problem", [
    (lambda d: d[0].update(url=""), "meta-llama3-card", "url", "missing or empty"),
    (lambda d: d[0].pop("date"), "meta-llama3-card", "date", "missing or empty"),
    (lambda d: d[0].update(date="April 2024"), "meta-llama3-card", "date", "not an ISO date"),
    (lambda d: d[0].update(date="2024-13"), "meta-llama3-card", "date", "not an ISO date"),
    (lambda d: d[0].update(status="rumour"), "meta-llama3-card", "status", "unknown status 'rumour'"),
    (lambda d: d[0].update(colour="blue"), "meta-llama3-card", "colour", "unknown field"),
    (lambda d: d[1].update(id=d[0]["id"]), "meta-llama3-card", "id", "duplicate id"),
])
def test_malformed_sources(mutate, record, field, problem):
    docs = _docs()
    mutate(docs)
    with pytest.raises(DataError) as err:
        parse_sources(docs, "sources.yaml")
    msg = str(err.value)
    assert msg.startswith(f"sources.yaml: record {record},") and f"field '{field}'" in msg and problem in msg


#: what the briefing's fonts cover (DejaVu/Noto Sans Latin): ASCII, Latin-1 and Latin Extended-A/B, Greek,
#: general punctuation, super- and subscripts, currency, letterlike symbols and mathematical operators
FONT_RANGES = ((0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x3FF), (0x2000, 0x206F), (0x2070, 0x209F),
               (0x20A0, 0x20CF), (0x2100, 0x214F), (0x2200, 0x22FF))


def _uncovered(text: str) -> set[str]:
    return {c for c in text if not any(lo <= ord(c) <= hi for lo, hi in FONT_RANGES)}


def test_printed_fields_of_every_source_are_in_scripts_the_briefing_fonts_cover():
    """Publisher, title and locator are printed in the appendix, in fonts that need not cover Japanese,
    Arabic or Cyrillic: a title in another script goes there in English, the original in ``note`` (which
    is not printed)."""
    offenders = {f"{s.id}.{field}": "".join(sorted(_uncovered(getattr(s, field))))
                 for s in load_sources().values() for field in ("publisher", "title", "locator")
                 if _uncovered(getattr(s, field))}
    assert not offenders, offenders
    # the check itself: Japanese, Arabic and Cyrillic are caught; Spanish, Norwegian and CO₂ are not
    assert _uncovered("地上設置") and _uncovered("هيئة كهرباء") and _uncovered("Росатом")
    assert not _uncovered("Red Eléctrica, Rekordhøy, CO₂e, 1.2 GW × 8,784 h – €")
