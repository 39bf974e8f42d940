"""The built briefing: offline HTML, Chromium DOM, PDF text, outline and vector charts; faults.

These tests build real briefings (kernels start), so they are marked slow.
"""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from stargate_report.exceptions import ChapterError
from stargate_report.pipeline import build, run_request

from .prose import english_lines

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def bilingual(tmp_path_factory):
    """English and German HTML and PDF from one run, started from a relative output folder in another cwd."""
    import os

    here = tmp_path_factory.mktemp("cwd")
    before = Path.cwd()
    os.chdir(here)
    try:
        req = run_request.make_request(out_dir="out", formats="html,pdf", langs="en,de")
        result = build.run(req, warn=lambda msg: None)
        cwd_after = Path.cwd()
    finally:
        os.chdir(before)
    return here, result, cwd_after


def test_both_languages_get_their_pdf(bilingual):
    from pypdf import PdfReader

    firsts = {lang: PdfReader(str(bilingual[1].folder / f"briefing.{lang}.pdf")).pages[0].extract_text()
              for lang in ("en", "de")}
    assert "Generated" in firsts["en"] and "Erstellt" not in firsts["en"] and "Erstellt am" in firsts["de"]


def test_the_table_of_contents_fits_on_the_title_page(bilingual):
    from pypdf import PdfReader

    for lang in ("en", "de"):
        pages = PdfReader(str(bilingual[1].folder / f"briefing.{lang}.pdf")).pages
        assert "....." in pages[0].extract_text()  # the contents, with leaders to page numbers
        assert "....." not in pages[1].extract_text()  # none spilled onto page 2: the first chapter starts there


def test_the_appendix_shows_the_parameters_in_the_briefings_language(bilingual):
    from stargate_report.model.scenario import preset_scenario
    from stargate_report.present.subject import display_title

    markup = (bilingual[1].folder / "briefing.de.html").read_text()
    table = markup[markup.index(">Parameter dieses Laufs</h"):]  # the heading, not its line in the contents
    table = table[:table.index("</table>")]
    assert html.escape(display_title("milam-county", preset_scenario("milam-county"), "de"), quote=False) in table
    assert "nicht gesetzt" in table and ">none<" not in table
    # numbers as given in German format, yes/no in words, the seed without thousands separators
    assert ">0,9<" in table and ">nein<" in table and ">ja<" in table and ">20260109<" in table
    assert not re.search(r">(True|False|0\.9|20\.260\.109)<", table)


def test_sites_and_chips_are_named_in_the_briefings_language(bilingual):
    de = (bilingual[1].folder / "briefing.de.html").read_text()
    en = (bilingual[1].folder / "briefing.en.html").read_text()
    assert "Stargate Norway (Kvandal bei Narvik, Norwegen)" in de and "near Narvik" not in de
    assert "Stargate UAE (Abu Dhabi, Vereinigte Arabische Emirate)" in de
    assert "Stargate Norway (Kvandal near Narvik, Norway)" in en
    assert "NVIDIA GB200 NVL72 (pro Blackwell-GPU)" in de and "(per Blackwell GPU)" in en


def test_the_german_appendix_derives_and_rates_in_german(bilingual):
    de = (bilingual[1].folder / "briefing.de.html").read_text()
    table = de[de.index(">Wie jede Zahl hergeleitet wurde</h"):]
    table = re.sub(r"<[^>]+>", "", table[:table.index("</table>")])
    # the formula is the expression that ran; its note is in German
    assert "solar_mw_per_mw_load * facility_power_avg_mw (günstigste Auslegung)" in table
    assert "least-cost sizing" not in table
    assumptions = de[de.index(">Verwendete Annahmen</h"):]
    assumptions = assumptions[:assumptions.index("</table>")]
    assert ">Sekundärquelle<" in assumptions and ">unsicher<" in assumptions and ">Parameter<" in assumptions
    assert not re.search(r">(confirmed|uncertain|derived|parameter)", assumptions)


def test_a_build_leaves_the_callers_working_directory_alone(bilingual):
    here, result, cwd_after = bilingual
    assert cwd_after == here
    assert result.folder == here / "out" / "milam-county"
    assert sorted(p.name for p in (here / "out").iterdir()) == ["milam-county"]


@pytest.mark.parametrize("lang,title,verdict,number", [
    ("en", "The deal and the programme", "not supported", "1.20 GW"),
    ("de", "Das Geschäft und das Programm", "nicht belegt", "1,20 GW"),
])
def test_deal_chapter_in_both_languages(bilingual, lang, title, verdict, number):
    text = re.sub(r"<[^>]+>", " ", (bilingual[1].folder / f"briefing.{lang}.html").read_text())
    assert title in text and verdict in text and number in text
    assert "„Europa und Japan“" in text  # the article's words are quoted in German in both briefings


def test_the_document_title_is_the_preset_title_in_the_briefings_language(bilingual):
    from stargate_report.model.scenario import preset_scenario
    from stargate_report.present.subject import display_title

    titles = {lang: display_title("milam-county", preset_scenario("milam-county"), lang) for lang in ("en", "de")}
    for lang, title in titles.items():
        markup = (bilingual[1].folder / f"briefing.{lang}.html").read_text()
        assert html.unescape(re.search(r"<title>([^<]*)</title>", markup).group(1)) == title
        assert html.unescape(re.sub(r"<[^>]+>", "", re.search(r'class="sr-doc-title[^"]*">(.*?)</h1>', markup).group(1))) == title
    assert titles["de"] != titles["en"]


def test_both_languages_have_the_same_figures(bilingual):
    counts = {lang: (bilingual[1].folder / f"briefing.{lang}.html").read_text().count('<figure class="sr-figure"')
              for lang in ("en", "de")}
    assert counts["en"] == counts["de"] >= 5


def test_output_layout_and_manifest(briefing):
    folder = briefing.folder
    for name in ("briefing.en.html", "briefing.en.pdf", "manifest.json", "data/ledger.csv", "data/results.json"):
        assert (folder / name).is_file(), name
    assert len(list((folder / "notebooks" / "en").glob("*.ipynb"))) == len(run_request.chapters())
    m = json.loads((folder / "manifest.json").read_text())
    assert m["parameters"]["capacity_fact"] == "milam-capacity" and m["version"]
    assert "assumptions.csv" in m["data_files"] and m["timings_s"]["total_s"] > 0
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no temporary folders left


def test_html_makes_no_network_request(briefing):
    markup = (briefing.folder / "briefing.en.html").read_text()
    # a web address only as a link the reader may click (the sources' pages); nothing the page loads
    fetching = re.findall(r'<(\w+)\b[^>]*?\b(?:src|href|srcset|data|poster|action)\s*=\s*["\']?\s*(?:https?:|//)',
                          markup, flags=re.I)
    assert {tag.lower() for tag in fetching} <= {"a"}, fetching
    assert not re.search(r'url\(\s*["\']?\s*(?:https?:|//)', markup, flags=re.I)  # CSS backgrounds, fonts
    assert "<script src" not in markup and "@import" not in markup
    assert "cdn" not in " ".join(re.findall(r'<(?:script|link)[^>]*>', markup)).lower()


def test_sources_are_links_and_citations_lead_to_them(briefing):
    from stargate_report.catalog.sources import load_sources
    from stargate_report.present.tables import KNOWLEDGE_ANCHOR, SOURCE_ANCHOR

    markup = (briefing.folder / "briefing.en.html").read_text()
    results = json.loads((briefing.folder / "data" / "results.json").read_text())
    model_sources = {s for q in results["assumptions"].values() for s in q["sources"]}
    reg = load_sources()
    for sid in model_sources:  # the appendix: every source of the model's inputs, its address a link
        row = re.search(rf'<tr id="{SOURCE_ANCHOR}-{re.escape(sid)}">(.*?)</tr>', markup, flags=re.S)
        assert row, sid
        assert f'<a href="{html.escape(reg[sid].url)}">' in row.group(1)
    cited = re.findall(rf'<a href="#({KNOWLEDGE_ANCHOR}-[^"]+)">', markup)
    assert len(cited) > 10  # the deal chapter's facts cite their sources...
    targets = set(re.findall(r'\bid="([^"]+)"', markup))
    internal = set(re.findall(r'href="#([^"]+)"', markup))
    assert internal - targets == set()  # ...and every link inside the briefing (these, the contents) has its target

    from pypdf import PdfReader  # the PDF keeps both: web links, and citations that jump to their source

    reader = PdfReader(str(briefing.folder / "briefing.en.pdf"))
    uris, jumps = set(), 0
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            action = annot.get("/A")
            if action is not None and action.get("/URI"):
                uris.add(str(action["/URI"]))
            elif annot.get("/Dest") is not None or (action is not None and action.get("/D") is not None):
                jumps += 1
    assert {reg[s].url for s in model_sources} <= uris
    assert jumps >= len(cited)


def test_html_has_title_toc_figures_without_input_cells(briefing):
    markup = (briefing.folder / "briefing.en.html").read_text()
    assert 'class="sr-toc"' in markup and "Executive summary" in markup
    figures = re.findall(r'<figure class="sr-figure"', markup)
    numbers = re.findall(r'class="sr-fignum"[^>]*>Figure (\d+)\.', markup)
    assert len(figures) >= 3 and numbers == [str(i + 1) for i in range(len(figures))]
    assert "open_chapter(" not in markup  # no input cells
    assert markup.count('href="data:text/csv') == len(figures)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (the README's test command installs it)")
def test_chromium_renders_every_chart_as_svg_offline(briefing, tmp_path):
    html_file = briefing.folder / "briefing.en.html"
    out = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
         "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND", "--dump-dom", html_file.as_uri()],
        capture_output=True, text=True, timeout=120)
    dom = out.stdout
    assert out.returncode == 0 and "</html>" in dom
    figures = dom.count('class="sr-figure"')
    charts = re.findall(r'<div class="sr-chart"><svg[^>]*>', dom)
    assert figures >= 3 and len(charts) == figures
    assert dom.count("<text") > 20  # axis labels are rendered text


def test_pdf_has_toc_page_numbers_titles_numbers_and_vector_charts(briefing):
    from pypdf import PdfReader

    from stargate_report.model.ledger import Results
    from stargate_report.present import formatting

    reader = PdfReader(str(briefing.folder / "briefing.en.pdf"))
    assert len(reader.pages) >= 4
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4
    text = "\n".join(p.extract_text() for p in reader.pages)
    flat = re.sub(r"\s+", " ", text)
    for title in ("Contents", "Executive summary", "Compute and power", "Appendix"):
        assert title in flat
    n = len(reader.pages)
    assert f"2 / {n}" in flat and f"{n} / {n}" in flat  # page numbers
    outline = [o.title for o in reader.outline if not isinstance(o, list)]
    assert "Executive summary" in outline
    res = Results.load(briefing.folder / "data" / "results")
    for qid in ("facility_power_mw", "annual_energy_mwh", "capex_usd"):
        assert formatting.quantity(res[qid]) in flat, qid
    for page in reader.pages:  # charts are vector: no raster images anywhere
        xobjects = page.get("/Resources", {}).get("/XObject", {})
        assert not any(x.get_object().get("/Subtype") == "/Image" for x in xobjects.values())


def test_notebooks_in_the_repo_carry_no_outputs():
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text())
        tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, path.name
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, path.name


def test_nbconvert_entry_points(briefing, tmp_path):
    executed = next((briefing.folder / "notebooks" / "en").glob("01_*.ipynb"))
    for exporter, ext in (("stargate_html", "html"), ("stargate_pdf", "pdf")):
        out = subprocess.run(["jupyter", "nbconvert", "--to", exporter, str(executed), "--output-dir", str(tmp_path)],
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
        produced = tmp_path / f"{executed.stem}.{ext}"
        assert produced.is_file() and produced.stat().st_size > 1000


def test_failing_chapter_is_named_kept_and_does_not_replace_the_good_briefing(tmp_path):
    books = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", books)
    out = tmp_path / "output"
    good = run_request.make_request(out_dir=out, formats="html", name="run")
    good.notebooks_dir = books
    build.run(good, warn=lambda msg: None)
    before = (out / "run" / "briefing.en.html").read_bytes()
    nb = json.loads((books / "03_compute_power.ipynb").read_text())
    nb["cells"][3]["source"] = "raise RuntimeError('boom in the power chapter')"
    (books / "03_compute_power.ipynb").write_text(json.dumps(nb))
    bad = run_request.make_request(out_dir=out, formats="html", name="run")
    bad.notebooks_dir = books
    with pytest.raises(ChapterError) as err:
        build.run(bad, warn=lambda msg: None)
    msg = str(err.value)
    assert "chapter '03_compute_power'" in msg and "cell 5" in msg and "RuntimeError: boom" in msg
    assert (out / "run" / "briefing.en.html").read_bytes() == before  # earlier good briefing intact
    kept = out / "run.failed" / "en" / "03_compute_power.ipynb"
    assert kept.is_file() and "boom in the power chapter" in kept.read_text()
    assert sorted(p.name for p in out.iterdir()) == ["run", "run.failed"]  # no temporary folders left


def test_regional_figure_names_every_region_it_plots(briefing):
    markup = (briefing.folder / "briefing.en.html").read_text()
    spans = re.findall(r'<span class="sr-source"([^>]*)>(.*?)</span>', markup)
    attrs, line = next(s for s in spans if "grid.ae" in s[1])
    title = re.search(r'title="([^"]*)"', attrs).group(1)
    sources = re.search(r'data-sources="([^"]*)"', attrs).group(1)
    for region in ("us-tx", "us", "de", "jp", "no", "es", "ae"):
        assert f"grid.{region}" in line
    assert "co2js-ember" in sources.split(";") and "co2js-ember" in title


def test_executed_chapters_point_at_the_run_ledger_relatively(briefing):
    nb = json.loads(next((briefing.folder / "notebooks" / "en").glob("01_*.ipynb")).read_text())
    injected = next(c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", []))
    assert 'results_path = "../../data/results"' in "".join(injected["source"])
    assert (briefing.folder / "notebooks" / "en" / "../../data/results.json").resolve().is_file()


def test_summary_investment_prose_follows_the_fact(briefing):
    text = re.sub(r"<[^>]+>", "", (briefing.folder / "briefing.en.html").read_text())
    assert "What USD 1 bn buys." in text
    assert "OpenAI and SoftBank Group are each investing USD 500 million into SB Energy" in text


def test_manifest_records_knowledge_date_and_the_source_age_warning(briefing):
    m = json.loads((briefing.folder / "manifest.json").read_text())
    assert m["knowledge_as_of"] == "2026-11-01"
    # the line of the day the briefing was built (none while every current source is recent enough)
    assert m["source_age_warning"] == build.source_age_warning(run_request.DEFAULT_MAX_SOURCE_AGE_DAYS)
    assert "pvmag-sbe-2019" not in (m["source_age_warning"] or "")  # the record of a 2019 purchase


def test_source_age_warning_is_configurable():
    import datetime as dt

    line = build.source_age_warning(365, today=dt.date(2026, 11, 29))
    assert "openai-stargate-2025 (2025-01-21)" in line and "older than 365 days" in line
    assert "finanznachrichten-sbe-japan" not in line and "pvmag-sbe-2019" not in line  # past events
    assert build.source_age_warning(730, today=dt.date(2026, 11, 29)) is None  # the default, today
    assert "openai-stargate-2025 (2025-01-21)" in build.source_age_warning(730, today=dt.date(2027, 6, 1))
    assert build.source_age_warning(100_000) is None


def _section(markup: str, chapter: str) -> str:
    start = markup.index(f'<h1 id="{chapter}"')
    end = markup.find("<h1 ", start + 10)
    return markup[start:end if end > 0 else None]


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)


def test_every_figure_has_number_caption_source_and_data(briefing):
    markup = (briefing.folder / "briefing.en.html").read_text()
    figures = re.findall(r'<figure class="sr-figure".*?</figure>', markup, flags=re.S)
    assert len(figures) >= 15
    for i, fig in enumerate(figures, start=1):
        assert f">Figure {i}.</span>" in fig
        caption = re.search(r"<figcaption>(.*?)</figcaption>", fig, flags=re.S).group(1)
        assert re.search(r"<strong>[^<]+\.</strong>\s+\S", caption)  # title and caption text
        assert re.search(r'class="sr-source"[^>]*>Source: [^<]+\.</span>', caption)
        assert 'href="data:text/csv;charset=utf-8,' in caption
        assert "<svg" in fig


def _numbers(text: str, lang: str) -> list[float]:
    tokens = re.findall(r"\d[\d.,]*", text)
    out = []
    for tok in tokens:
        tok = tok.rstrip(".,")
        tok = tok.replace(".", "").replace(",", ".") if lang == "de" else tok.replace(",", "")
        out.append(float(tok))
    return out


def test_english_and_german_show_the_same_numbers(bilingual):
    """The same results keys in the same order, and the same values once each is multiplied back by the
    divisor it was printed at (German shows hectares where English shows acres)."""
    spans = {}
    for lang in ("en", "de"):
        markup = (bilingual[1].folder / f"briefing.{lang}.html").read_text()
        spans[lang] = [(key, _numbers(html_unescape(text), lang)[0] * float(div)) for key, div, text in re.findall(
            r'<span class="num" data-key="([^"]+)" data-divisor="([^"]+)">([^<]*)</span>', markup)]
    assert [k for k, _ in spans["en"]] == [k for k, _ in spans["de"]]
    assert len(spans["en"]) >= 300
    for (key, en), (_, de) in zip(spans["en"], spans["de"]):
        assert de == pytest.approx(en, rel=0.01, abs=1e-9), key


def test_the_csv_behind_each_range_chart_reproduces_the_plotted_values(briefing):
    import csv
    import io
    import urllib.parse

    markup = (briefing.folder / "briefing.en.html").read_text()
    checked = 0
    for fig in re.findall(r'<figure class="sr-figure".*?</figure>', markup, flags=re.S):
        data = urllib.parse.unquote(re.search(r'href="data:text/csv;charset=utf-8,([^"]*)"', fig).group(1))
        rows = list(csv.DictReader(io.StringIO(html_unescape(data))))
        if not rows or not {"label", "p10", "p50", "p90"} <= set(rows[0]):
            continue
        plotted = [html_unescape(a) for a in re.findall(r'aria-label="([^"]*)"', fig)]
        for row in rows:
            label = row["label"]
            spans = [a for a in plotted if f"label: {label}" in a and "p10:" in a]
            assert spans, (label, plotted[:3])
            p10 = float(re.search(r"p10: ([-\d.e]+)", spans[0]).group(1))
            p90 = float(re.search(r"p90: ([-\d.e]+)", spans[0]).group(1))
            assert p10 == pytest.approx(float(row["p10"]), rel=1e-6, abs=1e-9)
            assert p90 == pytest.approx(float(row["p90"]), rel=1e-6, abs=1e-9)
            bars = [a for a in plotted if a.endswith(f"label: {label}") and "p10:" not in a]
            assert float(bars[0].split(": ")[1].split(";")[0]) == pytest.approx(float(row["p50"]), rel=1e-6, abs=1e-9)
        checked += 1
    assert checked >= 8


def test_web_addresses_in_the_pdf_read_as_they_are(bilingual):
    # a line break inside an address must not put a hyphen into it (German hyphenation made "htt-ps://")
    from pypdf import PdfReader

    from stargate_report.catalog.sources import load_sources

    reg = load_sources()
    folder = bilingual[1].folder
    results = json.loads((folder / "data" / "results.json").read_text())
    urls = {reg[s].url for q in results["assumptions"].values() for s in q["sources"]}
    for lang in ("en", "de"):
        text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(str(folder / f"briefing.{lang}.pdf")).pages))
        assert [u for u in urls if u not in text] == [], lang


def test_no_english_sentence_is_left_in_the_german_briefing(bilingual):
    folder = bilingual[1].folder
    assert english_lines((folder / "briefing.de.html").read_text()) == []
    assert len(english_lines((folder / "briefing.en.html").read_text())) > 50  # the heuristic does find English
