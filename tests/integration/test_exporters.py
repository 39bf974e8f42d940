"""The PDF renderer is offline: data: resources are drawn, every other URL is refused without a network call."""
from __future__ import annotations

import base64
import io
import re
import socket

import pytest

from stargate_report.pipeline import publish
from stargate_report.render.exporters import html_to_pdf
from stargate_report.runtime import kernels as warm_kernels

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
       '<rect width="40" height="20" fill="#123456"/></svg>')


#: the rectangle's fill #123456 as the PDF content stream writes it (RGB fractions)
FILL = b"0.070588 0.203922 0.337255 rg"


def _content(pdf: bytes) -> bytes:
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()


@pytest.fixture
def no_network(monkeypatch):
    """Sockets that record every attempt (WeasyPrint catches a fetcher's errors, so raising alone would
    hide an attempt); the test asserts the record is empty."""
    attempts: list = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access while rendering the PDF")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_a_data_image_is_drawn(no_network):
    data = "data:image/svg+xml;base64," + base64.b64encode(SVG.encode()).decode()
    with_image = html_to_pdf(f'<html><body><p>chart</p><img src="{data}"></body></html>')
    without = html_to_pdf("<html><body><p>chart</p></body></html>")
    assert FILL in _content(with_image) and FILL not in _content(without)


def test_other_urls_are_refused_and_the_pdf_is_still_made(no_network, tmp_path):
    image = tmp_path / "chart.svg"
    image.write_text(SVG)  # a file WeasyPrint would draw if file: URLs were allowed
    pdf = html_to_pdf('<html><head><link rel="stylesheet" href="https://example.com/a.css"></head><body>'
                      f'<p>text</p><img src="http://example.com/a.png"><img src="{image.as_uri()}"></body></html>')
    assert pdf.startswith(b"%PDF") and FILL not in _content(pdf)
    assert no_network == []  # not even a name lookup


def test_inline_svgs_become_svg_images_with_their_mixed_case_names_back(no_network):
    from stargate_report.render.exporters import svgs_as_images

    # as the HTML serialisation writes an SVG chart: mixed-case names in lower case
    inline = ('<p>before</p><div class="sr-chart"><svg class="marks" width="40" height="20" viewbox="0 0 40 20" '
              'xmlns="http://www.w3.org/2000/svg" aria-label="A chart"><defs><lineargradient id="g" '
              'gradientunits="userSpaceOnUse"><stop offset="0" stop-color="#123456"/></lineargradient></defs>'
              '<rect width="40" height="20" fill="#123456"/></svg></div><p>after</p>')
    out = svgs_as_images(inline)
    assert out.startswith("<p>before</p>") and out.endswith("</div><p>after</p>") and "<svg" not in out
    src = re.search(r'<img class="sr-svg" alt="A chart" src="data:image/svg\+xml;base64,([^"]+)">', out)
    svg = base64.b64decode(src.group(1)).decode()
    assert 'viewBox="0 0 40 20"' in svg and "<linearGradient" in svg and "</linearGradient>" in svg
    assert 'gradientUnits="userSpaceOnUse"' in svg and 'stop-color="#123456"' in svg  # others untouched
    assert svgs_as_images("<p>no chart</p>") == "<p>no chart</p>"
    nested = '<svg width="9" height="9"><svg width="4" height="4"></svg><rect width="9" height="9"/></svg>'
    assert svgs_as_images(nested) == nested
    # and WeasyPrint draws it, as vectors
    assert FILL in _content(html_to_pdf(f"<html><body>{inline}</body></html>"))


def test_briefing_html_keeps_svg_names_and_gives_images_alt_text():
    import nbformat

    from stargate_report.render.exporters import BriefingHTMLExporter

    svg = SVG.replace('height="20">', 'height="20" viewBox="0 0 40 20">')
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Title\n\n![](data:image/png;base64,iVBORw0KGgo=)"),
        nbformat.v4.new_code_cell("chart", outputs=[nbformat.v4.new_output(
            "display_data", data={"text/html": f'<div class="sr-chart">{svg}</div>'})]),
    ])
    nb.metadata["stargate"] = {"lang": "en", "title": "T"}
    markup, _ = BriefingHTMLExporter().from_notebook_node(nb)
    assert 'viewBox="0 0 40 20"' in markup  # not lower-cased by a re-serialisation
    images = re.findall(r"<img\b[^>]*>", markup)
    assert images and all('alt="' in tag for tag in images)
    assert 'id="Title"' in markup and "<script" not in markup


def _tiny_book(text: str):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {text}")])
    nb.metadata["stargate"] = {"lang": "en", "title": text}
    return nb


def _page_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_later_languages_pdfs_are_made_by_a_helper_process(monkeypatch):

    submitted = []
    real = publish._submit

    def spy(pool, fn, *args):
        future = real(pool, fn, *args)
        submitted.append(future)
        return future

    monkeypatch.setattr(publish, "_submit", spy)
    out = publish.render_languages({"en": _tiny_book("Alpha"), "de": _tiny_book("Beta")}, ("html", "pdf"), helpers=1)
    assert len(submitted) == 1 and submitted[0] is not None and submitted[0].done()  # only the second language
    assert submitted[0].result() == out["de"]["pdf"]  # the helper's PDF is the one kept
    assert "Alpha" in _page_text(out["en"]["pdf"]) and "Beta" in _page_text(out["de"]["pdf"])
    assert b"Beta" in out["de"]["html"]


def test_without_a_helper_every_pdf_is_made_here(monkeypatch):
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool


    def dead(pool, fn, *args):  # the helper died with the PDF
        future = Future()
        future.set_exception(BrokenProcessPool("helper died"))
        return future

    monkeypatch.setattr(publish, "_submit", dead)
    timings: dict = {}
    out = publish.render_languages({"en": _tiny_book("Alpha"), "de": _tiny_book("Beta")}, ("pdf",), timings, helpers=1)
    assert "Beta" in _page_text(out["de"]["pdf"]) and "html" not in out["de"]
    assert timings["pdf_s"] > 0 and timings["html_s"] > 0
    serial = publish.render_languages({"en": _tiny_book("Alpha")}, ("html", "pdf"), helpers=0)
    assert "Alpha" in _page_text(serial["en"]["pdf"])


def test_a_batch_workers_pdf_helpers_stay_warm_across_runs_and_a_dead_one_is_replaced():
    import os
    import signal


    shared = warm_kernels.SharedKernels()  # what a batch worker keeps across its runs
    books = {"en": _tiny_book("Alpha"), "de": _tiny_book("Beta")}
    try:
        publish.render_languages(books, ("pdf",), helpers=1, shared=shared)
        pool = shared.render_pool
        pids = set(pool._processes)
        second = publish.render_languages(books, ("pdf",), helpers=1, shared=shared)
        assert shared.render_pool is pool and set(pool._processes) == pids  # the same helper, not a new one
        assert "Beta" in _page_text(second["de"]["pdf"])
        for pid in pids:  # the helper dies between runs
            os.kill(pid, signal.SIGKILL)
        pool._executor_manager_thread.join(timeout=30)  # it notices (the pool is broken for good)
        third = publish.render_languages(books, ("pdf",), helpers=1, shared=shared)
        assert "Beta" in _page_text(third["de"]["pdf"])
        assert shared.render_pool is not pool and not set(shared.render_pool._processes) & pids  # replaced
    finally:
        shared.close()
    assert shared.render_pool is None
