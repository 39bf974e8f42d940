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
from dataclasses import dataclass
from typing import Any

import pandas as pd

from stargate_report.catalog.sources import load_sources
from stargate_report.exceptions import ParameterError
from stargate_report.model import evaluate as model
from stargate_report.model.ledger import Results
from stargate_report.model.scenario import DEFAULT_PRESET, Scenario, resolve
from stargate_report.present import charts, formatting
from stargate_report.present.i18n import display_title, formula, t

PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_:.\-]+)\}")


def _display_html(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(markup))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


#: the fragment prefixes of the two sources tables: the model's (appendix) and the knowledge base's (deal)
SOURCE_ANCHOR = "src"
KNOWLEDGE_ANCHOR = "kb-src"
SOURCE_TABLES = {"model": SOURCE_ANCHOR, "knowledge": KNOWLEDGE_ANCHOR}


@dataclass
class Chapter:
    """The context of one chapter: ledger, language and output helpers."""

    name: str
    results: Results
    lang: str = "en"
    preset: str = DEFAULT_PRESET

    # -- values ----------------------------------------------------------------------------------
    def num(self, ref: str, show_range: bool = True) -> str:
        """Format a ledger quantity, an input id, or a model role (e.g. ``pue``) as text."""
        res = self.results
        if ref.startswith("range:"):  # a published range, low to high (no midpoint shown)
            iid = res.roles.get(ref[6:], ref[6:])
            if iid in res.inputs:
                i = res.inputs[iid]
                return formatting.range_only(i.low, i.high, i.unit, self.lang)
        if ref in res.quantities:
            return formatting.quantity(res.quantities[ref], self.lang, show_range)
        iid = res.roles.get(ref, ref)
        if iid in res.inputs:
            i = res.inputs[iid]
            if show_range:
                return formatting.with_range(i.value, i.low, i.high, i.unit, self.lang)
            return formatting.value(i.value, i.unit, self.lang)
        if ref.startswith("param:") and ref[6:] in res.scenario:
            v = res.scenario[ref[6:]]
            return formatting.number(v, self.lang) if isinstance(v, (int, float)) else str(v)
        if ref in model.ROLES:  # an input the model knows, but this region has no published value for
            return t("value.not_published", self.lang)
        if ref in model.OPTIONAL_QUANTITIES:  # a result that needs such an input
            return t("value.not_available", self.lang)
        raise KeyError(f"no quantity, input or role named {ref!r} in the ledger of chapter {self.name!r}")

    def fill(self, text: str, **values: Any) -> str:
        """Fill ``{placeholders}``: keyword values first (escaped), then ledger references."""

        def sub(m: re.Match) -> str:
            key = m.group(1)
            if key in values:
                value = values[key]
                if isinstance(value, FactStatement):
                    return f'<span class="fact" data-fact="{html.escape(value.fact_id)}">{html.escape(value)}</span>'
                return html.escape(str(value))
            return f'<span class="num" data-ref="{html.escape(key)}">{html.escape(self.num(key))}</span>'

        return PLACEHOLDER.sub(sub, text)

    def md(self, key: str, **values: Any) -> str:
        """Catalogue text ``key`` rendered from Markdown to HTML, placeholders filled."""
        import mistune

        rendered = mistune.html(t(key, self.lang))
        return self.fill(rendered, **values)

    # -- output ----------------------------------------------------------------------------------
    def heading(self, key: str, level: int = 1) -> None:
        text = html.escape(t(key, self.lang))
        anchor = f"{self.name}" if level == 1 else f"{self.name}-{slug(key)}"
        _display_html(f'<h{level} id="{anchor}">{text}</h{level}>')

    def subheading(self, key: str) -> None:
        """A section heading (level 2) inside the chapter."""
        self.heading(key, level=2)

    def para(self, key: str, **values: Any) -> None:
        _display_html(self.md(key, **values))

    def bullets(self, keys: list[str], **values: Any) -> None:
        items = "".join(f"<li>{_strip_p(self.md(k, **values))}</li>" for k in keys)
        _display_html(f'<ul class="sr-headlines">{items}</ul>')

    def figure(self, name: str, chart, data: pd.DataFrame, refs: list[str]) -> None:
        """Show a numbered figure: chart as inline SVG, caption, source line and CSV download."""
        _display_html(self.figure_html(name, chart, data, refs))

    def figure_html(self, name: str, chart, data: pd.DataFrame, refs: list[str]) -> str:
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
            f'<span class="sr-source" title="{source_title}" data-sources="{html.escape(";".join(sources))}">'
            f'{source_line}.</span> '
            f'<a class="sr-csv" download="{fig_id}.csv" href="{href}">{html.escape(t("briefing.download", self.lang))}</a>'
            f"</figcaption></figure>")

    def _sources_of(self, input_ids: list[str]) -> list[str]:
        """Source ids of inputs: from this run's ledger, else from the registries (other regions' rows)."""
        from stargate_report.catalog.assumptions import load_registry
        from stargate_report.catalog.knowledge import load_facts

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

    def investment_context(self) -> str:
        """Where the investment comes from: the fact's statement in this language, or the scenario."""
        from stargate_report.catalog.knowledge import get_fact

        iid = self.results.roles.get("investment_usd", "")
        if iid.startswith("fact:"):
            return FactStatement(get_fact(iid[5:]).statement(self.lang), iid[5:])
        return t("summary.investment.param", self.lang)

    # -- knowledge base ---------------------------------------------------------------------------
    def data_as_of(self) -> str:
        """The knowledge base's "as of" date, in the language's long format."""
        from babel.dates import format_date

        from stargate_report.catalog.knowledge import data_as_of

        return format_date(data_as_of(), format="long", locale=formatting.LOCALES[self.lang])

    def fact_list(self, since_fact: str | None = None, anchor: str = KNOWLEDGE_ANCHOR, **filters: Any) -> None:
        """Show facts (filtered as :func:`knowledge.query_facts`) as a list, each citing its source ids.

        ``since_fact`` starts the list at the date of that fact (an id, so no date is typed in a notebook).
        Each source id links to its row ``#<anchor>-<id>`` of the knowledge base's sources table
        (:meth:`source_table` of :meth:`knowledge_sources_frame`, in the deal chapter).
        """
        from stargate_report.catalog.knowledge import get_fact, query_facts

        if since_fact:
            filters["start"] = get_fact(since_fact).date
        items = "".join(
            f'<li>{html.escape(f.statement(self.lang))} <span class="sr-cite">[{cite_links(f.sources, anchor)}'
            f'{"; " + html.escape(t("status." + f.status, self.lang)) if f.status != "confirmed" else ""}]</span></li>'
            for f in query_facts(**filters))
        _display_html(f'<ul class="sr-facts">{items}</ul>')

    def timeline_frame(self) -> pd.DataFrame:
        """Dated facts that have a headline: ``date, start, label, kind, id, inputs``."""
        from stargate_report.catalog.knowledge import load_facts

        facts = [f for f in load_facts().values() if f.headline_en]
        first = min(f.date for f in facts).isoformat()
        return pd.DataFrame([{"date": f.date.isoformat(), "start": first, "label": f.headline(self.lang, formatting.value),
                              "kind": t(f"kind.{f.kind}", self.lang), "id": f.id, "inputs": f"fact:{f.id}"}
                             for f in sorted(facts, key=lambda f: (f.date, f.id))])

    def capacity_frame(self, plot_unit: str) -> pd.DataFrame:
        """Planned capacity of every site that has a published one, with its developers (partners)."""
        from stargate_report.catalog.knowledge import load_knowledge

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
        from stargate_report.catalog.knowledge import load_knowledge

        kb = load_knowledge()
        rows = []
        for s in sorted(kb.sites.values(), key=lambda s: s.announced):
            cap = kb.facts[s.capacity_fact] if s.capacity_fact else None
            rows.append({t("col.site", self.lang): f"{s.name} ({s.place(self.lang)})",
                         t("col.partner", self.lang): ", ".join(kb.entities[e].name for e in s.developer),
                         t("col.capacity", self.lang): formatting.value(cap.value, cap.unit, self.lang) if cap
                         else t("deal.not_published", self.lang),
                         t("col.power", self.lang): s.power(self.lang),
                         t("col.status", self.lang): t(f"site_status.{s.status}", self.lang),
                         t("col.sources", self.lang): "; ".join(s.sources)})
        return pd.DataFrame(rows)

    def claims_table(self) -> pd.DataFrame:
        from stargate_report.catalog.knowledge import load_knowledge

        rows = []
        for c in load_knowledge().claims.values():
            row = {t("col.quote", self.lang): f"„{c.quote_de}“"}
            if self.lang != "de":
                row[t("col.claim", self.lang)] = c.claim_en
            row.update({t("col.verdict", self.lang): t(f"verdict.{c.verdict}", self.lang),
                        t("col.evidence", self.lang): c.evidence(self.lang),
                        t("col.sources", self.lang): "; ".join(c.sources)})
            rows.append(row)
        return pd.DataFrame(rows)

    def knowledge_sources_frame(self) -> pd.DataFrame:
        """Every source the knowledge base cites (of the entities' roles too), with its full citation."""
        from stargate_report.catalog.knowledge import cited_sources

        used = cited_sources()
        reg = load_sources()
        return pd.DataFrame([{t("col.id", self.lang): s, t("col.sources", self.lang): reg[s].citation()}
                             for s in used])

    # -- supply -----------------------------------------------------------------------------------
    def dispatch(self):
        """Hourly dispatch of the sized supply mix (a :class:`supply.Dispatch`)."""
        from stargate_report.supply import dispatch as supply
        from stargate_report.supply.profiles import region_profiles

        kept = {k.split(".", 1)[1]: v for k, v in self.results.series.items() if k.startswith("dispatch.")}
        if kept:  # simulated by the model when it sized the mix
            return supply.Dispatch(**kept)
        mix = self.results.tables["supply_mix"][0]
        prof = region_profiles(mix["region"])
        return supply.simulate(mix["load_mw"], mix["solar_mw"], mix["wind_mw"], mix["battery_mw"],
                               mix["battery_mwh"], solar_profile=prof.solar, wind_profile=prof.wind,
                               round_trip_efficiency=mix["round_trip_efficiency"], keep_hourly=True).hourly

    def dispatch_week_frame(self) -> pd.DataFrame:
        """How the load is met in a winter and a summer week: ``season, hour, source, mw`` (stacked)."""
        from stargate_report.supply.dispatch import TYPICAL_WEEKS

        h = self.dispatch()
        direct = h.load - h.discharge - h.grid
        rows = []
        for season, first_day in TYPICAL_WEEKS.items():
            sl = slice(first_day * 24, first_day * 24 + 7 * 24)
            for key, series in (("direct", direct), ("battery", h.discharge), ("grid", h.grid)):
                for k, val in enumerate(series[sl]):
                    rows.append({"season": t(f"season.{season}", self.lang), "hour": k,
                                 "source": t(f"source.{key}", self.lang), "order": key, "mw": float(val)})
        return pd.DataFrame(rows)

    def cfe_heatmap_frame(self) -> pd.DataFrame:
        """Carbon-free share of the load by week of the year and hour of the day: ``week, hour, cfe``."""
        h = self.dispatch()
        share = 1.0 - h.grid / h.load
        days = share[: 364 * 24].reshape(52, 7, 24).mean(axis=1)
        return pd.DataFrame([{"week": w + 1, "hour": hr, "cfe": float(days[w, hr])}
                             for w in range(52) for hr in range(24)])

    def cfe_curve_frame(self) -> pd.DataFrame:
        rows = self.results.tables["cfe_curve"]
        return pd.DataFrame([{"target": r["target_cfe"] * 100, "cost": r["cost_usd_per_mwh"],
                              "annual_matching": r["annual_matching_usd_per_mwh"], "feasible": r["feasible"],
                              "solar_mw": r["solar_mw"], "wind_mw": r["wind_mw"], "battery_mwh": r["battery_mwh"],
                              "inputs": "model:supply-sizing"} for r in rows])

    def cfe_curve_table(self) -> pd.DataFrame:
        out = []
        for r in self.results.tables["cfe_curve"]:
            out.append({t("col.target", self.lang): formatting.value(r["target_cfe"], "fraction", self.lang),
                        t("col.solar", self.lang): formatting.value(r["solar_mw"], "MW", self.lang),
                        t("col.wind", self.lang): formatting.value(r["wind_mw"], "MW", self.lang),
                        t("col.battery", self.lang): formatting.value(r["battery_mwh"], "MWh", self.lang),
                        t("col.capex", self.lang): formatting.value(r["capex_usd"], "usd", self.lang),
                        t("col.cost", self.lang): formatting.value(r["cost_usd_per_mwh"], "usd_per_mwh", self.lang)
                        if r["feasible"] else t("supply.unreachable", self.lang),
                        t("col.premium", self.lang): formatting.value(r["premium_usd_per_mwh"], "usd_per_mwh", self.lang)
                        if r["feasible"] else "–"})
        return pd.DataFrame(out)

    def supply_regions_frame(self) -> pd.DataFrame:
        rows = [r for r in self.results.tables["supply_regions"] if r["feasible"]]
        return pd.DataFrame([{"region": r["region"], "label": t(f"region.{r['region']}", self.lang),
                              "cost": r["cost_usd_per_mwh"], "inputs": "model:supply-sizing"} for r in rows])

    def supply_regions_table(self) -> pd.DataFrame:
        out = []
        for r in self.results.tables["supply_regions"]:
            out.append({t("col.region", self.lang): t(f"region.{r['region']}", self.lang),
                        t("col.solar", self.lang): formatting.value(r["solar_mw"], "MW", self.lang),
                        t("col.wind", self.lang): formatting.value(r["wind_mw"], "MW", self.lang),
                        t("col.battery", self.lang): formatting.value(r["battery_mwh"], "MWh", self.lang),
                        t("col.cfe", self.lang): formatting.value(r["hourly_cfe_share"], "fraction", self.lang),
                        t("col.cost", self.lang): formatting.value(r["cost_usd_per_mwh"], "usd_per_mwh", self.lang)
                        if r["feasible"] else t("supply.unreachable", self.lang)})
        return pd.DataFrame(out)

    # -- footprint, uncertainty, run ----------------------------------------------------------------
    def regions_table(self, qids: list[str]) -> pd.DataFrame:
        """Each quantity (median with range) of the same scenario evaluated in every region."""
        from stargate_report.model.scenario import Scenario, region_ids

        sc = Scenario(**self.results.scenario)
        rows = []
        for region in region_ids():
            res = model.evaluate(sc.model_copy(update={"region": region}))
            row = {t("col.region", self.lang): t(f"region.{region}", self.lang)}
            for q in qids:
                row[t(f"label.{q}", self.lang)] = formatting.quantity(res[q], self.lang) if q in res else "–"
            rows.append(row)
        return pd.DataFrame(rows)

    def ranges_table(self, qids: list[str]) -> pd.DataFrame:
        """Quantities with P10, P50, P90 and the relative width of the range."""
        rows = []
        for q in qids:
            quant = self.results[q]
            width = (quant.p90 - quant.p10) / quant.p50 if quant.p50 else 0.0
            rows.append({t("col.quantity", self.lang): t(f"label.{q}", self.lang),
                         "P10": formatting.value(quant.p10, quant.unit, self.lang),
                         "P50": formatting.value(quant.p50, quant.unit, self.lang),
                         "P90": formatting.value(quant.p90, quant.unit, self.lang),
                         t("col.width", self.lang): formatting.value(width, "fraction", self.lang),
                         t("col.status", self.lang): self.status(quant.status)})
        return pd.DataFrame(rows)

    def _label_of_role(self, role: str) -> str:
        from stargate_report.model.evaluate import ROLES

        quantity = ROLES.get(role, (role,))[0]
        key = f"quantity.{quantity}"
        return t(key, self.lang) if key in _keys(self.lang) else quantity

    def tornado_frame(self, output: str, plot_unit: str, top: int = 8) -> pd.DataFrame:
        """One-at-a-time swings of ``output`` (largest first): ``label, assumption, low, high, base``."""
        from stargate_report.model.scenario import Scenario
        from stargate_report.model.sensitivity import tornado

        scale = formatting.plot_scale(plot_unit)
        df = tornado(Scenario(**self.results.scenario), output)
        df = df[df["swing"] > 0].head(top)
        return pd.DataFrame({
            "label": [f"{self._label_of_role(r)} ({a})" for r, a in zip(df["role"], df["assumption"])],
            "assumption": df["assumption"], "at_low": df["output_at_low"] / scale,
            "at_high": df["output_at_high"] / scale, "base": df["output_base"] / scale, "inputs": df["assumption"]})

    def drivers_text(self, output: str, n: int = 3) -> str:
        """The ``n`` largest drivers of ``output`` in words: assumption, its range, and the output's range."""
        from stargate_report.model.scenario import Scenario
        from stargate_report.model.sensitivity import tornado

        df = tornado(Scenario(**self.results.scenario), output)
        unit = self.results[output].unit
        parts = []
        for _, row in df[df["swing"] > 0].head(n).iterrows():
            lo_out, hi_out = sorted((row["output_at_low"], row["output_at_high"]))
            parts.append(t("uncertainty.driver", self.lang).format(
                name=self._label_of_role(row["role"]),
                low=formatting.value(row["low"], row["unit"], self.lang),
                high=formatting.value(row["high"], row["unit"], self.lang),
                out_low=formatting.value(lo_out, unit, self.lang), out_high=formatting.value(hi_out, unit, self.lang)))
        return "; ".join(parts)

    def sobol_table(self, output: str, n: int = 256, top: int = 6) -> pd.DataFrame:
        from stargate_report.model.scenario import Scenario
        from stargate_report.model.sensitivity import sobol

        df = sobol(Scenario(**self.results.scenario), output, n=n).head(top)
        return pd.DataFrame({t("col.assumption", self.lang): [f"{self._label_of_role(r)} ({a})"
                                                              for r, a in zip(df["role"], df["assumption"])],
                             t("col.first_order", self.lang): [formatting.number(x, self.lang, 2) for x in df["S1"]],
                             t("col.total", self.lang): [formatting.number(x, self.lang, 2) for x in df["ST"]]})

    def run_frame(self) -> pd.DataFrame:
        """The run's reproducibility record: version, Python, parameters that fix the numbers, data hashes."""
        import platform

        from stargate_report import __version__
        from stargate_report.catalog.files import file_hashes

        rows = [("stargate-report", __version__), ("Python", platform.python_version()),
                ("preset", self.preset), ("samples", str(self.results.scenario["samples"])),
                ("seed", str(self.results.scenario["seed"]))]
        rows += [(name, digest[:16]) for name, digest in file_hashes().items()]
        return pd.DataFrame(rows, columns=[t("col.item", self.lang), t("col.value", self.lang)])

    def table(self, df: pd.DataFrame, css: str = "sr-table") -> None:
        _display_html(table_html(df, css))

    def source_table(self, which: str = "model") -> None:
        """Show the sources of the ``model``'s inputs (:meth:`sources_frame`) or of the ``knowledge`` base
        (:meth:`knowledge_sources_frame`), each web address a link and each row a target
        ``#<anchor>-<source id>`` (:data:`SOURCE_TABLES`) that citations link to."""
        if which not in SOURCE_TABLES:
            from stargate_report.exceptions import UnknownNameError

            raise UnknownNameError("source table", which, list(SOURCE_TABLES))
        frame = self.sources_frame() if which == "model" else self.knowledge_sources_frame()
        _display_html(sources_html(frame, self.lang, SOURCE_TABLES[which]))

    @property
    def title(self) -> str:
        """The run's title in the chapter's language (a preset's own title translated where it can be)."""

        return display_title(self.preset, self.results.scenario.get("title", ""), self.lang)

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

    def regions(self, qid: str, plot_unit: str) -> pd.DataFrame:
        """One quantity of the same scenario evaluated in every region, in a plot unit."""
        from stargate_report.model.scenario import Scenario

        scale = formatting.plot_scale(plot_unit)
        sc = Scenario(**self.results.scenario)
        df = model.evaluate_regions(sc, qid)
        df["label"] = [t(f"region.{r}", self.lang) for r in df["region"]]
        for c in ("p10", "p50", "p90"):
            df[c] = df[c] / scale
        return df[["region", "label", "p10", "p50", "p90", "inputs"]]

    def notes(self) -> None:
        """Show the ledger's notes (e.g. quantities left out for lack of data), if any."""
        if self.results.notes:
            items = "".join(f"<li>{html.escape(n)}</li>" for n in self.results.notes)
            _display_html(f'<ul class="sr-notes">{items}</ul>')

    def assumptions_frame(self) -> pd.DataFrame:
        rows = []
        for iid, i in self.results.inputs.items():
            rows.append({t("col.id", self.lang): iid,
                         t("col.value", self.lang): formatting.value(i.value, i.unit, self.lang),
                         t("col.range", self.lang): formatting.with_range(i.value, i.low, i.high, i.unit, self.lang),
                         t("col.status", self.lang): self.status(i.status),
                         t("col.sources", self.lang): "; ".join(i.sources)})
        return pd.DataFrame(rows)

    def status(self, status: str) -> str:
        """A status of an assumption, fact or quantity in the chapter's language (as recorded if the
        catalogue has no word for it)."""
        return t(f"status.{status}", self.lang) if f"status.{status}" in _keys(self.lang) else status

    def derivations_frame(self) -> pd.DataFrame:
        rows = []
        for qid, q in self.results.quantities.items():
            rows.append({t("col.quantity", self.lang): qid, t("col.value", self.lang): self.num(qid),
                         t("col.formula", self.lang): formula(q.formula, self.lang),
                         t("col.inputs", self.lang): ", ".join(q.inputs)})
        return pd.DataFrame(rows)

    def parameters_frame(self) -> pd.DataFrame:
        """The run's parameters and their values, in the chapter's language: a preset's own title as the
        briefing shows it (:attr:`title`), a parameter left unset (``None``: sampled from its range, or
        the campus sized another way) and a yes/no in words, numbers as given in the language's format
        (a random seed without thousands separators)."""
        def shown(k: str, v):
            if k == "title":
                return self.title
            if v is None:
                return t("appendix.parameter_not_set", self.lang)
            if isinstance(v, bool):
                return t("appendix.yes" if v else "appendix.no", self.lang)
            if isinstance(v, (int, float)):
                field = Scenario.model_fields.get(k)
                unit = (field.json_schema_extra or {}).get("unit", "-") if field is not None else "-"
                return formatting.exact(v, self.lang, grouped=unit != "-")
            return v

        return pd.DataFrame([{t("col.parameter", self.lang): k, t("col.value", self.lang): shown(k, v)}
                             for k, v in self.results.scenario.items()]).astype(str)

    def sources_frame(self) -> pd.DataFrame:
        used: list[str] = []
        for i in self.results.inputs.values():
            for s in i.sources:
                if s not in used:
                    used.append(s)
        reg = load_sources()
        return pd.DataFrame([{t("col.id", self.lang): s, t("col.sources", self.lang): reg[s].citation()}
                             for s in used])

    def sizing_text(self) -> str:
        sizing = _scenario_of(self.results).sizing()
        role = "facility_capacity_mw" if sizing == "capacity_fact" else sizing
        return t(f"sizing.{sizing}", self.lang).replace("{capacity}", self.num(role, show_range=False))

    def accelerator_name(self) -> str:
        """The accelerator's name in the chapter's language (``name_de`` of ``accelerators.csv`` in German)."""
        import csv

        from stargate_report.catalog.files import path

        column = "name_de" if self.lang == "de" else "name"
        with open(path("accelerators.csv"), newline="", encoding="utf-8") as fh:
            names = {r["id"]: r.get(column) or r["name"] for r in csv.DictReader(fh)}
        return names[self.results.scenario["accelerator"]]


class FactStatement(str):
    """A statement of the knowledge base, rendered with its fact id (``<span class="fact" data-fact=...>``)."""

    def __new__(cls, text: str, fact_id: str):
        obj = super().__new__(cls, text)
        obj.fact_id = fact_id
        return obj


#: characters of table text (7.5 pt DejaVu Sans, about 1.46 mm each) across the 162 mm text width of A4
TABLE_LINE_CHARS = 110


def column_widths_pct(df: pd.DataFrame, line_chars: int = TABLE_LINE_CHARS) -> list[float]:
    """Column widths [% of the table] from the text each column holds, as automatic layout would give.

    Per column: the narrowest width is its longest word (header included), the widest its longest cell;
    each adds two characters of padding. If all widest widths fit on a line they share it in proportion;
    otherwise every column gets its narrowest width and the rest of the line is shared in proportion to
    what each column would still like (the CSS 2.1 automatic table layout, section 17.5.2.2). Fixed
    widths let WeasyPrint lay a table out in one pass instead of measuring every cell twice (section
    17.5.2.1): the PDF of the briefing renders about twice as fast.
    """
    lo, hi = [], []
    for col in df.columns:
        cells = [str(v) for v in df[col].tolist()]
        # lines break at ordinary spaces only: "0\u202fMW" (a number with its unit) is one word
        words = [len(w) for text in cells + [str(col)] for w in re.split(r"[ \t\n]+", text)] or [1]
        lo.append(max(words) + 2)
        hi.append(max([len(text) for text in cells] + words) + 2)  # a header wraps rather than widen its column
    if sum(hi) <= line_chars:
        widths = hi
    elif sum(lo) >= line_chars:
        widths = lo
    else:
        spare = line_chars - sum(lo)
        want = [h - m for h, m in zip(hi, lo, strict=True)]
        widths = [m + spare * w / sum(want) for m, w in zip(lo, want, strict=True)]
    return [round(100.0 * w / sum(widths), 1) for w in widths]


def cite_links(ids, anchor: str = KNOWLEDGE_ANCHOR) -> str:
    """Source ids as links to their rows of a sources table (:func:`sources_html`), comma-separated."""
    return ", ".join(f'<a href="#{anchor}-{html.escape(i)}">{html.escape(i)}</a>' for i in ids)


def sources_html(df: pd.DataFrame, lang: str, anchor: str = SOURCE_ANCHOR, css: str = "sr-table") -> str:
    """A sources frame (columns: source id, citation) as a table like :func:`table_html`'s, with each
    citation's web address a link and each row the target ``#<anchor>-<source id>``."""
    columns = [t("col.id", lang), t("col.sources", lang)]
    if list(df.columns) != columns:
        raise ValueError(f"a sources frame has the columns {columns}, not {list(df.columns)}")
    reg = load_sources()
    cols = "".join(f'<col style="width: {w}%">' for w in column_widths_pct(df))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    rows = "".join(f'<tr id="{anchor}-{html.escape(i)}"><td>{html.escape(i)}</td><td>{reg[i].citation_html()}</td></tr>'
                   for i in df[columns[0]])
    return (f'<table class="dataframe {css}"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def table_html(df: pd.DataFrame, css: str = "sr-table") -> str:
    """A data frame as an HTML table with fixed column widths (see :func:`column_widths_pct`)."""
    markup = df.to_html(index=False, escape=True, classes=css, border=0)
    cols = "".join(f'<col style="width: {w}%">' for w in column_widths_pct(df))
    head, sep, rest = markup.partition(">")
    return f"{head}{sep}\n<colgroup>{cols}</colgroup>{rest}"


def _keys(lang: str) -> dict[str, str]:
    from stargate_report.present.i18n import catalogue

    return catalogue(lang) if lang == "en" else {**catalogue("en"), **catalogue(lang)}


def _scenario_of(results: Results):
    from stargate_report.model.scenario import Scenario

    return Scenario(**results.scenario)


def _strip_p(markup: str) -> str:
    markup = markup.strip()
    if markup.startswith("<p>") and markup.endswith("</p>"):
        return markup[3:-4]
    return markup


def _check_results_path(results_path: str) -> None:
    """A run's ledger must be there: a chapter re-run from another folder would otherwise fail with a bare
    ``FileNotFoundError`` (papermill runs the kernel in the folder it is started from, not the notebook's)."""
    import os
    from pathlib import Path

    stem = Path(results_path)
    missing = [p.name for p in (stem.with_suffix(".json"), stem.with_suffix(".npz")) if not p.is_file()]
    if missing:
        raise ParameterError(
            "results_path", results_path,
            "the stem of a run's data/results.json and .npz, relative to the kernel's working folder "
            f"({os.getcwd()})",
            f"{' and '.join(missing)} not found there: start the notebook from its own folder "
            "(papermill --cwd <its folder>), give an absolute path, or set results_path to '' to evaluate "
            "the scenario in the notebook")


def open_chapter(name: str, preset: str = DEFAULT_PRESET, overrides: dict | None = None, lang: str = "en",
                 results_path: str = "") -> Chapter:
    """Open a chapter: load the run's ledger, or evaluate the scenario when run alone."""
    formatting.check_lang(lang)
    if results_path:
        _check_results_path(results_path)
        results = Results.load(results_path)
    else:  # running alone: evaluate here, with the supply and its tables
        results = model.add_supply_tables(model.evaluate(resolve(preset, overrides=overrides or {}), supply=True))
    return Chapter(name=name, results=results, lang=lang, preset=preset)
