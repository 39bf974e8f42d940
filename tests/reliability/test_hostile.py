"""Hostile strings in a scenario title: escaped in the HTML (checked in Chromium's DOM), text in the PDF;
built into an output folder whose path is longer than a Unix socket's may be, with spaces and accents."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from stargate_report.pipeline import build, run_request

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOSTILE = ('<script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'"> '
           '**bold** {{ 7*7 }} {% raw %} "quotes" \'single\' \u202eRTL\u202c & < >\nsecond line')


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    # deep in a home directory, say: longer than a Unix socket's path may be (107 bytes), so the kernels'
    # sockets cannot live in the run's folder
    out = tmp_path_factory.mktemp("hostile") / ("Projekte ünd Berichte " + "x" * 40) / ("briefings " + "y" * 40)
    assert len(str(out).encode()) > 107
    req = run_request.make_request(out_dir=out, overrides={"title": HOSTILE, "samples": 200}, name="../../etc")
    return build.run(req, warn=lambda m: None)


def test_the_run_folder_stays_inside_the_output_folder(hostile):
    assert hostile.folder.name == "etc" and hostile.folder.parent.name.startswith("briefings ")
    assert hostile.folder.parent.parent.parent.name.startswith("hostile")


def test_the_html_escapes_everything(hostile):
    markup = (hostile.folder / "briefing.en.html").read_text()
    assert "<script>document.title" not in markup and "<img src=x" not in markup
    assert "&lt;script&gt;document.title" in markup
    assert "49" not in re.sub(r"<svg.*?</svg>", "", markup, flags=re.S).split("{{ 7*7 }}")[0][-20:]
    assert "{{ 7*7 }}" in markup and "{% raw %}" in markup  # shown as text, not evaluated by Jinja


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_no_script_runs_in_the_browser(hostile, tmp_path):
    out = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'p'}", "--dump-dom",
         (hostile.folder / "briefing.en.html").as_uri()], capture_output=True, text=True, timeout=120)
    dom = out.stdout
    assert "</html>" in dom
    assert "<title>pwned</title>" not in dom and "pwned</title>" not in dom.split("</head>")[0].split("<title>")[-1]
    assert not re.search(r"<script>document", dom) and not re.search(r"<img[^>]*onerror", dom)


def test_the_pdf_shows_the_strings_as_text(hostile):
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(str(hostile.folder / "briefing.en.pdf")).pages[:2])
    assert "<script>" in text and "{{ 7*7 }}" in text and "**bold**" in text
