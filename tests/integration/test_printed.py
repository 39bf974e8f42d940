"""Every number a briefing prints comes from the run's results, and says so (issue 22).

Each printed number is tagged with a JSON pointer into the run's ``results.json`` (``data-key``) and the
divisor it was printed at (``data-divisor``; see ``stargate_report.present.printed``). This test reads a
built briefing back, English and German, for presets of each kind:

- every tagged number points at a value that exists in ``results.json`` and agrees with it to the
  precision printed (parsed with the language's separators, independently of the package's formatter);
- tagged text (a formula, a note, a statement) carries no number its results value does not have;
- no number is left in the text outside a tag, except in what is a reference rather than a figure: a
  citation (source ids, a source's date or page), the sources tables, the run's version and file hashes,
  the date the briefing was made, figure numbers, note references such as "(1)" and source lines (input ids), quotations (``.sr-quote``) and
  names of cited works (``<cite>``), years, and the term "24/7".
Charts are SVG drawn from the same tables (their data CSV is checked in test_briefing.py).
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from stargate_report.pipeline import build, run_request

#: number tokens: digits not glued to a word (GB200, P90, CO2 and ids like h100 are names, not figures)
NUMBER = re.compile(r"(?<![\w.,\-/])[−-]?\d[\d.,]*")
#: containers whose digits are references, not figures (see the module docstring)
EXEMPT = ["script", "style", "svg", "head", "time", ".sr-quote", "cite", ".sr-cite", ".sr-source", ".sr-csv",
          ".sr-sources", ".sr-run", ".sr-generated", ".sr-fignum", ".sr-ref", ".sr-toc", "nav"]
#: not figures: the term "24/7", the power of ten of a number in scientific notation (its mantissa is tagged),
#: and a year (a bare four-digit number: a formatted figure of 1,000 or more has a thousands separator)
NOT_FIGURES = re.compile(r"24/7|× 10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+|(?<![\w.,])(?:19|20)\d\d(?![\d.,]\d)")


def parse_number(token: str, lang: str) -> float:
    token = token.replace("−", "-").rstrip(".,")
    if lang == "de":
        token = token.replace(".", "").replace(",", ".")
    else:
        token = token.replace(",", "")
    return float(token)


def readings(text: str) -> set[float]:
    """Every value the numbers of a text can be read as (English or German separators, any position)."""
    out = set()
    for tok in re.findall(r"\d[\d.,]*", text):
        for lang in ("en", "de"):
            try:
                out.add(round(parse_number(tok, lang), 9))
            except ValueError:
                pass
    return out


def decimals(token: str, lang: str) -> int:
    sep = "," if lang == "de" else "."
    token = token.rstrip(".,")
    return len(token.split(sep, 1)[1]) if sep in token else 0


def resolve(doc, key: str):
    """The value at a JSON pointer (RFC 6901) of ``doc``."""
    assert key.startswith("/"), key
    node = doc
    for part in key[1:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(part)]
        else:
            assert part in node, f"{key}: no {part!r} in results.json"
            node = node[part]
    return node


def check_printed(markup: str, results: dict, lang: str) -> tuple[int, list[str]]:
    """Check one briefing's HTML against its results; returns (tagged numbers checked, problems)."""
    soup = BeautifulSoup(markup, "html.parser")
    for sel in EXEMPT:
        for el in soup.select(sel):
            el.decompose()
    problems, checked = [], 0
    for el in soup.select("[data-key]"):
        key, text = el["data-key"], el.get_text()
        try:
            target = resolve(results, key)
        except (AssertionError, IndexError, ValueError, KeyError) as exc:
            problems.append(f"{key}: not in results.json ({exc})")
            el.decompose()
            continue
        if "num" in el.get("class", []):
            divisor = float(el["data-divisor"])
            printed = parse_number(text, lang)
            if isinstance(target, bool) or not isinstance(target, (int, float)) or not math.isfinite(target):
                problems.append(f"{key}: printed {text!r}, results hold {target!r}")
            else:
                shown = target / divisor
                # three significant digits or the decimals printed, whichever is coarser
                tol = max(0.5 * 10 ** -decimals(text, lang), 0.0051 * abs(shown)) + 1e-9 * abs(shown)
                if abs(printed - shown) > tol:
                    problems.append(f"{key}: printed {text!r} = {printed}, results {target} / {divisor} = {shown}")
            checked += 1
        else:  # tagged text (a note, its translation): no number the results' text does not have
            have = readings(str(target))
            for tok in NUMBER.findall(text):
                if not readings(tok) & have:
                    problems.append(f"{key}: printed number {tok!r} is not in its results text {str(target)[:80]!r}")
        el.decompose()
    rest = NOT_FIGURES.sub(" ", soup.get_text(" "))
    for m in NUMBER.finditer(rest):
        context = " ".join(rest[max(0, m.start() - 60):m.end() + 30].split())
        problems.append(f"untagged number {m.group()!r}: …{context}…")
    return checked, problems


@pytest.fixture(scope="module", params=["milam-county", "abilene", "stargate-10gw", "stargate-norway"])
def built(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("printed")
    req = run_request.make_request(preset=request.param, out_dir=out, formats="html", langs="en,de")
    result = build.run(req, warn=lambda msg: None)
    return request.param, Path(result.folder)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_every_printed_number_is_the_results_one(built, lang):
    preset, folder = built
    results = json.loads((folder / "data" / "results.json").read_text())
    checked, problems = check_printed((folder / f"briefing.{lang}.html").read_text(), results, lang)
    assert not problems, f"{preset} {lang}: {len(problems)} problems:\n" + "\n".join(problems[:60])
    assert checked >= 150, f"{preset} {lang}: only {checked} tagged numbers"


def test_the_check_finds_a_wrong_number_and_an_untagged_one():
    results = {"quantities": {"capex_usd": {"p50": 38.0e9}}}
    good = '<p>Capex <span class="num" data-key="/quantities/capex_usd/p50" data-divisor="1e9">38.0</span> bn</p>'
    assert check_printed(good, results, "en") == (1, [])
    wrong = good.replace(">38.0<", ">52.0<")
    assert "printed '52.0'" in check_printed(wrong, results, "en")[1][0]
    assert "untagged number '14'" in check_printed(good + "<p>plus USD 14 bn of supply</p>", results, "en")[1][0]
    german = good.replace(">38.0<", ">38,0<")
    assert check_printed(german, results, "de") == (1, [])
    missing = good.replace("capex_usd", "opex_usd")
    assert "not in results.json" in check_printed(missing, results, "en")[1][0]
