"""nbconvert exporters for briefings: ``--to stargate_html`` and ``--to stargate_pdf``.

The HTML exporter renders with ``templates/briefing`` (which extends nbconvert's ``lab``
template), hides input cells, numbers the figures and builds the table of contents. The
result is one self-contained file that makes no network request. The PDF exporter feeds
that HTML to WeasyPrint: no LaTeX, no browser, vector charts, A4 with page numbers.
"""
from __future__ import annotations

import base64
import gc
import html
import logging
import re
from datetime import date

from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets import Unicode, default

from stargate_report import __version__
from stargate_report.catalog.files import bundled
from stargate_report.present.formatting import LOCALES
from stargate_report.present.i18n import t

FIGNUM = re.compile(r'<span class="sr-fignum" data-label="([^"]*)"></span>')
CHAPTER = re.compile(r'<h1 id="[^"]+"')
HEADING = re.compile(r'<h([12]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)
TAG = re.compile(r"<[^>]+>")


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _long_date(iso: str | None, lang: str) -> str:
    from babel.dates import format_date  # Babel's locale data only where a date or number is formatted


    day = date.fromisoformat(iso) if iso else date.today()
    return format_date(day, format="long", locale=LOCALES.get(lang, "en_US"))


class BriefingPreprocessor(Preprocessor):
    """Number figures in order, collect the table of contents and the title block."""

    def preprocess(self, nb, resources):
        meta = nb.metadata.get("stargate", {})
        lang = meta.get("lang", "en")
        count = chapters = 0
        toc: list[dict] = []

        def number(m: re.Match) -> str:
            nonlocal count
            count += 1
            return f'<span class="sr-fignum" data-label="{m.group(1)}" data-number="{count}">{m.group(1)} {count}.</span>'

        def chapter(m: re.Match) -> str:
            # chapters run on in print; the summary keeps a page to itself: the next chapter starts a page
            nonlocal chapters
            chapters += 1
            return f'{m.group(0)} class="sr-new-page"' if chapters == 2 else m.group(0)

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
                markup = CHAPTER.sub(chapter, FIGNUM.sub(number, _text(data["text/html"])))
                data["text/html"] = markup
                for level, hid, inner in HEADING.findall(markup):
                    toc.append({"level": int(level), "id": hid, "text": html.unescape(TAG.sub("", inner)).strip()})
        css = (bundled("templates") / "briefing" / "static" / "briefing.css").read_text(encoding="utf-8")
        title = meta.get("title") or nb.metadata.get("title") or resources.get("metadata", {}).get("name", "")
        nb.metadata["title"] = title  # the lab template's <title>
        resources["briefing"] = {
            "lang": lang,
            "title": title,
            "title_key": meta.get("title_key", ""),  # where the results hold it (the title names the scale)
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

    def from_notebook_node(self, nb, resources=None, **kw):
        """nbconvert's ``HTMLExporter.from_notebook_node`` without its BeautifulSoup pass.

        That pass parses and re-serialises the whole page (about 0.2 s for a briefing, most of it the
        charts' SVG, whose mixed-case names it lower-cases) to add ``tabindex`` to input and output
        areas inside ``.jp-Notebook`` (our template has none) and a placeholder ``alt`` to images
        without one, which :func:`alt_texts` adds here.
        """
        from nbconvert.exporters.templateexporter import (
            TemplateExporter,  # the notebook stack only where a briefing is rendered
        )
        from nbconvert.filters.highlight import Highlight2HTML  # the notebook stack only where a briefing is rendered
        from nbconvert.filters.widgetsdatatypefilter import (
            WidgetsDataTypeFilter,  # the notebook stack only where a briefing is rendered
        )

        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        self.register_filter("highlight_code",
                             self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata,
                                                                       parent=self, resources=resources))
        markup, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return alt_texts(markup), resources


_IMG_NO_ALT = re.compile(r"<img\b(?![^>]*\salt=)", re.I)


def alt_texts(markup: str, text: str = "No description has been provided for this image") -> str:
    """Give every ``<img>`` without an ``alt`` attribute one (nbconvert's text), as nbconvert does."""
    return _IMG_NO_ALT.sub(f'<img alt="{html.escape(text)}"', markup)


def offline_fetcher():
    """A WeasyPrint URL fetcher that allows ``data:`` URLs only: the PDF never touches the network.

    Any other resource (``http:``, ``file:``, ...) is refused; WeasyPrint then leaves it out and goes on.
    WeasyPrint 68 and later take an instance of its ``URLFetcher`` class (which can limit the protocols);
    earlier versions took a function, wrapped around ``default_url_fetcher``.
    """
    from weasyprint import urls  # WeasyPrint (Pango, about 0.5 s) only where a PDF is made

    if hasattr(urls, "URLFetcher"):
        return urls.URLFetcher(allowed_protocols={"data"})

    def fetch(url: str, *args, **kwargs):
        if url.startswith("data:"):
            return urls.default_url_fetcher(url, *args, **kwargs)
        raise ValueError(f"network access refused while rendering the PDF: {url[:80]}")

    return fetch


#: SVG names that HTML serialisation writes in lower case and a standalone SVG (XML) needs in their
#: mixed case: the element and attribute tables of the HTML standard's "adjust SVG" steps (13.2.6.5)
SVG_MIXED_CASE = (
    "altGlyph altGlyphDef altGlyphItem animateColor animateMotion animateTransform clipPath feBlend "
    "feColorMatrix feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting feDisplacementMap "
    "feDistantLight feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR feGaussianBlur feImage feMerge "
    "feMergeNode feMorphology feOffset fePointLight feSpecularLighting feSpotLight feTile feTurbulence "
    "foreignObject glyphRef linearGradient radialGradient textPath "
    "attributeName attributeType baseFrequency baseProfile calcMode clipPathUnits diffuseConstant edgeMode "
    "filterUnits gradientTransform gradientUnits kernelMatrix kernelUnitLength keyPoints keySplines keyTimes "
    "lengthAdjust limitingConeAngle markerHeight markerUnits markerWidth maskContentUnits maskUnits "
    "numOctaves pathLength patternContentUnits patternTransform patternUnits pointsAtX pointsAtY pointsAtZ "
    "preserveAlpha preserveAspectRatio primitiveUnits refX refY repeatCount repeatDur requiredExtensions "
    "requiredFeatures specularConstant specularExponent spreadMethod startOffset stdDeviation stitchTiles "
    "surfaceScale systemLanguage tableValues targetX targetY textLength viewBox viewTarget xChannelSelector "
    "yChannelSelector zoomAndPan").split()
_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_SVG_NAME = re.compile(r"(?<=[<\s/])(" + "|".join(n.lower() for n in SVG_MIXED_CASE) + r")(?=[\s=>/])")
_SVG_CASE = {n.lower(): n for n in SVG_MIXED_CASE}


def svgs_as_images(markup: str) -> str:
    """Each inline ``<svg>`` of the markup as an ``<img>`` of a ``data:`` URL (for the PDF only).

    An inline SVG is part of the HTML tree, so WeasyPrint's HTML parser and CSS cascade visit each of its
    elements (the year's heat map alone has 8,760 rectangles); as an image it is read by WeasyPrint's own
    SVG reader and still drawn as vectors. The PDF takes about a fifth less time. The element and
    attribute names that the HTML serialisation lower-cased get their SVG case back first.
    """

    def as_image(m: re.Match) -> str:
        if "<svg" in m.group(0)[4:]:
            return m.group(0)  # an SVG inside an SVG (the charts have none): left inline, as it was
        svg = _SVG_NAME.sub(lambda n: _SVG_CASE[n.group(1)], m.group(0))
        label = re.search(r'aria-label="([^"]*)"', svg[:2000])
        src = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return f'<img class="sr-svg" alt="{label.group(1) if label else ""}" src="data:image/svg+xml;base64,{src}">'

    return _SVG.sub(as_image, markup)


def html_to_pdf(markup: str) -> bytes:
    """Render briefing HTML to PDF bytes with WeasyPrint (offline; charts as SVG images, see
    :func:`svgs_as_images`)."""

    import weasyprint  # WeasyPrint (Pango, about 0.5 s) only where a PDF is made

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    # the objects the caller holds (a build's notebooks, ledger, libraries) sit out the collections that
    # WeasyPrint's many small objects set off: each would scan them all again (about 0.5 s in a build)
    gc.freeze()
    try:
        return weasyprint.HTML(string=svgs_as_images(markup), url_fetcher=offline_fetcher()).write_pdf()
    finally:
        gc.unfreeze()


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
