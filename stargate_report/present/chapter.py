"""What chapter notebooks call: prose from the catalogue filled from the ledger, figures, tables.

A chapter opens with :func:`open_chapter`, which loads the run's ledger (written once by the
build) or, when the notebook runs alone, evaluates the scenario itself. Prose comes from the
message catalogue of the chosen language; its ``{placeholders}`` are filled with formatted
ledger values, so no number is ever typed into a notebook.
"""
from __future__ import annotations

import html
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from stargate_report.catalog.assumptions import load_registry
from stargate_report.catalog.knowledge import load_facts
from stargate_report.exceptions import UnknownNameError
from stargate_report.model import evaluate as model
from stargate_report.model.ledger import Results
from stargate_report.model.scenario import DEFAULT_PRESET, Scenario
from stargate_report.present import charts, formatting, printed
from stargate_report.present.i18n import catalogue, t
from stargate_report.present.printed import Printed, pointer
from stargate_report.present.subject import subject
from stargate_report.present.tables import SOURCE_TABLES, sources_html, table_html

PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_:.\-]+)\}")
#: the inline markup catalogue text may hold: a quotation and a cited work's name
INLINE_TAG = re.compile(r"</?(?:q|cite)>")
#: quotation marks per language (opening, closing)
QUOTES = {"en": ("\u201c", "\u201d"), "de": ("\u201e", "\u201c")}


def display_html(markup: str) -> None:
    from IPython.display import HTML, display  # IPython only inside a kernel

    display(HTML(markup))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"




@dataclass
class Chapter:
    """The context of one chapter: ledger, language and output helpers."""

    name: str
    results: Results
    lang: str = "en"
    preset: str = DEFAULT_PRESET
    #: a heading was shown and no paragraph, figure or table since: the next paragraph is its lead (see para)
    _after_heading: bool = field(default=False, init=False, repr=False)

    # -- values ----------------------------------------------------------------------------------
    def num(self, ref: str, show_range: bool = True) -> Printed:
        """A ledger quantity or an input id or model role (the median of its Monte Carlo draws with their
        P10-P90 range in brackets, or the median alone; a fixed input its value), ``range:<role>`` (a published
        range, low to high, never in brackets) or ``param:<name>``, as :class:`Printed` text whose numbers
        carry their ``results.json`` key. Brackets mean P10-P90 everywhere; an input's base value and its
        range low to high are in the appendix."""
        res = self.results
        if ref.startswith("range:"):  # a published range, low to high (no midpoint shown)
            iid = res.roles.get(ref[6:], ref[6:])
            if iid in res.inputs:
                i = res.inputs[iid]
                return printed.span(i.low, i.high, i.unit, self.lang, pointer("assumptions", iid))
        if ref in res.quantities:
            q = res.quantities[ref]
            if show_range:
                return printed.ranged(q.p50, q.p10, q.p90, q.unit, self.lang, pointer("quantities", ref))
            return printed.value(q.p50, q.unit, self.lang, pointer("quantities", ref, "p50"))
        iid = res.roles.get(ref, ref)
        if iid in res.inputs:
            i = res.inputs[iid]
            key = pointer("assumptions", iid)
            if i.sampled is None:  # a fixed input (or a one-sample run): its value
                text = printed.value(i.value, i.unit, self.lang, f"{key}/value")
            elif show_range:  # a sampled input: the median of its draws with their P10-P90, like an output
                text = printed.ranged(i.sampled[1], i.sampled[0], i.sampled[2], i.unit, self.lang, key)
            else:
                text = printed.value(i.sampled[1], i.unit, self.lang, f"{key}/p50")
            # a value borrowed from the US for another region says so next to the number
            return text + f" ({t('value.us_proxy', self.lang)})" if i.note.startswith("US proxy") else text
        if ref.startswith("param:") and ref[6:] in res.scenario:
            v = res.scenario[ref[6:]]
            key = pointer("scenario", ref[6:])
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                return printed.text(str(v), key)
            return printed.number(v, self.lang, key)
        if ref.startswith("count:"):  # a count of a results table: count:<table>.<row key> (e.g. claim verdicts)
            table, _, row_key = ref[6:].partition(".")
            for n, row in enumerate(res.tables.get(table, ())):
                if row.get("key") == row_key:  # a count: every digit
                    return printed.number(row["count"], self.lang, pointer("tables", table, n, "count"), decimals=0)
        if ref in model.ROLES:  # an input the model knows, but this region has no published value for
            return Printed(t("value.not_published", self.lang))
        if ref in model.GRID_PRICED_QUANTITIES:  # a cost that needs the grid's price, and the region has none
            return Printed(t("value.no_grid_price", self.lang))
        if ref in model.OPTIONAL_QUANTITIES:  # a result that needs such an input
            return Printed(t("value.not_available", self.lang))
        raise KeyError(f"no quantity, input or role named {ref!r} in the ledger of chapter {self.name!r}")

    def fill(self, text: str, **values: Any) -> str:
        """Fill ``{placeholders}``: keyword values first (escaped), then ledger references."""

        def sub(m: re.Match) -> str:
            key = m.group(1)
            if key in values:
                value = values[key]
                if isinstance(value, Printed):
                    return value.html
                return html.escape(str(value))
            return self.num(key).html

        return PLACEHOLDER.sub(sub, text)

    def compose(self, key: str, **values: Any) -> Printed:
        """Catalogue text ``key`` (plain, ``str.format`` fields) with ``values`` put in: a :class:`Printed`
        whose numbers keep their tags."""
        template = t(key, self.lang)
        opening, closing = QUOTES[self.lang]
        text = template.replace("<q>", opening).replace("</q>", closing)
        text = INLINE_TAG.sub("", text).format(**{k: str(v) for k, v in values.items()})
        # the catalogue's inline <q> (a quotation: the language's quotation marks, kept as text so that a copy or
        # a screen reader has them) and <cite> (a cited work's name) stay markup
        markup = html.escape(template)
        markup = (markup.replace("&lt;q&gt;", f'<span class="sr-quote">{opening}')
                  .replace("&lt;/q&gt;", f"{closing}</span>")
                  .replace("&lt;cite&gt;", "<cite>").replace("&lt;/cite&gt;", "</cite>"))
        return Printed(text, markup.format(**{k: printed.markup_of(v) for k, v in values.items()}))

    def md(self, key: str, **values: Any) -> str:
        """Catalogue text ``key`` rendered from Markdown to HTML, placeholders filled."""
        return self.md_text(t(key, self.lang), **values)

    def md_text(self, text: str, **values: Any) -> str:
        """Catalogue text (Markdown, composed of catalogue messages) rendered to HTML, placeholders filled."""
        import mistune  # Markdown only where prose is rendered

        return self.fill(mistune.html(text), **values)

    # -- output ----------------------------------------------------------------------------------
    def heading(self, key: str, level: int = 1) -> None:
        text = html.escape(t(key, self.lang))
        anchor = f"{self.name}" if level == 1 else f"{self.name}-{slug(key)}"
        display_html(f'<h{level} id="{anchor}">{text}</h{level}>')
        self._after_heading = True  # the next paragraph stays with what follows it (see para)

    def subheading(self, key: str) -> None:
        """A section heading (level 2) inside the chapter."""
        self.heading(key, level=2)

    def minor_heading(self, key: str) -> None:
        """A heading (level 3) inside a section."""
        self.heading(key, level=3)

    def para(self, key: str, **values: Any) -> None:
        markup = self.md(key, **values)
        if self._after_heading:
            # a heading's lead paragraph keeps with the figure or table after it, so that no page ends in a
            # heading and its lead with the figure overleaf (print CSS: .sr-keep)
            markup = f'<div class="sr-keep">{markup}</div>'
            self._after_heading = False
        display_html(markup)

    def bullets(self, keys: list[str], **values: Any) -> None:
        items = "".join(f"<li>{_strip_p(self.md(k, **values))}</li>" for k in keys)
        display_html(f'<ul class="sr-headlines">{items}</ul>')
        self._after_heading = False

    def figure(self, name: str, chart, data: pd.DataFrame, refs: list[str], note: str | None = None) -> None:
        """Show a numbered figure: chart as inline SVG, caption (and ``note``, a sentence after it), source
        line and CSV download."""
        display_html(self.figure_html(name, chart, data, refs, note=note))
        self._after_heading = False

    def figure_html(self, name: str, chart, data: pd.DataFrame, refs: list[str], note: str | None = None) -> str:
        svg = charts.to_svg(chart, self.lang)
        csv = data.to_csv(index=False)
        href = "data:text/csv;charset=utf-8," + urllib.parse.quote(csv)
        inputs: list[str] = []
        refs = [r for r in refs if r in self.results.quantities or self.results.roles.get(r, r) in self.results.inputs]
        found = [self.results.trace(r) if r in self.results.quantities else [self.results.roles.get(r, r)]
                 for r in refs]
        if "inputs" in data.columns:  # rows evaluated elsewhere (e.g. other regions) name their own inputs
            found += [str(cell).split(";") for cell in data["inputs"]]
        for ids in found:
            for i in ids:
                if i and i not in inputs:
                    inputs.append(i)
        sources = self._sources_of(inputs)
        source_line = f"{html.escape(t('briefing.source', self.lang))}: {html.escape(', '.join(inputs))}"
        source_title = html.escape(t("briefing.sources_of", self.lang) + " " + ("; ".join(sources) or "-"))
        fig_id = f"fig-{self.name}-{slug(name)}"
        return (
            f'<figure class="sr-figure" id="{fig_id}" data-figure="{html.escape(name)}">'
            f'<div class="sr-chart">{svg}</div>'
            f'<figcaption><span class="sr-fignum" data-label="{html.escape(t("briefing.figure", self.lang))}"></span> '
            f'<strong>{html.escape(t(f"fig.{name}.title", self.lang))}.</strong> '
            f'{html.escape(t(f"fig.{name}.caption", self.lang))} '
            f'{(printed.markup_of(note) + " ") if note else ""}'
            f'<span class="sr-source" title="{source_title}" data-sources="{html.escape(";".join(sources))}">'
            f'{source_line}.</span> '
            f'<a class="sr-csv" download="{fig_id}.csv" href="{href}">{html.escape(t("briefing.download", self.lang))}</a>'
            f"</figcaption></figure>")

    def _sources_of(self, input_ids: list[str]) -> list[str]:
        """Source ids of inputs: from this run's ledger, else from the registries (other regions' rows)."""

        reg, facts = load_registry(), load_facts()
        out: list[str] = []
        for i in input_ids:
            if i in self.results.inputs:
                found = self.results.inputs[i].sources
            elif i in reg.rows:
                found = reg.rows[i].source_ids
            elif i.startswith("fact:") and i[5:] in facts:
                found = facts[i[5:]].sources
            else:
                found = ()
            for s in found:
                if s not in out:
                    out.append(s)
        return out

    @property
    def builds_supply(self) -> bool:
        """Whether the sized mix builds anything (results table ``supply_mix``); on a clean grid (Norway) the
        grid alone meets the hourly target, and the chapters say so instead of charting zeros."""
        mix = (self.results.tables.get("supply_mix") or [None])[0]
        if mix is None:
            return True
        return any(float(mix.get(k) or 0.0) > 0 for k in ("solar_mw", "wind_mw", "battery_mwh", "firm_mw", "ldes_mwh"))

    def supply_headline(self) -> str:
        """The summary's supply headline: what is built and what it costs, or that the grid alone meets the target."""
        return "summary.h.supply_cost_usd_per_mwh" if self.builds_supply else "summary.h.supply_grid_only"

    def record(self, table: str, record_id: str) -> tuple[int, dict]:
        """A knowledge base record as the run copied it (``knowledge_facts``, ``_sites``, ``_claims``): its
        row number and row."""
        for i, row in enumerate(self.results.tables[table]):
            if row["id"] == record_id:
                return i, row
        raise UnknownNameError(table.removeprefix("knowledge_").rstrip("s"), record_id,
                               [r["id"] for r in self.results.tables[table]])

    def record_text(self, table: str, record_id: str, field: str) -> Printed:
        """A text field of a knowledge base record in the chapter's language (``<field>_en`` / ``_de``), tagged
        with its key in the results."""
        i, row = self.record(table, record_id)
        name = f"{field}_{self.lang}" if f"{field}_{self.lang}" in row else field
        return printed.text(row[name], pointer("tables", table, i, name))

    def fact_text(self, fact_id: str) -> Printed:
        """A fact's statement in the chapter's language, from the run's copy of the knowledge base."""
        return self.record_text("knowledge_facts", fact_id, "statement")

    def investment_context(self) -> Printed:
        """Where the investment comes from: the fact's statement in this language, or the scenario."""

        iid = self.results.roles.get("investment", "")
        if iid.startswith("fact:"):
            return self.fact_text(iid[5:])
        return t("summary.investment.param", self.lang)






















    def table(self, df: pd.DataFrame, css: str = "sr-table") -> None:
        display_html(table_html(df, css))
        self._after_heading = False

    def source_table(self, which: str = "model") -> None:
        """Show the sources of the ``model``'s inputs (:meth:`sources_frame`) or of the ``knowledge`` base
        (:meth:`knowledge_sources_frame`), each web address a link and each row a target
        ``#<anchor>-<source id>`` (:data:`SOURCE_TABLES`) that citations link to."""
        if which not in SOURCE_TABLES:

            raise UnknownNameError("source table", which, list(SOURCE_TABLES))
        frame = self.sources_frame() if which == "model" else self.knowledge_sources_frame()
        display_html(sources_html(frame, self.lang, SOURCE_TABLES[which]))

    @property
    def title(self) -> str:
        """The run's title in the chapter's language (:mod:`~stargate_report.present.subject`)."""

        return subject(self.preset, self.results.scenario).title(self.lang)

    def opening(self) -> None:
        """The summary's opening paragraph: what the briefing is about (the preset's campus, programme or site,
        or a scenario of the user's own), with the parameters changed from the preset, and how numbers are given;
        place and words from the catalogue and the knowledge base, the scale from the ledger."""
        sub = subject(self.preset, self.results.scenario)
        display_html(self.md_text(sub.lead_text(self.lang), **sub.values(self.lang)))

    def axis(self, name: str, which: str) -> str:
        return t(f"fig.{name}.axis_{which}", self.lang)

    def label(self, key: str) -> str:
        return t(key, self.lang)

    # -- frames the chapters plot ----------------------------------------------------------------
    def available(self, keys: list[str]) -> list[str]:
        """The catalogue keys whose placeholders all resolve in this run's ledger."""
        out = []
        for key in keys:
            try:
                for ref in PLACEHOLDER.findall(t(key, self.lang)):
                    self.num(ref)
            except KeyError:
                continue
            out.append(key)
        return out

    def ranges(self, qids: list[str], plot_unit: str) -> pd.DataFrame:
        """``id, label, p10, p50, p90`` in a plot unit (see ``formatting.PLOT_UNITS``).

        An id may be a ledger quantity (P10/P50/P90) or a model input or role (its low/base/high range).
        """
        scale = formatting.plot_scale(plot_unit)
        rows = []
        for q in qids:
            if q in model.OPTIONAL_QUANTITIES and q not in self.results.quantities:
                continue  # not computable in this region (no published input): left out of the chart
            if q in self.results.quantities:
                quant = self.results[q]
                lo, mid, hi, inputs = quant.p10, quant.p50, quant.p90, q
            else:
                iid = self.results.roles.get(q, q)
                inp = self.results.inputs[iid]
                lo, mid, hi, inputs = inp.low, inp.value, inp.high, iid
            rows.append({"id": q, "label": t(f"label.{q}", self.lang), "p10": lo / scale, "p50": mid / scale,
                         "p90": hi / scale, "inputs": inputs if q not in self.results.quantities else ""})
        return pd.DataFrame(rows)

    def samples_frame(self, qid: str, plot_unit: str) -> pd.DataFrame:
        """The Monte Carlo samples of one quantity in a plot unit, column ``value``."""
        return pd.DataFrame({"value": self.results[qid].samples / formatting.plot_scale(plot_unit)})


    def notes(self) -> None:
        """Show the ledger's notes (e.g. quantities left out for lack of data), if any, in the chapter's language:
        each from the results table ``notes`` (its kind, the input and the region it names) through the catalogue
        (``ledger_note.<kind>``); a ledger without that table (written before it) shows its English lines."""
        rows = self.results.tables.get("notes")
        if rows is None:
            lines = [printed.text(n, pointer("notes", i)) for i, n in enumerate(self.results.notes)]
        else:
            lines = [printed.text(t(f"ledger_note.{r['key']}", self.lang)
                                  .replace("{input}", t(f"quantity.{r['input']}", self.lang) if r.get("input") else "")
                                  .replace("{region}", t(f"region.{r['region']}", self.lang)),
                                  pointer("tables", "notes", i, "key")) for i, r in enumerate(rows)]
        if lines:
            items = "".join(f"<li>{n.html}</li>" for n in lines)
            display_html(f'<ul class="sr-notes">{items}</ul>')


    def status(self, status: str) -> str:
        """A status of an assumption, fact or quantity in the chapter's language (as recorded if the
        catalogue has no word for it)."""
        return t(f"status.{status}", self.lang) if f"status.{status}" in catalogue_keys(self.lang) else status


def catalogue_keys(lang: str) -> dict[str, str]:
    """The message keys there are: the English catalogue's (every language has them all; :func:`t` fails
    where one lacks a key, it never shows English instead)."""
    formatting.check_lang(lang)
    return catalogue("en")


def scenario_of(results: Results):

    return Scenario(**results.scenario)


def _strip_p(markup: str) -> str:
    markup = markup.strip()
    if markup.startswith("<p>") and markup.endswith("</p>"):
        return markup[3:-4]
    return markup
