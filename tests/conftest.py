"""Shared fixtures: the data files, a copy of them for corruption tests, and one built briefing."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from stargate_report.catalog import files as datafiles
from stargate_report.pipeline import run_request
from stargate_report.supply import arraycache

REPO = Path(__file__).resolve().parents[1]


def pytest_configure(config):
    """The session's own cache of derived arrays (kernels and child processes inherit it): filled once by
    the first test that needs a region's profiles, never the user's ~/.cache."""
    config._array_cache = tempfile.mkdtemp(prefix="stargate-test-cache-")
    os.environ[arraycache.ENV_VAR] = config._array_cache


def pytest_unconfigure(config):
    shutil.rmtree(getattr(config, "_array_cache", ""), ignore_errors=True)


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of the package data folder."""
    dst = tmp_path / "data"
    shutil.copytree(datafiles.data_dir(), dst)
    return dst


@pytest.fixture(scope="session")
def briefing(tmp_path_factory):
    """Build the default briefing once (English, HTML and PDF) into a temporary output folder."""
    from stargate_report.pipeline import build

    out = tmp_path_factory.mktemp("output")
    req = run_request.make_request(out_dir=out)
    warnings: list[str] = []
    result = build.run(req, warn=warnings.append)
    result.warnings = warnings
    return result


class ProcessTree:
    """The processes a test starts, and theirs: each inherits a marker in its environment (``env``), and
    :meth:`commands` lists the command lines of the live ones that carry it. Never the machine's whole
    process list: another user's (or another session's) fork server or worker is none of a test's business."""

    def __init__(self) -> None:
        import uuid

        self.marker = f"STARGATE_TEST_TREE={uuid.uuid4().hex}"
        self.env = {**os.environ, "STARGATE_TEST_TREE": self.marker.split("=", 1)[1]}

    def commands(self) -> list[str]:
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    if self.marker.encode() not in f.read().split(b"\0"):
                        continue
                with open(f"/proc/{pid}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "Z":  # ended, not reaped
                        continue
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    found.append(f.read().replace(b"\0", b" ").decode(errors="replace"))
            except OSError:  # gone meanwhile, or another user's
                pass
        return found


@pytest.fixture
def process_tree() -> ProcessTree:
    return ProcessTree()
