"""Chapter notebooks stay thin: no numeric literal outside the parameters cell, no digits in prose."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from stargate_report.pipeline import run_request
from stargate_report.runtime import kernels as warm_kernels

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
#: numeric literals a chapter may use for structure (chart sizes and the like); none are needed today
ALLOWED_NUMBERS: set[float] = set()
#: tokens with digits that prose may contain
ALLOWED_TOKENS = ("24/7", "P10", "P50", "P90")


def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def numeric_literals(code: str) -> list[tuple[int, float]]:
    """(line, value) of every int, float or complex literal in ``code`` (booleans are not numbers)."""
    out = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, complex)) \
                and not isinstance(node.value, bool):
            out.append((node.lineno, node.value))
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_numeric_literal_outside_the_parameters_cell(path):
    nb = json.loads(path.read_text())
    for index, cell in enumerate(nb["cells"]):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] == "code" and "parameters" not in tags:
            found = [(line, v) for line, v in numeric_literals(_source(cell)) if v not in ALLOWED_NUMBERS]
            assert not found, f"{path.name} cell {index}: numeric literal(s) {found}; take numbers from the ledger"
        if cell["cell_type"] == "markdown":
            text = _source(cell)
            for token in ALLOWED_TOKENS:
                text = text.replace(token, "")
            assert not re.search(r"\d", text), f"{path.name} cell {index}: a digit in prose; use the catalogue"


def test_the_checker_catches_literals():
    assert numeric_literals("x = f(1.5)\ny = [2, 'a', True]") == [(1, 1.5), (2, 2)]
    assert numeric_literals("ch.para('k', samples=ch.num('param:samples'))") == []


@pytest.mark.slow
def test_a_kernel_pool_closed_before_any_job_leaves_no_kernel(tmp_path):
    from stargate_report.runtime.kernels import KernelPool

    pool = KernelPool(2, tmp_path, 60)
    assert len(pool.managers) == 2 and all(km.has_kernel for km in pool.managers)  # launched
    pool.close()  # as when the evaluation fails before the chapters
    assert not any(t.is_alive() for t in pool.threads)
    assert not any(km.has_kernel for km in pool.managers)  # shut down, not left running


def test_chapters_run_on_this_python_even_if_another_python3_kernelspec_is_installed(tmp_path, monkeypatch):
    import sys

    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    from stargate_report.runtime.kernels import this_python_kernels

    # a "python3" kernelspec of another environment, found first on the Jupyter path
    spec_dir = tmp_path / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({"argv": ["/opt/other-env/bin/python", "-m", "ipykernel_launcher",
                                                               "-f", "{connection_file}"],
                                                      "display_name": "Other", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    assert KernelSpecManager().get_kernel_spec("python3").argv[0] == "/opt/other-env/bin/python"  # what Jupyter picks
    spec = this_python_kernels().get_kernel_spec("python3")
    assert spec.argv[:3] == [sys.executable, "-m", "ipykernel_launcher"] and "{connection_file}" in spec.argv
    with pytest.raises(NoSuchKernel):
        this_python_kernels().get_kernel_spec("ir")


def test_x_axis_labels_are_centred_on_their_ticks():
    """The first and last labels of a continuous x axis are not flushed to its ends (they ran into their
    neighbours: '2,82,9' on the tornado)."""
    import re

    import pandas as pd

    from stargate_report.present import charts

    df = pd.DataFrame({"label": ["a", "b"], "at_low": [2.97, 3.23], "at_high": [3.96, 2.86], "base": [3.33, 3.33]})
    svg = charts.to_svg(charts.tornado(df, "E"), "de")
    start = svg.index('aria-label="X-axis')
    labels = svg[start:svg.index("role-axis-title", start)]
    anchors = re.findall(r'text-anchor="(\w+)"', labels)
    assert len(anchors) >= 5 and set(anchors) == {"middle"}


@pytest.mark.slow
def test_a_run_whose_evaluation_fails_shuts_its_kernels_down_before_it_raises(tmp_path, monkeypatch):
    from stargate_report.model import evaluate as model
    from stargate_report.pipeline import build

    pools = []
    real = warm_kernels.KernelPool.__init__

    def spy(self, *args, **kwargs):
        real(self, *args, **kwargs)
        pools.append(self)

    def broken(*args, **kwargs):
        raise RuntimeError("evaluation failed")

    monkeypatch.setattr(warm_kernels.KernelPool, "__init__", spy)
    monkeypatch.setattr(model, "evaluate", broken)
    with pytest.raises(RuntimeError, match="evaluation failed"):
        build.run(run_request.make_request(out_dir=tmp_path, formats="html"), warn=lambda msg: None)
    (pool,) = pools
    assert not any(t.is_alive() for t in pool.threads)  # waited for, not left shutting down
    assert not any(km.has_kernel for km in pool.managers)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # the run's folder is gone too


def test_pool_kernels_keep_no_input_history(tmp_path, monkeypatch):
    """Chapters' cells are not written to IPython's history database (a file in the user's profile that
    kernels side by side would contend for); the kernel is otherwise the usual IPython kernel."""
    import nbformat

    from stargate_report.runtime.kernels import KernelPool

    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "hm = get_ipython().history_manager\n"
        "open('probe.txt', 'w').write(str(hm.enabled))")])
    src = tmp_path / "probe.ipynb"
    nbformat.write(nb, src)
    (tmp_path / "out").mkdir()
    pool = KernelPool(1, tmp_path, 60)
    try:
        assert pool.run([("en", src, tmp_path / "out" / "probe.ipynb", {})], lambda msg: None) == []
    finally:
        pool.close()
    assert (tmp_path / "out" / "probe.txt").read_text() == "False"
    assert not list((tmp_path / "ipython").rglob("history.sqlite"))
