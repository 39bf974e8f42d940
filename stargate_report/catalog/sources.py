"""The sources registry: every publication the package data cites (``data/sources.yaml``).

Each record is validated on load by a pydantic model (:class:`SourceRecord`); an error names the file, the
source id and the field. :class:`Source` is the validated, immutable record the rest of the package uses.
"""
from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from stargate_report.catalog import files as datafiles
from stargate_report.catalog.validation import first_error
from stargate_report.exceptions import DataError, UnknownNameError

REQUIRED = ("id", "title", "publisher", "date", "url", "retrieved")
#: primary: the url is the publisher's own document; secondary: a news report or a redistribution;
#: no primary confirmed: a retelling whose original could not be found or read (rows citing it are uncertain)
SOURCE_STATUSES = ("primary", "secondary", "no primary confirmed")
SourceStatus = Literal["primary", "secondary", "no primary confirmed"]


class SourceRecord(BaseModel):
    """The schema of one entry of ``sources.yaml``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True)

    id: str
    title: str
    publisher: str
    date: str
    url: str
    retrieved: str
    locator: str = ""
    licence: str = ""
    ref: str = ""
    note: str = ""
    status: SourceStatus = "primary"

    @field_validator(*REQUIRED, mode="before")
    @classmethod
    def _present(cls, value: object) -> object:
        if value is None or not str(value).strip():
            raise ValueError("missing or empty")
        return str(value)

    @field_validator("date")
    @classmethod
    def _iso_date(cls, value: str) -> str:
        parts = value.split("-")
        ok = 1 <= len(parts) <= 3 and all(p.isdigit() for p in parts) and len(parts[0]) == 4
        if not ok or (len(parts) > 1 and not 1 <= int(parts[1]) <= 12) or (len(parts) > 2 and not 1 <= int(parts[2]) <= 31):
            raise ValueError(f"not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD): {value!r}")
        return value


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
    locator: str = ""
    status: str = "primary"

    def _head(self) -> str:
        where = f", {self.locator}" if self.locator else ""
        return f"{self.publisher}: {self.title} ({self.date}){where}. "

    def citation(self) -> str:
        """One-line citation: publisher, title, date, locator (page/table/section, where recorded), URL."""
        return self._head() + self.url

    def citation_html(self) -> str:
        """:meth:`citation` as HTML, its web address a link (a link is only followed when clicked: the page
        loads nothing from the network); an address that is not a web page's stays text."""

        text = html.escape(self._head())
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
        rid = rec.get("id") or i
        try:
            model = SourceRecord.model_validate(rec)
        except ValidationError as exc:
            field, problem = first_error(exc)
            raise DataError(path, rid, field, problem) from None
        if model.id in out:
            raise DataError(path, model.id, "id", "duplicate id")
        out[model.id] = Source(**model.model_dump())
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
