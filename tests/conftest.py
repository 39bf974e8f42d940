"""Shared fixtures: the data files, a copy of them for corruption tests, and one built briefing."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from stargate_report import datafiles

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of the package data folder."""
    dst = tmp_path / "data"
    shutil.copytree(datafiles.data_dir(), dst)
    return dst


@pytest.fixture(scope="session")
def briefing(tmp_path_factory):
    """Build the default briefing once (English, HTML and PDF) into a temporary output folder."""
    from stargate_report import build

    out = tmp_path_factory.mktemp("output")
    req = build.make_request(out_dir=out)
    warnings: list[str] = []
    result = build.run(req, warn=warnings.append)
    result.warnings = warnings
    return result
