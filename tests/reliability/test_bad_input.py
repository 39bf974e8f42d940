"""Bad parameters on every surface (CLI -p, YAML file, Python API): exit 2 or a typed exception, a message
naming key, value and what is allowed, no kernel started, nothing under the output folder changed."""
from __future__ import annotations

import math

import pytest
import yaml

from stargate_report.cli.main import main
from stargate_report.exceptions import ParameterError
from stargate_report.model import scenario
from stargate_report.pipeline import build, run_request

# key, Python value, fragment of what is allowed
CASES = [
    ("pue", "abc", "a number"), ("pue", float("nan"), "a number"), ("pue", float("inf"), "a number"),
    ("pue", float("-inf"), "a number"), ("pue", 0.5, ">= 1"), ("pue", -1.2, ">= 1"), ("pue", "", "a number"),
    ("pue", [1.2], "a number"), ("load_factor", 1.5, "<= 1"), ("load_factor", 0, "> 0"),
    ("accelerator_count", 1e30, "<= 1e+08"), ("accelerator_count", -10, ">= 1"), ("accelerator_count", 1.5, "an integer"),
    ("accelerator_count", "many", "an integer"), ("it_load_mw", -5, "> 0"), ("it_load_mw", 1e9, "<= 100000"),
    ("investment_usd", 0, "> 0"), ("investment_usd", float("nan"), "a number"), ("samples", 0, ">= 1"),
    ("samples", 10**7, "<= 100000"), ("samples", "1e3", "an integer"), ("seed", -1, ">= 0"),
    ("target_cfe", 90, "<= 1"), ("target_cfe", -0.1, ">= 0"), ("title", "x" * 201, "at most 200"),
    ("region", "", "known:"), ("region", "mars", "known:"), ("accelerator", "tpu9", "known:"),
    ("accelerator", "", "known:"), ("capacity_fact", "abilene", "known:"), ("investment_fact", "milam-capacity", "known:"),
    ("regoin", "de", "known:"), ("allow_wind", "maybe", "true or false"), ("training_run", "gpt9", "one of"),
]


def _cli_text(value) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return str(value)


@pytest.fixture
def no_kernels(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("a kernel would have started for bad input")

    monkeypatch.setattr(build, "execute_all", refuse)


def _snapshot(folder):
    return sorted((str(p.relative_to(folder)), p.stat().st_mtime_ns) for p in folder.rglob("*"))


@pytest.fixture
def out(tmp_path):
    folder = tmp_path / "output"
    (folder / "milam-county").mkdir(parents=True)
    (folder / "milam-county" / "briefing.en.html").write_text("previous good briefing")
    (folder / "milam-county" / "manifest.json").write_text('{"package": "stargate-report"}')
    return folder


@pytest.mark.parametrize("key,value,allowed", CASES, ids=[f"{k}={str(v)[:12]}" for k, v, _ in CASES])
def test_python_api(key, value, allowed):
    with pytest.raises(ParameterError) as err:
        scenario.resolve(overrides={key: value})
    assert key in str(err.value) and allowed in str(err.value)


@pytest.mark.parametrize("key,value,allowed", CASES, ids=[f"{k}={str(v)[:12]}" for k, v, _ in CASES])
def test_yaml_params_file(key, value, allowed, tmp_path, out, no_kernels, capsys):
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({key: value}))
    before = _snapshot(out)
    assert main(["run", "--params", str(params), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert key in err and allowed in err and err.count("\n") == 1
    assert _snapshot(out) == before


# on the command line a list cannot be written, and "1e3" is a valid whole number (1000)
CLI_CASES = [c for c in CASES if not isinstance(c[1], list) and c[1] != "1e3"]


@pytest.mark.parametrize("key,value,allowed", CLI_CASES, ids=[f"{k}={str(v)[:12]}" for k, v, _ in CLI_CASES])
def test_cli_p(key, value, allowed, out, no_kernels, capsys):
    before = _snapshot(out)
    assert main(["run", "-p", f"{key}={_cli_text(value)}", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert key in err and allowed in err and err.count("\n") == 1
    assert _snapshot(out) == before


@pytest.mark.parametrize("argv,needle", [
    (["run", "--preset", "narnia"], "unknown preset 'narnia'"),
    (["run", "--preset", ""], "unknown preset ''"),
    (["run", "--lang", "fr"], "unknown language 'fr'"),
    (["run", "--lang", ""], "'lang'"),
    (["run", "--format", "docx"], "unknown format 'docx'"),
    (["run", "--cell-timeout", "0"], "'cell-timeout'"),
    (["run", "--params", "/no/such/file.yaml"], "an existing YAML file"),
    (["run", "--name", "..."], "'name'"),
])
def test_cli_options(argv, needle, out, no_kernels, capsys):
    before = _snapshot(out)
    assert main([*argv, "--out", str(out)]) == 2
    assert needle in capsys.readouterr().err
    assert _snapshot(out) == before


def test_run_names_are_safe_slugs():
    for name in ("../../etc", "/etc/passwd", "a/../../b", "run\x00name", "CON", "ünïcode name"):
        slug = run_request.run_slug(name)
        assert "/" not in slug and ".." not in slug and slug == slug.strip("-")
    assert run_request.run_slug("../../etc") == "etc"


def test_run_names_keep_their_letters():
    """Folder names used to drop every letter outside a-z: 'Über Tage' became 'ber-tage', and a name in
    Japanese was refused as having no letter at all."""
    assert run_request.run_slug("Über Tage") == "ueber-tage"
    assert run_request.run_slug("Straße nach Évora – 2 GW") == "strasse-nach-evora-2-gw"
    tokyo, osaka = run_request.run_slug("東京"), run_request.run_slug("大阪")
    assert tokyo.startswith("run-") and tokyo != osaka and tokyo == run_request.run_slug("東京")
    assert not run_request.run_slug("x" * 79 + " y").endswith("-")  # cut at 80 characters, not on a dash
    with pytest.raises(ParameterError, match="at least one letter or digit"):
        run_request.run_slug("../ -- /..")


def test_yaml_norway_trap_is_explained(tmp_path, out, no_kernels, capsys):
    params = tmp_path / "params.yaml"
    params.write_text("region: no\n")  # YAML 1.1: false
    assert main(["run", "--params", str(params), "--out", str(out)]) == 2
    assert 'quote the value, e.g. region: "no"' in capsys.readouterr().err
    params.write_text('region: "no"\nallow_wind: true\n')
    assert scenario.resolve(params_file=params).region == "no"


def test_a_campus_that_no_supply_can_serve_is_refused_up_front(monkeypatch):
    # Norway has a measured solar profile now (Bergen): Milam's solar-only options are valid there
    assert scenario.resolve("milam-county", overrides={"region": "no"}).region == "no"
    import dataclasses

    from stargate_report.supply import profiles

    real = profiles.region_profiles
    monkeypatch.setattr(profiles, "region_profiles",  # a region without a solar profile, as `no` once was
                        lambda *a, **k: dataclasses.replace(real(*a, **k), solar=None))
    with pytest.raises(ParameterError, match="allow_wind.*only wind can supply"):
        scenario.resolve("milam-county", overrides={"region": "no"})  # Milam: no wind
    assert scenario.resolve("milam-county", overrides={"region": "no", "allow_wind": True}).region == "no"


def test_zero_target_builds_nothing_and_divides_by_nothing():
    import numpy as np

    from stargate_report.model.evaluate import evaluate

    res = evaluate(scenario.resolve(overrides={"target_cfe": 0.0}), samples=50, supply=True)
    assert res["supply_capex_usd"].p50 == 0
    assert np.all(np.isfinite(res["investment_share_of_supply_capex"].samples))


def test_an_output_folder_that_cannot_be_one_is_refused_up_front(tmp_path, no_kernels, capsys, monkeypatch):
    from stargate_report.batch import sweep_file

    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("name: s\nformats: html\nscenarios:\n  - {name: texas}\n")
    for argv in (["run", "--out", str(a_file)], ["run", "--out", str(a_file / "sub")],
                 ["batch", str(sweep), "--out", str(a_file)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "'out'" in err and str(a_file) in err and "is a file, not a folder" in err
    assert a_file.read_text() == "mine"
    with pytest.raises(ParameterError, match="'out'.*can be written"):
        sweep_file.load_sweep(sweep, a_file)
    # a folder this user cannot write to (as root every folder can be written: simulated)
    locked = tmp_path / "locked"
    locked.mkdir()
    monkeypatch.setattr(build.os, "access", lambda path, mode: str(path) != str(locked))
    with pytest.raises(ParameterError, match="cannot be written by this user"):
        run_request.make_request(out_dir=locked / "output")
    assert not (locked / "output").exists()


def test_an_output_folder_that_cannot_be_made_names_the_option(tmp_path, no_kernels, capsys, monkeypatch):
    def refuse(self, *a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(build.Path, "mkdir", refuse)  # (checks pass, creating fails: a read-only mount)
    assert main(["run", "--out", str(tmp_path / "new"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "'out'" in err and "cannot create" in err and "Permission denied" in err


@pytest.mark.parametrize("what", ["a file", "a folder of files"])
def test_a_run_never_replaces_what_is_not_its_own(tmp_path, no_kernels, capsys, what):
    """A run replaces its folder as a whole: `--out ~ --name projects` replaced the user's ~/projects (a file
    was moved to a hidden .projects.old-* and a folder deleted). Only its own briefing folders, or an empty
    folder, may be replaced."""
    out = tmp_path / "home"
    out.mkdir()
    if what == "a file":
        (out / "projects").write_text("precious")
    else:
        (out / "projects").mkdir()
        (out / "projects" / "thesis.tex").write_text("precious")
    before = _snapshot(out)
    assert main(["run", "--out", str(out), "--name", "projects", "--format", "html"]) == 2
    err = capsys.readouterr().err
    assert "invalid value for 'name': 'projects'" in err and str(out / "projects") in err
    assert "choose another --name or --out" in err and err.count("\n") == 1
    assert _snapshot(out) == before


def test_a_sweep_never_replaces_what_is_not_its_own(tmp_path):
    from stargate_report.batch import sweep_file

    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("name: mine\nformats: html\nscenarios:\n  - {name: texas}\n")
    out = tmp_path / "out"
    (out / "mine" / "texas").mkdir(parents=True)
    (out / "mine" / "texas" / "notes.txt").write_text("precious")
    with pytest.raises(ParameterError, match=r"scenario 'texas'.*notes|scenario 'texas'.*not a briefing"):
        sweep_file.load_sweep(sweep, out)
    (out / "mine" / "texas" / "notes.txt").unlink()  # now empty: may be used
    (out / "mine" / "index.html").write_text("<html>my own index</html>")
    with pytest.raises(ParameterError, match=r"'name': 'mine'.*index.html is not one this package wrote"):
        sweep_file.load_sweep(sweep, out)
    (out / "mine" / "index.html").write_text('<p class="sr-kicker">stargate-report sweep</p>')  # an older one of ours
    assert [r.name for r in sweep_file.load_sweep(sweep, out).runs] == ["texas"]
