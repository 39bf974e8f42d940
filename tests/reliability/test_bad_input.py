"""Bad parameters on every surface (CLI -p, YAML file, Python API): exit 2 or a typed exception, a message
naming key, value and what is allowed, no kernel started, nothing under the output folder changed."""
from __future__ import annotations

import math
import re
from pathlib import Path

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


# -- issue 24: bounds enforced everywhere, and one-line messages instead of tracebacks ----------------------

def _one_line(capsys, *needles):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


def test_evaluate_samples_option_has_the_scenario_bound(capsys):
    """`evaluate --samples 1000000000` went around the 100,000 bound of `-p samples=` and tried 7.5 GiB."""
    assert main(["evaluate", "--samples", "1000000000"]) == 2
    _one_line(capsys, "'samples'", "<= 100000")


def test_evaluate_seed_option_has_the_scenario_bound(capsys):
    assert main(["evaluate", "--seed", "-1"]) == 2  # (numpy's ValueError)
    _one_line(capsys, "'seed'", ">= 0")


def test_sobol_samples_are_bounded(capsys):
    """`sensitivity --method sobol --samples 100000000` tried 42 GiB."""
    assert main(["sensitivity", "--method", "sobol", "--samples", "100000000"]) == 2
    _one_line(capsys, "'samples'", "<= 100000")


def test_memory_is_estimated_before_allocating(capsys, monkeypatch):
    monkeypatch.setenv("STARGATE_REPORT_MEMORY_LIMIT_MB", "16")
    assert main(["evaluate", "-p", "samples=100000"]) == 2
    err = _one_line(capsys, "'samples'", "16 MiB", "STARGATE_REPORT_MEMORY_LIMIT_MB")
    assert "would need about" in err
    assert main(["sensitivity", "--method", "sobol", "--samples", "20000"]) == 2
    _one_line(capsys, "'samples'", "16 MiB")
    assert main(["evaluate", "-p", "samples=100"]) == 0


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path, capsys):
    bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        bomb.append(f"{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    params = tmp_path / "bomb.yaml"
    params.write_text("\n".join(bomb) + "\n")
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("\n".join(["name: s", "scenarios: [{name: x}]", *bomb]) + "\n")
    import time

    for argv in (["evaluate", "--params", str(params)], ["batch", str(sweep), "--out", str(tmp_path / "o")]):
        t = time.process_time()
        assert main(argv) == 2
        assert time.process_time() - t < 2
        _one_line(capsys, "aliases")


def test_a_huge_grid_is_refused_before_it_is_built(tmp_path, capsys, monkeypatch):
    import itertools

    def never(*a):
        raise AssertionError("the grid was built")

    from stargate_report.batch import sweep_file

    monkeypatch.setattr(sweep_file.itertools, "product", never)
    values = "[" + ", ".join(str(1.0 + i / 100) for i in range(100)) + "]"
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"name: s\nformats: html\ngrid:\n  pue: {values}\n  load_factor: {values.replace('1.', '0.')}\n"
                     f"  target_cfe: {values.replace('1.', '0.')}\n")
    assert main(["batch", str(sweep), "--out", str(tmp_path / "o")]) == 2
    _one_line(capsys, "'grid'", "1000000 runs", "at most 10000")
    assert itertools.product  # (the real one is untouched)


def test_workers_are_capped_at_a_multiple_of_the_cores(tmp_path, capsys):
    from stargate_report.runtime.cores import usable_cores

    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("name: s\nformats: html\nscenarios:\n  - {name: texas}\n")
    assert main(["batch", str(sweep), "--out", str(tmp_path / "o"), "--workers", "1000"]) == 2
    _one_line(capsys, "'workers'", f"at most {4 * usable_cores()}", "cores")


def test_a_latin1_parameter_file(tmp_path, capsys):
    params = tmp_path / "params.yaml"
    params.write_bytes('title: "Caf\u00e9 M\u00fcnchen"\n'.encode("latin-1"))
    assert main(["evaluate", "--params", str(params)]) == 2
    _one_line(capsys, "'params'", str(params), "UTF-8")


def test_results_with_the_wrong_arrays(tmp_path):
    import numpy as np

    from stargate_report.exceptions import DataError
    from stargate_report.model.evaluate import evaluate
    from stargate_report.model.ledger import Results

    good = evaluate(scenario.resolve(overrides={"samples": 10}))
    good.save(tmp_path / "results")
    np.savez_compressed(tmp_path / "results.npz", other=np.zeros(3))
    with pytest.raises(DataError, match=r"results.npz.*no array"):
        Results.load(tmp_path / "results")
    (tmp_path / "results.npz").write_bytes(b"PK\x03\x04 cut short")
    with pytest.raises(DataError, match=r"results.npz"):
        Results.load(tmp_path / "results")
    good.save(tmp_path / "results")
    (tmp_path / "results.json").write_text('{"scenario": null}')
    with pytest.raises(DataError, match=r"results.json"):
        Results.load(tmp_path / "results")


def test_a_deleted_current_directory(tmp_path, capsys, monkeypatch):
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    assert main(["evaluate", "-p", "samples=10"]) == 2
    _one_line(capsys, "current folder", "no longer exists")


@pytest.mark.parametrize("title", ["a\x01b", "bell\x07", "esc \x1b[31mred", "del\x7f", "c1\x85"])
def test_control_characters_in_a_title(title, capsys):
    assert main(["evaluate", "-p", f"title={title}"]) == 2
    _one_line(capsys, "'title'", "control characters")
    assert scenario.resolve(overrides={"title": "two\nlines\tand a tab"}).title  # (these are text)


def test_grid_labels_over_80_characters_keep_their_runs_apart(tmp_path):
    from stargate_report.batch import sweep_file

    long = "a" * 100
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f'name: s\nformats: html\ngrid:\n  title: ["{long} 1", "{long} 2"]\n')
    runs = sweep_file.load_sweep(sweep, tmp_path / "o").runs
    assert len({r.name for r in runs}) == 2 and all(len(r.name) <= 80 for r in runs)


def test_an_empty_scheduler_is_refused(tmp_path, capsys):
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("name: s\nformats: html\nscenarios:\n  - {name: texas}\n")
    assert main(["batch", str(sweep), "--out", str(tmp_path / "o"), "--scheduler", ""]) == 2
    _one_line(capsys, "'scheduler'", "tcp://")


def test_investment_fact_none_is_a_briefing_without_an_investment(capsys):
    """`-p investment_fact=none` failed with KeyError: 'investment_usd'. No investment is a valid scenario: the
    ledger then has no investment quantities (what an amount buys), and everything else."""
    from stargate_report import evaluate, resolve

    assert main(["evaluate", "-p", "investment_fact=none", "-p", "samples=10"]) == 0
    res = evaluate(resolve(overrides={"investment_fact": None, "samples": 10}), supply=True)
    assert "capex_usd" in res and not any(q.startswith("investment") for q in res.quantities)
    assert main(["evaluate", "-p", "investment_fact=none", "-p", "investment_usd=1e9", "-p", "samples=10"]) == 0

def test_a_histogram_of_many_samples_is_binned_before_it_is_charted():
    """`-p samples=5001` failed in chapter 03 with Altair's MaxRowsError: raw samples went to Vega."""
    import numpy as np

    from stargate_report.present import charts

    values = np.random.default_rng(1).normal(10, 2, 100_000)
    chart = charts.histogram(values, "x", "y")
    spec = chart.to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert len(rows) <= 40 and sum(r["count"] for r in rows) == 100_000
    assert "<svg" in charts.to_svg(chart)
    assert "<svg" in charts.to_svg(charts.histogram(np.full(7, 3.0), "x", "y"))  # one value: one bar


# -- docs/bad-input.md: the table of bad input is what the user sees ---------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs" / "bad-input.md"
#: a row: the command, the start of the message the user sees (anything after it in the cell is explanation),
#: the exit code
ROW = re.compile(r"^\| `stargate-report (?P<cmd>[^`]+)` \| `(?P<msg>[^`]+)`[^|]* \| (?P<code>\d+) \|$")


def _table_rows():
    text = DOCS.read_text(encoding="utf-8")
    table = text.split("<!-- bad-input-table -->")[1].split("<!-- /bad-input-table -->")[0]
    rows = [ROW.match(line) for line in table.splitlines() if line.startswith("| `")]
    assert rows and all(rows), "a row of the table is not | `command` | `message` | exit |"
    return [(m["cmd"], m["msg"], int(m["code"])) for m in rows]


def _table_files(tmp_path) -> dict[str, str]:
    grid = "".join(f"  {k}: [{', '.join(str(0.5 + i / 1000) for i in range(100))}]\n"
                   for k in ("pue", "load_factor", "target_cfe"))
    files = {"latin1.yaml": 'title: "Caf\u00e9"\n'.encode("latin-1"), "bomb.yaml": b"a: &a [x, x]\nb: [*a, *a]\n",
             "list.yaml": b"- pue: 1.2\n", "huge-grid.yaml": ("name: g\ngrid:\n" + grid).encode(),
             "sweep.yaml": b"name: s\nformats: html\nscenarios:\n  - {name: texas}\n"}
    subs = {"{out}": str(tmp_path / "out")}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        subs["{" + name + "}"] = str(tmp_path / name)
    return subs


def test_the_bad_input_table_is_what_the_user_sees(tmp_path, no_kernels, capsys):
    import shlex

    subs = _table_files(tmp_path)
    for cmd, msg, code in _table_rows():
        for key, value in subs.items():
            cmd, msg = cmd.replace(key, shlex.quote(value)), msg.replace(key, value)
        argv = [a.replace("{BEL}", "\x07") for a in shlex.split(cmd)]
        try:
            got = main(argv)
        except SystemExit as exc:  # (argparse's own errors)
            got = exc.code
        err = capsys.readouterr().err
        assert got == code, (cmd, err)
        assert err.count("\n") == 1 and "Traceback" not in err, (cmd, err)
        assert err.split()[:len(msg.split())] == msg.split(), (cmd, err)
    assert not (tmp_path / "out").exists()
