"""The sources registry: every publication the package data cites (``data/sources.yaml``)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from stargate_report.catalog import files as datafiles
from stargate_report.exceptions import DataError, UnknownNameError

REQUIRED = ("id", "title", "publisher", "date", "url", "retrieved")


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    date: str
    url: str
    retrieved: str
    licence: str = ""
    ref: str = ""
    note: str = ""

    def citation(self) -> str:
        """One-line citation: publisher, title, date, URL."""
        return f"{self.publisher}: {self.title} ({self.date}). {self.url}"

    def citation_html(self) -> str:
        """:meth:`citation` as HTML, its web address a link (a link is only followed when clicked: the page
        loads nothing from the network); an address that is not a web page's stays text."""
        import html

        text = html.escape(f"{self.publisher}: {self.title} ({self.date}). ")
        url = html.escape(self.url)
        if self.url.startswith(("https://", "http://")):
            return f'{text}<a href="{url}">{url}</a>'
        return text + url


def parse_sources(records: object, path: object) -> dict[str, Source]:
    """Validate the records of a sources file and index them by id."""
    if not isinstance(records, list):
        raise DataError(path, "-", "-", "expected a list of sources")
    out: dict[str, Source] = {}
    for i, rec in enumerate(records, start=1):
        if not isinstance(rec, dict):
            raise DataError(path, i, "-", "each source must be a mapping")
        for field in REQUIRED:
            if not str(rec.get(field, "") or "").strip():
                raise DataError(path, rec.get("id", i), field, "missing or empty")
        unknown = set(rec) - set(Source.__dataclass_fields__)
        if unknown:
            raise DataError(path, rec["id"], sorted(unknown)[0], "unknown field")
        if rec["id"] in out:
            raise DataError(path, rec["id"], "id", "duplicate id")
        out[rec["id"]] = Source(**{k: str(v) for k, v in rec.items()})
    return out


@functools.cache
def load_sources(path: str | None = None) -> dict[str, Source]:
    """Load ``sources.yaml`` (or ``path``) into ``{id: Source}``; validated on load."""
    p = Path(path) if path else datafiles.path("sources.yaml")
    return parse_sources(datafiles.read_yaml(p), p)


def get_source(source_id: str) -> Source:
    sources = load_sources()
    if source_id not in sources:
        raise UnknownNameError("source", source_id, list(sources))
    return sources[source_id]
