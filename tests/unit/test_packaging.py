"""The package declares what it imports: pvlib was imported but not declared, so a new environment
(``pip install`` into a fresh venv) failed the default briefing while this machine, which had pvlib,
passed every test."""
from __future__ import annotations

import ast
import importlib.metadata as metadata
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements() -> tuple[set[str], set[str]]:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def names(reqs):
        return {_canonical(re.split(r"[<>=!~\[;\s]", r, maxsplit=1)[0]) for r in reqs}

    extras = set().union(*(names(v) for v in project.get("optional-dependencies", {}).values()))
    return names(project["dependencies"]), extras


def _imported_modules() -> dict[str, str]:
    """Top-level third-party modules the package's code imports -> one file that does."""
    found: dict[str, str] = {}
    for path in sorted((REPO / "stargate_report").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                tops = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops = [node.module.split(".")[0]]
            else:
                continue
            for top in tops:
                if top not in sys.stdlib_module_names and top != "stargate_report":
                    found.setdefault(top, str(path.relative_to(REPO)))
    return found


#: imported only for an optional feature, each from its extra (sweeps on a dask cluster)
OPTIONAL = {"dask", "distributed"}


def test_every_imported_library_is_a_declared_dependency():
    required, extras = _requirements()
    distributions = metadata.packages_distributions()
    missing = []
    for module, where in _imported_modules().items():
        dists = {_canonical(d) for d in distributions.get(module, [module])}
        allowed = required | (extras if module in OPTIONAL else set())
        if not dists & allowed:
            missing.append(f"{module} (imported in {where}; distribution {', '.join(sorted(dists))})")
    assert not missing, "imported but not in pyproject's dependencies: " + "; ".join(missing)
    assert {"linopy", "highspy"} <= required


def test_pvlib_and_windpowerlib_are_only_for_the_profile_script():
    """The profiles are shipped derived: the run time imports neither (they are in the `profiles` extra)."""
    required, extras = _requirements()
    assert "pvlib" not in required and {"pvlib", "windpowerlib"} <= extras
    imported = _imported_modules()
    assert "pvlib" not in imported and "windpowerlib" not in imported
