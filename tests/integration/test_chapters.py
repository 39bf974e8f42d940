"""Every chapter's code runs for presets that differ from the default (other regions, no solar profile).

The chapters are executed in-process (no kernel), against a ledger evaluated once per preset, so this
catches a chapter that assumes data only the default campus has. The kernel route is tested in
test_briefing.py.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from stargate_report.model.analyses import add_analysis_tables
from stargate_report.model.evaluate import add_supply_tables, evaluate
from stargate_report.model.scenario import resolve

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9]*.ipynb"))


@pytest.fixture(scope="module", params=["stargate-norway", "stargate-10gw"])
def ledger(request, tmp_path_factory):
    res = add_analysis_tables(add_supply_tables(evaluate(resolve(request.param), samples=300, supply=True)))
    stem = tmp_path_factory.mktemp(request.param) / "results"
    res.save(stem)
    return request.param, stem


@pytest.mark.parametrize("lang", ["en", "de"])
def test_every_chapter_runs(ledger, lang, capsys):
    preset, stem = ledger
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text())
        ns = {"preset": preset, "overrides": {}, "lang": lang, "results_path": str(stem)}
        for index, cell in enumerate(nb["cells"]):
            if cell["cell_type"] != "code" or "parameters" in cell["metadata"].get("tags", []):
                continue
            code = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            try:
                exec(compile(code, f"{path.name}[{index}]", "exec"), ns)
            except Exception as exc:  # pragma: no cover - the message is the point
                pytest.fail(f"{preset} {lang}: {path.name} cell {index}: {type(exc).__name__}: {exc}")
    capsys.readouterr()


def test_tables_get_column_widths_from_their_text():
    import pandas as pd

    from stargate_report.present.tables import column_widths_pct, table_html

    df = pd.DataFrame({"id": ["P1", "P22"], "source": ["IEA, Energy and AI (2025), table 2.1 on page 45", "EPRI"],
                       "value": ["1.20", "8.65"]})
    widths = column_widths_pct(df)
    assert sum(widths) == pytest.approx(100.0, abs=0.2)
    assert widths[1] > widths[0] + widths[2]  # prose gets the room
    assert min(widths) > 0
    markup = table_html(df)
    assert markup.count("<col ") == 3 and markup.index("<colgroup>") < markup.index("<thead>")
    assert column_widths_pct(df.iloc[:0]) and len(column_widths_pct(df.iloc[:0])) == 3  # header-only table


def test_a_chapter_started_away_from_its_run_says_where_it_looked(ledger, tmp_path, monkeypatch):
    """papermill runs the kernel in the folder it is started from: a chapter of output/<run>/notebooks/<lang>/
    re-run from elsewhere used to fail with a bare FileNotFoundError for '../../data/results.json'."""
    from stargate_report.exceptions import ParameterError
    from stargate_report.present.chapters import open_chapter

    preset, stem = ledger
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ParameterError, match=r"'results_path': '\.\./\.\./data/results'.*"
                                             + str(tmp_path).replace(".", r"\.") + r".*papermill --cwd"):
        open_chapter("summary", preset, lang="en", results_path="../../data/results")
    chapter = open_chapter("summary", preset, lang="en", results_path=str(stem))  # from anywhere, given in full
    assert chapter.results.scenario == json.loads(stem.with_suffix(".json").read_text())["scenario"]
