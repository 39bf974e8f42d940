"""nbconvert exporters for briefings: ``--to stargate_html`` and ``--to stargate_pdf``.

The HTML exporter renders with ``templates/briefing`` (which extends nbconvert's ``lab``
template), hides input cells, numbers the figures and builds the table of contents. The
result is one self-contained file that makes no network request. The PDF exporter feeds
that HTML to WeasyPrint: no LaTeX, no browser, vector charts, A4 with page numbers.
"""
from __future__ import annotations

import html
import re
from datetime import date

from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets import Unicode, default

from . import __version__
from .datafiles import bundled
from .i18n import t

FIGNUM = re.compile(r'<span class="sr-fignum" data-label="([^"]*)"></span>')
HEADING = re.compile(r'<h([12]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)
TAG = re.compile(r"<[^>]+>")


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _long_date(iso: str | None, lang: str) -> str:
    from babel.dates import format_date

    from .formatting import LOCALES

    day = date.fromisoformat(iso) if iso else date.today()
    return format_date(day, format="long", locale=LOCALES.get(lang, "en_US"))


class BriefingPreprocessor(Preprocessor):
    """Number figures in order, collect the table of contents and the title block."""

    def preprocess(self, nb, resources):
        meta = nb.metadata.get("stargate", {})
        lang = meta.get("lang", "en")
        count = 0
        toc: list[dict] = []

        def number(m: re.Match) -> str:
            nonlocal count
            count += 1
            return f'<span class="sr-fignum" data-label="{m.group(1)}" data-number="{count}">{m.group(1)} {count}.</span>'

        for cell in nb.cells:
            if cell.cell_type == "markdown":
                for line in cell.source.splitlines():
                    m = re.match(r"^(#{1,2})\s+(.*)$", line)
                    if m:
                        text = m.group(2).strip()
                        toc.append({"level": len(m.group(1)), "id": text.replace(" ", "-"), "text": text})
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                if "text/html" not in data:
                    continue
                markup = FIGNUM.sub(number, _text(data["text/html"]))
                data["text/html"] = markup
                for level, hid, inner in HEADING.findall(markup):
                    toc.append({"level": int(level), "id": hid, "text": html.unescape(TAG.sub("", inner)).strip()})
        css = (bundled("templates") / "briefing" / "static" / "briefing.css").read_text(encoding="utf-8")
        title = meta.get("title") or nb.metadata.get("title") or resources.get("metadata", {}).get("name", "")
        nb.metadata["title"] = title  # the lab template's <title>
        resources["briefing"] = {
            "lang": lang,
            "title": title,
            "subtitle": t("briefing.subtitle", lang),
            "generated": t("briefing.generated", lang).format(
                date=_long_date(meta.get("date"), lang), version=__version__,
                preset=meta.get("preset", "-")),
            "ranges": t("briefing.ranges", lang),
            "contents": t("briefing.contents", lang),
            "toc": toc,
            "css": css,
            "figures": count,
        }
        resources["language_code"] = lang
        return nb, resources


class BriefingHTMLExporter(HTMLExporter):
    """Self-contained, offline briefing HTML (``jupyter nbconvert --to stargate_html``)."""

    export_from_notebook = "Stargate briefing (HTML)"
    template_name = Unicode("briefing").tag(config=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.exclude_input = True
        self.exclude_input_prompt = True
        self.exclude_output_prompt = True
        self.register_preprocessor(BriefingPreprocessor, enabled=True)

    @default("extra_template_basedirs")
    def _extra_template_basedirs_default(self):
        return [str(bundled("templates"))]


def offline_fetcher():
    """A WeasyPrint URL fetcher that allows ``data:`` URLs only: the PDF never touches the network.

    Any other resource (``http:``, ``file:``, ...) is refused; WeasyPrint then leaves it out and goes on.
    WeasyPrint 68 and later take an instance of its ``URLFetcher`` class (which can limit the protocols);
    earlier versions took a function, wrapped around ``default_url_fetcher``.
    """
    from weasyprint import urls

    if hasattr(urls, "URLFetcher"):
        return urls.URLFetcher(allowed_protocols={"data"})

    def fetch(url: str, *args, **kwargs):
        if url.startswith("data:"):
            return urls.default_url_fetcher(url, *args, **kwargs)
        raise ValueError(f"network access refused while rendering the PDF: {url[:80]}")

    return fetch


def html_to_pdf(markup: str) -> bytes:
    """Render briefing HTML to PDF bytes with WeasyPrint (offline)."""
    import logging

    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return weasyprint.HTML(string=markup, url_fetcher=offline_fetcher()).write_pdf()


class BriefingPDFExporter(BriefingHTMLExporter):
    """Briefing PDF through WeasyPrint (``jupyter nbconvert --to stargate_pdf``)."""

    export_from_notebook = "Stargate briefing (PDF)"
    output_mimetype = "application/pdf"

    def _file_extension_default(self):
        return ".pdf"

    @default("template_file")
    def _template_file_default(self):
        return "index.html.j2"

    def from_notebook_node(self, nb, resources=None, **kw):
        markup, resources = super().from_notebook_node(nb, resources=resources, **kw)
        pdf = html_to_pdf(markup)
        resources["output_extension"] = ".pdf"
        return pdf, resources
