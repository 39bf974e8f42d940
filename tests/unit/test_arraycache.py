"""The on-disk cache of derived arrays: a hit equals the derivation, any change of input misses."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from stargate_report.supply import arraycache


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(arraycache.ENV_VAR, str(tmp_path / "cache"))
    return tmp_path / "cache"


def _deriver(calls: list):
    def derive():
        calls.append(1)
        return {"a": np.arange(5.0), "none": None, "b": np.eye(2)}

    return derive


def test_second_call_reads_the_file_and_keeps_none(cache):
    calls: list = []
    first = arraycache.cached_arrays("t", {"x": 1}, _deriver(calls))
    second = arraycache.cached_arrays("t", {"x": 1}, _deriver(calls))
    assert len(calls) == 1 and len(list(cache.glob("t-*.npz"))) == 1
    assert second["none"] is None and list(second) == ["a", "none", "b"]
    for k in ("a", "b"):
        np.testing.assert_array_equal(first[k], second[k])


def test_a_changed_key_or_package_misses(cache, monkeypatch):
    calls: list = []
    arraycache.cached_arrays("t", {"x": 1}, _deriver(calls))
    arraycache.cached_arrays("t", {"x": 2}, _deriver(calls))
    # any change to the package's code or data (not only the deriving module's) gives a new key
    monkeypatch.setattr(arraycache, "package_hash", lambda: "another package")
    arraycache.cached_arrays("t", {"x": 1}, _deriver(calls))
    assert len(calls) == 3 and len(list(cache.glob("t-*.npz"))) == 3


def test_a_damaged_file_is_derived_again(cache):
    calls: list = []
    arraycache.cached_arrays("t", {"x": 1}, _deriver(calls))
    (path,) = cache.glob("t-*.npz")
    path.write_bytes(path.read_bytes()[:40])  # cut short, as by a full disk
    again = arraycache.cached_arrays("t", {"x": 1}, _deriver(calls))
    assert len(calls) == 2
    np.testing.assert_array_equal(again["a"], np.arange(5.0))
    with np.load(path) as npz:  # and written anew
        np.testing.assert_array_equal(npz["a"], np.arange(5.0))


def test_empty_setting_turns_the_cache_off(monkeypatch, tmp_path):
    monkeypatch.setenv(arraycache.ENV_VAR, "")
    monkeypatch.chdir(tmp_path)
    calls: list = []
    for _ in range(2):
        arraycache.cached_arrays("t", {"x": 1}, _deriver(calls))
    assert arraycache.cache_dir() is None and len(calls) == 2 and not list(tmp_path.iterdir())


def test_a_file_in_the_way_only_costs_time(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(arraycache.ENV_VAR, str(blocker))
    calls: list = []
    out = arraycache.cached_arrays("t", {"x": 1}, _deriver(calls))
    np.testing.assert_array_equal(out["a"], np.arange(5.0))
    assert blocker.read_text() == "not a folder"


def test_processes_that_need_the_same_arrays_derive_them_once(cache, tmp_path):
    log = tmp_path / "derived.log"
    code = ("import sys, time, numpy as np\nfrom stargate_report.supply import arraycache\n"
            "def derive():\n"
            "    with open(sys.argv[1], 'a') as fh: fh.write('derived\\n')\n"
            "    time.sleep(1.0)\n"
            "    return {'a': np.arange(3.0)}\n"
            "out = arraycache.cached_arrays('t', {'x': 1}, derive)\n"
            "print(out['a'].tolist())")
    env = {**os.environ, arraycache.ENV_VAR: str(cache)}
    procs = [subprocess.Popen([sys.executable, "-c", code, str(log)], stdout=subprocess.PIPE, text=True, env=env)
             for _ in range(2)]
    outs = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0] and outs == ["[0.0, 1.0, 2.0]"] * 2
    assert log.read_text().splitlines() == ["derived"]  # the second process waited and read the file
