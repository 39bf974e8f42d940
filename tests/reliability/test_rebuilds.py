"""Rebuilds into a run folder that already exists: what the user put there stays, other languages' and
formats' outputs stay, nothing outside --out is touched, the cache serves only what it can verify.

The chapters' kernels and the renderers are replaced by fakes (these tests are about files, not briefings):
``execute_all`` writes the data and one executed notebook per language, ``render_languages`` returns
bytes naming the language and format; the merge of the notebooks is the real one."""
from __future__ import annotations

import json
import os
import time

import nbformat
import pytest

from stargate_report import folders
from stargate_report.cli.main import main
from stargate_report.exceptions import ParameterError
from stargate_report.pipeline import build, run_request


@pytest.fixture
def fake(monkeypatch, tmp_path):
    """Fake kernels and renderers; returns the list of the runs' executions (one entry per execute_all)."""
    books = tmp_path / "notebooks"
    books.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# one")]), str(books / "01_one.ipynb"))
    executed: list = []

    def execute_all(req, tmp, chapters, say, timings, kernels=None):
        executed.append(req.langs)
        (tmp / "data" / "results.json").write_text("{}")
        (tmp / "data" / "results.npz").write_bytes(b"PK")
        for lang in req.langs:
            (tmp / "notebooks" / lang).mkdir(parents=True)
            for nb in chapters:
                (tmp / "notebooks" / lang / nb.name).write_bytes(nb.read_bytes())
        return None

    def render_languages(merged, formats, timings, say, helpers, kernels):
        return {lang: {fmt: f"{lang}.{fmt} briefing".encode() for fmt in formats} for lang in merged}

    monkeypatch.setattr(build, "execute_all", execute_all)
    monkeypatch.setattr(build, "render_languages", render_languages)
    monkeypatch.setattr(run_request.datafiles, "bundled", _bundled(books, run_request.datafiles.bundled))
    return executed


def _bundled(books, real):
    def bundled(name):
        return books if name == "notebooks" else real(name)

    return bundled


def _run(out, *argv):
    return main(["run", "--out", str(out), "--name", "run", "--quiet", "-p", "samples=100", *argv])


def test_force_keeps_the_users_files(fake, tmp_path):
    out = tmp_path / "out"
    assert _run(out, "--format", "html") == 0
    (out / "run" / "notes.txt").write_text("precious")
    (out / "run" / "mine" / "deep").mkdir(parents=True)
    (out / "run" / "mine" / "deep" / "thesis.tex").write_text("precious too")
    assert _run(out, "--format", "html", "--force") == 0
    assert len(fake) == 2  # rebuilt
    assert (out / "run" / "notes.txt").read_text() == "precious"
    assert (out / "run" / "mine" / "deep" / "thesis.tex").read_text() == "precious too"
    assert (out / "run" / "briefing.en.html").read_bytes() == b"en.html briefing"


def test_another_language_keeps_the_first_ones_briefing(fake, tmp_path):
    out = tmp_path / "out"
    assert _run(out) == 0
    assert _run(out, "--lang", "de") == 0
    run = out / "run"
    for name in ("briefing.en.html", "briefing.en.pdf", "briefing.de.html", "briefing.de.pdf"):
        assert (run / name).is_file(), name
    assert (run / "notebooks" / "en" / "01_one.ipynb").is_file() and (run / "notebooks" / "de" / "01_one.ipynb").is_file()
    manifest = json.loads((run / "manifest.json").read_text())
    assert {"briefing.en.html", "briefing.en.pdf", "briefing.de.html", "briefing.de.pdf"} <= set(manifest["files"])
    assert _run(out, "--lang", "de") == 0 and len(fake) == 2  # the cache: de unchanged
    assert _run(out) == 0 and len(fake) == 3  # en was not the last run's request: built again, de kept
    assert (run / "briefing.de.pdf").is_file()
    assert _run(out, "--format", "html") == 0
    assert (run / "briefing.en.pdf").is_file()  # one format never deletes another's output


def test_a_cache_hit_checks_the_outputs_hashes(fake, tmp_path):
    out = tmp_path / "out"
    assert _run(out, "--format", "html") == 0
    manifest = json.loads((out / "run" / "manifest.json").read_text())
    assert len(manifest["sha256"]["briefing.en.html"]) == 64
    (out / "run" / "briefing.en.html").write_bytes(b"en.html brief")  # cut short after the build
    assert _run(out, "--format", "html") == 0
    assert (out / "run" / "briefing.en.html").read_bytes() == b"en.html briefing"
    assert len(fake) == 1 or len(fake) == 2  # (re-rendered from the kept notebooks, or built again)
    assert _run(out, "--format", "html") == 0  # now verified: served
    assert json.loads((out / "run" / "manifest.json").read_text())["sha256"] == manifest["sha256"]


def test_distinct_names_get_distinct_folders():
    slugs = {run_request.run_slug(n) for n in ("Straße 東京", "Straße 大阪", "Straße")}
    assert len(slugs) == 3 and all(s.startswith("strasse") for s in slugs)
    assert run_request.run_slug("日本 1") != run_request.run_slug("1") != run_request.run_slug("中国 1")
    assert run_request.run_slug("Straße 東京") == run_request.run_slug("Straße 東京")  # stable
    assert run_request.run_slug("Über Tage") == "ueber-tage"  # (nothing dropped: no hash)


def test_a_symlinked_failed_folder_is_not_followed(fake, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    (out / "run.failed").symlink_to(elsewhere)
    with pytest.raises(ParameterError, match="symbolic link"):
        build.run(run_request.make_request(out_dir=out, formats="html", name="run"), warn=lambda m: None)
    assert sorted(p.name for p in elsewhere.iterdir()) == ["keep.txt"] and not fake


def test_old_folders_of_killed_swaps_are_removed(fake, tmp_path):
    out = tmp_path / "out"
    assert _run(out, "--format", "html") == 0
    dead = out / ".run.old-123-456"  # a run killed between its two renames
    (dead / "data").mkdir(parents=True)
    past = time.time() - folders.STALE_AFTER_S - 1
    os.utime(dead, (past, past))
    assert _run(out, "--format", "html", "--force") == 0
    assert not dead.exists()


def test_nulls_in_a_manifest_are_a_rebuild_not_a_traceback(fake, tmp_path, capsys):
    out = tmp_path / "out"
    assert _run(out, "--format", "html") == 0
    manifest = out / "run" / "manifest.json"
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**{k: None for k in data}, "package": "stargate-report"}))
    assert _run(out, "--format", "html") == 0
    assert len(fake) == 2 and json.loads(manifest.read_text())["files"] == ["briefing.en.html"]


def test_a_truncated_manifest_does_not_block_a_rebuild(fake, tmp_path, capsys):
    out = tmp_path / "out"
    assert _run(out, "--format", "html") == 0
    manifest = out / "run" / "manifest.json"
    manifest.write_text(manifest.read_text()[:40])  # a full disk, a killed copy
    assert _run(out, "--format", "html", "--force") == 0, capsys.readouterr().err
    assert json.loads(manifest.read_text())["package"] == "stargate-report"


@pytest.mark.parametrize("damage", ["truncated", "another format"])
def test_a_damaged_kept_notebook_is_executed_again(fake, tmp_path, capsys, damage):
    """A run that only re-renders (formats changed) reads the kept executed notebooks; one cut short, or in
    a format nbformat does not read, raised NotJSONError."""
    out = tmp_path / "out"
    assert _run(out, "--format", "html") == 0
    kept = out / "run" / "notebooks" / "en" / "01_one.ipynb"
    kept.write_text(kept.read_text()[:30] if damage == "truncated" else "cells:\n  - one\n")
    assert _run(out, "--format", "html,pdf") == 0, capsys.readouterr().err
    assert len(fake) == 2 and nbformat.read(str(kept), as_version=4).cells


def test_links_in_the_run_folder_are_carried_not_followed(fake, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("precious")
    out = tmp_path / "out"
    assert _run(out, "--format", "html") == 0
    (out / "run" / "link").symlink_to(elsewhere)
    assert _run(out, "--format", "html", "--force") == 0
    assert (out / "run" / "link").is_symlink() and os.readlink(out / "run" / "link") == str(elsewhere)
    assert sorted(p.name for p in elsewhere.iterdir()) == ["keep.txt"]


def test_damaged_results_are_computed_again_not_reused(fake, tmp_path):
    """A re-render reuses the kept data/results.npz; one with the wrong arrays (KeyError in the chapters)
    or cut short is not reused: the run is executed again."""
    out = tmp_path / "out"
    assert _run(out, "--format", "html") == 0
    (out / "run" / "data" / "results.npz").write_bytes(b"PK\x03\x04 other arrays")
    assert _run(out, "--format", "html,pdf") == 0
    assert len(fake) == 2
