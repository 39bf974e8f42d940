"""The deal chapter: the knowledge base's facts, sites, timeline and claims."""
from __future__ import annotations

import html
from typing import Any

import pandas as pd

from stargate_report.catalog import files as datafiles
from stargate_report.catalog.knowledge import get_fact, load_facts, load_knowledge
from stargate_report.catalog.knowledge_queries import query_facts
from stargate_report.catalog.source_age import cited_sources, data_as_of
from stargate_report.catalog.sources import load_sources
from stargate_report.exceptions import DataError
from stargate_report.present import formatting, printed
from stargate_report.present.chapter import QUOTES, Chapter, display_html
from stargate_report.present.i18n import t
from stargate_report.present.printed import Printed, pointer
from stargate_report.present.tables import KNOWLEDGE_ANCHOR, cite_links


class DealChapter(Chapter):
    """The deal chapter: the knowledge base's facts, sites, timeline and claims."""

    # -- knowledge base ---------------------------------------------------------------------------
    def data_as_of(self) -> Printed:
        """The knowledge base's "as of" date, in the language's long format (a ``<time>``: a date, not a figure)."""
        return self._long_date(data_as_of())

    def fact_list(self, since_fact: str | None = None, anchor: str = KNOWLEDGE_ANCHOR, **filters: Any) -> None:
        """Show facts (filtered as :func:`knowledge_queries.query_facts`) as a list, each citing its source ids.

        ``since_fact`` starts the list at the date of that fact (an id, so no date is typed in a notebook).
        Each source id links to its row ``#<anchor>-<id>`` of the knowledge base's sources table
        (:meth:`source_table` of :meth:`knowledge_sources_frame`, in the deal chapter).
        """

        if since_fact:
            filters["start"] = get_fact(since_fact).date
        items = "".join(
            f'<li>{self.fact_text(f.id).html} <span class="sr-cite">[{cite_links(f.sources, anchor)}'
            f'{"; " + html.escape(t("status." + f.status, self.lang)) if f.status != "confirmed" else ""}]</span></li>'
            for f in query_facts(**filters))
        display_html(f'<ul class="sr-facts">{items}</ul>')
        self._after_heading = False

    def timeline_frame(self) -> pd.DataFrame:
        """Dated facts that have a headline: ``date, start, label, kind, id, inputs``."""

        facts = [f for f in load_facts().values() if f.headline_en]
        first = min(f.date for f in facts).isoformat()
        return pd.DataFrame([{"date": f.date.isoformat(), "start": first, "label": f.headline(self.lang, formatting.value),
                              "kind": t(f"kind.{f.kind}", self.lang), "id": f.id, "inputs": f"fact:{f.id}"}
                             for f in sorted(facts, key=lambda f: (f.date, f.id))])

    def capacity_frame(self, plot_unit: str) -> pd.DataFrame:
        """Planned capacity of every site that has a published one, with its developers (partners)."""

        kb = load_knowledge()
        scale = formatting.plot_scale(plot_unit)
        rows = []
        for s in kb.sites.values():
            if s.capacity_fact:
                f = kb.facts[s.capacity_fact]
                rows.append({"site": s.name, "partner": " / ".join(kb.entities[e].name for e in s.developer),
                             "capacity": f.value / scale, "status": t(f"status.{f.status}", self.lang),
                             "inputs": f"fact:{f.id}"})
        return pd.DataFrame(rows)

    def sites_table(self) -> pd.DataFrame:
        """Every site of the run's copy of the knowledge base, by announcement: place, developers, published
        capacity (its fact's value), power supply, status, sources."""
        kb = load_knowledge()
        rows = []
        for s in sorted(kb.sites.values(), key=lambda s: s.announced):
            if s.capacity_fact:
                i, cap = self.record("knowledge_facts", s.capacity_fact)
                capacity = printed.value(cap["value"], cap["unit"], self.lang,
                                         pointer("tables", "knowledge_facts", i, "value"))
            else:
                capacity = t("deal.not_published", self.lang)
            rows.append({t("col.site", self.lang): s.label(self.lang),
                         t("col.partner", self.lang): ", ".join(kb.entities[e].name for e in s.developer),
                         t("col.capacity", self.lang): capacity,
                         t("col.power", self.lang): self.record_text("knowledge_sites", s.id, "power"),
                         t("col.status", self.lang): t(f"site_status.{s.status}", self.lang),
                         t("col.sources", self.lang): "; ".join(s.sources)})
        return pd.DataFrame(rows)

    def article_values(self) -> dict[str, str]:
        """What identifies the article whose claims are checked, for ``deal.claims.lead``: its headline
        (``article``) and a sentence on where and when it appeared (``origin``), or, where the knowledge base
        records none of outlet, date and web address, a sentence saying so and naming the event it reports."""
        art = load_knowledge().article
        if art is None:
            raise DataError(datafiles.path("facts.yaml"), "article", "-", "the article whose claims are checked is "
                            "not recorded (section article: title, language, copy)")
        if art.outlet or art.date or art.url:
            missing = t("deal.article.not_recorded", self.lang)
            origin = _fill(t("deal.article.origin", self.lang), outlet=art.outlet or missing,
                           date=self._long_date(art.date) if art.date else missing, url=art.url or missing)
        else:
            origin = t("deal.article.unidentified", self.lang)
        if art.reports:
            origin += " " + _fill(t("deal.article.reports", self.lang), reported=self._long_date(get_fact(art.reports).date))
        # the headline is the title of a cited work, in the language's quotation marks
        opening, closing = QUOTES[self.lang]
        title = f"{opening}{art.title}{closing}"
        return {"article": Printed(title, f"<cite>{html.escape(title)}</cite>"), "origin": origin}

    def _long_date(self, date) -> Printed:
        """A date (or an ISO text of one: a year or year-month stays as given) in the language's long format,
        as a ``<time>`` (a date, not a figure)."""
        import datetime as dt

        from babel.dates import format_date  # Babel's locale data only where a date or number is formatted

        if isinstance(date, str):
            if len(date) < 10:
                return Printed(date, f'<time datetime="{html.escape(date)}">{html.escape(date)}</time>')
            date = dt.date.fromisoformat(date)
        text = format_date(date, format="long", locale=formatting.LOCALES[self.lang])
        return Printed(text, f'<time datetime="{date.isoformat()}">{html.escape(text)}</time>')

    def claims_table(self) -> pd.DataFrame:
        """The article's claims (its German words, a quotation), the claim in English, verdict, evidence."""
        rows = []
        for c in load_knowledge().claims.values():
            i, row = self.record("knowledge_claims", c.id)
            quote = row["quote_de"]
            # the article's German words, in German quotation marks in both languages
            out = {t("col.quote", self.lang): Printed(f"„{quote}“", f'<span class="sr-quote">„{html.escape(quote)}“</span>')}
            if self.lang != "de":
                out[t("col.claim", self.lang)] = self.record_text("knowledge_claims", c.id, "claim_en")
            out.update({t("col.verdict", self.lang): t(f"verdict.{c.verdict}", self.lang),
                        t("col.evidence", self.lang): self.record_text("knowledge_claims", c.id, "evidence"),
                        t("col.sources", self.lang): "; ".join(c.sources)})
            rows.append(out)
        return pd.DataFrame(rows)

    def knowledge_sources_frame(self) -> pd.DataFrame:
        """Every source the knowledge base cites (of the entities' roles too), with its full citation."""

        used = cited_sources()
        reg = load_sources()
        return pd.DataFrame([{t("col.id", self.lang): s, t("col.sources", self.lang): reg[s].citation()}
                             for s in used])


def _fill(text: str, **values: str) -> Printed:
    """Fill the ``{name}`` placeholders of a catalogue message: plain text, and markup where a value is
    :class:`Printed` (a date as ``<time>``)."""
    markup = printed.markup_of(text)
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
        markup = markup.replace("{" + name + "}", printed.markup_of(value))
    return Printed(str(text), markup)
