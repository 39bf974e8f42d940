"""The speed machinery (stargate_report.runtime) makes a briefing faster, never different: with it switched
off (STARGATE_REPORT_RUNTIME=plain) the chapters run through papermill as shipped, and the briefing is the
same, byte for byte."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def _build(out, env_extra):
    env = {**os.environ, **env_extra}
    done = subprocess.run([sys.executable, "-m", "stargate_report", "run", "--format", "html", "--out", str(out),
                           "--quiet", "-p", "samples=300"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return next(p for p in out.iterdir() if p.is_dir())


def test_a_briefing_without_the_runtime_is_the_same(tmp_path):
    warm = _build(tmp_path / "warm", {})
    plain = _build(tmp_path / "plain", {"STARGATE_REPORT_RUNTIME": "plain"})
    assert (warm / "briefing.en.html").read_bytes() == (plain / "briefing.en.html").read_bytes()
    assert (warm / "data" / "results.json").read_bytes() == (plain / "data" / "results.json").read_bytes()


def test_the_switch_turns_every_piece_off(monkeypatch):
    from stargate_report import runtime
    from stargate_report.runtime import cores, forkclient

    monkeypatch.setenv(runtime.ENV, "plain")
    assert not runtime.enabled()
    assert cores.slot_cores(2, frozenset({0, 1})) is None  # nothing pinned
    servers = forkclient.Servers()
    try:
        assert servers.procs == [] and servers.path("kernel") is None  # processes start the usual way
    finally:
        servers.close()
    monkeypatch.setenv(runtime.ENV, "")
    assert runtime.enabled()
