"""The briefing's layout, on paper and on screen: chart text of at least 8 pt, no near-empty page, no heading
left at the foot of a page, no figure shown twice, short table cells on one line, and a phone-width screen on
which nothing runs off the side and no word is broken.

The PDF is read as drawn: each text run's size is its font size times the scale of its text matrix and of every
transformation around it (the page's, and the chart's, which WeasyPrint draws as form XObjects), so a chart
shrunk to fit the page shows up as small text. These tests build a real briefing (kernels start): slow.
"""
from __future__ import annotations

import html
import json
import math
import re
import shutil
import subprocess
import urllib.parse
from pathlib import Path
from typing import NamedTuple

import pytest

from stargate_report.pipeline import build, run_request

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LANGS = ("en", "de")
MM = 72 / 25.4  # PDF points per millimetre
#: the page's text area (briefing.css: @page margins 22 mm top, 20 mm bottom) on A4 [pt from the bottom]
BODY_TOP, BODY_BOTTOM = (297 - 22) * MM, 20 * MM
#: the smallest chart text on paper [pt]
MIN_CHART_PT = 8.0
#: a page (but the title page, the summary's and the last) is at least this full: its lowest line this far down
MIN_FILL = 0.5
#: body text is 10 pt; headings are larger (h3 10.5, h2 12, h1 16 pt)
HEADING_PT = 10.4


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("layout")
    req = run_request.make_request(out_dir=out, formats="html,pdf", langs=",".join(LANGS))
    return build.run(req, warn=lambda msg: None).folder


class Run(NamedTuple):
    """One text-showing operation of a page: its baseline height [pt from the bottom], its size on paper
    [pt], and whether it is drawn inside a form XObject (a chart's text)."""
    y: float
    size: float
    chart: bool


def _mul(m, n):
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u)


def _walk(stream, resources, ctm, reader, runs: list[Run], depth: int) -> None:
    from pypdf.generic import ContentStream

    xobjects = resources.get("/XObject", {}) if resources else {}
    stack, size, tm = [], 0.0, (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    for operands, op in ContentStream(stream, reader).operations:
        if op == b"q":
            stack.append(ctm)
        elif op == b"Q":
            ctm = stack.pop()
        elif op == b"cm":
            ctm = _mul(tuple(float(v) for v in operands), ctm)
        elif op == b"Tf":
            size = float(operands[1])
        elif op == b"Tm":
            tm = tuple(float(v) for v in operands)
        elif op in (b"Td", b"TD"):
            tm = _mul((1, 0, 0, 1, float(operands[0]), float(operands[1])), tm)
        elif op in (b"TJ", b"Tj", b"'", b'"'):
            m = _mul(tm, ctm)
            runs.append(Run(m[5], size * math.sqrt(abs(m[0] * m[3] - m[1] * m[2])), depth > 0))
        elif op == b"Do":
            x = xobjects[operands[0]].get_object()
            if x.get("/Subtype") == "/Form":
                matrix = tuple(float(v) for v in x.get("/Matrix", (1, 0, 0, 1, 0, 0)))
                _walk(x, x.get("/Resources"), _mul(matrix, ctm), reader, runs, depth + 1)


def text_runs(pdf: Path) -> list[list[Run]]:
    """The text runs of each page of ``pdf``, with their size on paper."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    pages = []
    for page in reader.pages:
        runs: list[Run] = []
        _walk(page.get_contents(), page["/Resources"], (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), reader, runs, 0)
        pages.append(runs)
    return pages


def body_runs(runs: list[Run]) -> list[Run]:
    """The runs inside the text area (not the running head and page number in the margins)."""
    return [r for r in runs if BODY_BOTTOM <= r.y <= BODY_TOP]


def fill(runs: list[Run]) -> float:
    """How far down the text area a page's lowest line reaches (0: empty, 1: full)."""
    body = body_runs(runs)
    return (BODY_TOP - min(r.y for r in body)) / (BODY_TOP - BODY_BOTTOM) if body else 0.0


def chapter_pages(pdf: Path) -> list[int]:
    """The first page (0-based) of each level-one heading: the title, then the chapters."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    return [reader.get_destination_page_number(o) for o in reader.outline if not isinstance(o, list)]


@pytest.mark.parametrize("lang", LANGS)
def test_chart_text_prints_at_8_pt_or_more(folder, lang):
    pages = text_runs(folder / f"briefing.{lang}.pdf")
    charts = [r.size for runs in pages for r in runs if r.chart]
    assert len(charts) > 500  # the charts' labels are text, drawn inside form XObjects
    small = sorted({round(s, 2) for s in charts if s < MIN_CHART_PT})
    assert small == [], f"chart text below {MIN_CHART_PT} pt: {small}"


@pytest.mark.parametrize("lang", LANGS)
def test_no_page_is_near_empty(folder, lang):
    pdf = folder / f"briefing.{lang}.pdf"
    pages = text_runs(pdf)
    starts = chapter_pages(pdf)
    # a page may end short where a page break is forced: the title page (contents), the summary (the chapter
    # after it starts a page), the last page
    exempt = {0, starts[2] - 1, len(pages) - 1}
    short = {i + 1: round(fill(runs), 2) for i, runs in enumerate(pages) if i not in exempt and fill(runs) < MIN_FILL}
    assert short == {}, f"pages less than {MIN_FILL:.0%} full: {short}"
    assert len(pages) <= 38  # 35 (en) and 36 (de) pages with the result tables, the literature table and the wind land; each chapter used to leave its last page part empty


@pytest.mark.parametrize("lang", LANGS)
def test_no_page_ends_with_a_heading(folder, lang):
    pages = text_runs(folder / f"briefing.{lang}.pdf")
    for number, runs in enumerate(pages[1:], start=2):  # the title page ends with the contents' last line
        body = [r for r in body_runs(runs) if not r.chart]
        assert body, f"page {number} has no text"
        lowest = min(body, key=lambda r: r.y)
        assert lowest.size < HEADING_PT, f"page {number} ends with a heading ({lowest.size:.1f} pt)"


def figures(markup: str) -> list[dict]:
    """Each figure of a briefing: its id, its chart (SVG) and the data (CSV) behind it."""
    found = re.findall(r'<figure class="sr-figure" id="([^"]+)".*?(<svg\b.*?</svg>).*?'
                       r'href="data:text/csv;charset=utf-8,([^"]*)"', markup, re.S)
    return [{"id": fid, "svg": svg, "csv": urllib.parse.unquote(csv)} for fid, svg, csv in found]


@pytest.mark.parametrize("lang", LANGS)
def test_no_figure_is_shown_twice(folder, lang):
    figs = figures((folder / f"briefing.{lang}.html").read_text())
    assert len(figs) >= 15
    for key in ("svg", "csv"):
        seen: dict[str, str] = {}
        for fig in figs:
            assert fig[key] not in seen, f"{fig['id']} repeats {seen.get(fig[key])}"
            seen[fig[key]] = fig["id"]
    # nor the same quantities again (the summary's capital cost was the economics chapter's figure)
    rows: dict[frozenset, str] = {}
    for fig in figs:
        lines = fig["csv"].splitlines()
        if lines and lines[0].startswith("id,"):
            ids = frozenset(line.split(",", 1)[0] for line in lines[1:])
            assert ids not in rows, f"{fig['id']} charts the quantities of {rows.get(ids)}"
            rows[ids] = fig["id"]


def pdf_lines(pdf: Path) -> set[str]:
    """Every line of text on every page of ``pdf``, spaces normalised."""
    from pypdf import PdfReader

    chunks: list[str] = []
    for page in PdfReader(str(pdf)).pages:
        page.extract_text(visitor_text=lambda text, *args: chunks.append(text))
        chunks.append("\n")
    return {" ".join(line.split()) for line in "".join(chunks).split("\n")}


@pytest.mark.parametrize("lang", LANGS)
def test_short_table_cells_keep_to_one_line(folder, lang):
    markup = (folder / f"briefing.{lang}.html").read_text()
    cells = {" ".join(html.unescape(c).split()) for c in re.findall(r'<td class="sr-nowrap">([^<]*)</td>', markup)}
    verdicts = {"en": {"supported", "partly supported", "not supported"}, "de": {"belegt", "teilweise belegt", "nicht belegt"}}
    assert verdicts[lang] <= cells  # the claims' verdicts are such cells
    lines = pdf_lines(folder / f"briefing.{lang}.pdf")
    broken = sorted(c for c in cells if not any(c in line for line in lines))
    assert broken == [], f"short cells broken across lines in the PDF: {broken[:10]}"
    assert not any("suppor\u2010" in line or "bele\u2010" in line for line in lines)  # "suppor-ted", hyphenated


PROBE = """(function () {
  var vw = document.documentElement.clientWidth, out = [], all = document.querySelectorAll("body *");
  for (var i = 0; i < all.length; i++) {
    var el = all[i], r = el.getBoundingClientRect();
    if (el.closest(".sr-table-wrap") || el.closest("svg")) continue;
    if (r.width > 0 && r.right > vw + 1) out.push("wider than the screen: " + el.tagName + "." + el.className);
  }
  /* without leave to break inside a word (or to hyphenate), does any word stick out of its box? */
  var st = document.createElement("style");
  st.textContent = "*:not(a) { overflow-wrap: normal !important; word-break: normal !important; hyphens: manual !important; }";
  document.head.appendChild(st);
  var boxes = document.querySelectorAll("p, li, td, th, figcaption, h1, h2, h3, .sr-meta, .sr-kicker");
  for (var j = 0; j < boxes.length; j++) {
    if (boxes[j].scrollWidth > boxes[j].clientWidth + 1) out.push("a word wider than its box: " + boxes[j].textContent.trim().slice(0, 60));
  }
  document.body.setAttribute("data-probe", JSON.stringify(out));
})();"""


def probe(html_file: Path, width: int, tmp_path: Path) -> list[str]:
    """What sticks out at a screen ``width`` px wide: elements wider than the screen outside a table's
    scrolling wrapper, and words wider than the box they are in (which the browser would break)."""
    page = tmp_path / f"probe-{width}-{html_file.name}"
    page.write_text(html_file.read_text().replace("</body>", f"<script>{PROBE}</script></body>"))
    out = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
         "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND", f"--window-size={width},800",
         "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    found = re.search(r'data-probe="([^"]*)"', out.stdout)
    assert found, out.stderr[-2000:]
    return json.loads(html.unescape(found.group(1)))


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (the README's test command installs it)")
@pytest.mark.parametrize("lang", LANGS)
def test_a_phone_screen_breaks_no_word_and_scrolls_only_wide_tables(folder, lang, tmp_path):
    html_file = folder / f"briefing.{lang}.html"
    markup = html_file.read_text()
    assert "break-all" not in markup and markup.count('<div class="sr-table-wrap">') == markup.count("<table class=\"dataframe")
    for width in (360, 480):
        assert probe(html_file, width, tmp_path) == [], width
