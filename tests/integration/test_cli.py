"""Command line: every entry point answers --help; bad input exits 2 with a one-line message."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from stargate_report.cli.main import main

COMMANDS = ["run", "evaluate", "params", "presets", "sensitivity", "supply", "facts", "claims", "sources", "footprint"]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_of_every_command(command, capsys):
    with pytest.raises(SystemExit) as ex:
        main([command, "--help"])
    assert ex.value.code == 0 and "usage: stargate-report" in capsys.readouterr().out


def test_console_script_and_module_entry_points():
    out = subprocess.run([sys.executable, "-m", "stargate_report", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("stargate-report ")
    out = subprocess.run(["stargate-report", "presets"], capture_output=True, text=True)
    assert out.returncode == 0 and "milam-county" in out.stdout


def _console(code: str, *argv: str) -> subprocess.CompletedProcess:
    """Run ``code`` then the console entry point with ``argv``, in a fresh interpreter."""
    script = f"import sys\n{code}\nsys.argv = ['stargate-report', *{list(argv)!r}]\n" \
             "from stargate_report.cli.main import console_main\nconsole_main()\nprint('not reached')\n"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as on most machines
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)


def test_console_exit_runs_exit_handlers_flushes_output_and_keeps_the_exit_code():
    # os._exit skips the interpreter's teardown, not the atexit handlers or buffered output
    out = _console("", "presets")  # stdout is a pipe, so block-buffered: only the explicit flush writes it
    assert out.returncode == 0 and "milam-county" in out.stdout and "not reached" not in out.stdout
    out = _console("import atexit\natexit.register(lambda: print('handler ran', flush=True))", "presets")
    assert out.returncode == 0 and out.stdout.rstrip().endswith("handler ran")
    out = _console("", "run", "-p", "regon=de")
    assert out.returncode == 2 and "did you mean 'region'" in out.stderr


def test_console_exit_waits_for_a_thread_still_running():
    code = ("import threading, time\n"
            "threading.Thread(target=lambda: (time.sleep(0.3), print('thread done', flush=True))).start()")
    out = _console(code, "presets")
    assert out.returncode == 0 and "thread done" in out.stdout


@pytest.mark.parametrize("argv,needle", [
    (["run", "-p", "regon=de"], "did you mean 'region'"),
    (["run", "-p", "region=DE"], "did you mean 'de'"),  # only the case differs: difflib alone found nothing
    (["run", "--lang", "EN"], "did you mean 'en'"),
    (["run", "--preset", "milam"], "unknown preset 'milam'"),
    (["run", "-p", "pue=abc"], "invalid value for 'pue': 'abc'; allowed: a number"),
    (["run", "-p", "pue=0.5"], "'pue'"),
    (["run", "--lang", "fr"], "unknown language 'fr'; known: de, en"),
    (["run", "--format", "docx"], "unknown format 'docx'"),
    (["run", "-p", "pue"], "key=value"),
    (["run", "--max-source-age", "-1"], "'max-source-age'"),
    (["evaluate", "-p", "region=mars"], "unknown region 'mars'"),
    (["facts", "--site", "milam"], "did you mean 'milam-county'"),
    (["batch", "sweep.yaml", "--scheduler", "tcp://h:8786", "--workers", "3"], "invalid value for 'workers': 3; "
     "allowed: only for this machine's workers: with --scheduler the cluster's own workers run the sweep"),
    (["batch", "sweep.yaml", "--scheduler", "tcp://h:8786", "--no-pin"], "invalid value for 'no-pin': True"),
    (["sources", "--stale", "-1"], "invalid value for 'stale': -1; allowed: a whole number of days >= 0"),
    (["supply", "--region", "fr", "--load-mw", "100"], "unknown region 'fr'"),
    # named as typed (the library's 'solar_mw', 'battery_mw' and 'load_mw' were shown before)
    (["supply", "--region", "us-tx", "--load-mw", "100", "--solar-mw", "-5"], "invalid value for 'solar-mw'"),
    (["supply", "--region", "us-tx", "--load-mw", "100", "--battery-mwh", "50"],
     "invalid value for 'battery-mw': 0.0; allowed: > 0 when battery-mwh > 0"),
    (["supply", "--region", "us-tx", "--load-mw", "0", "--solar-mw", "10"], "invalid value for 'load-mw': 0.0"),
    (["supply", "--region", "us-tx", "--load-mw", "100", "--target-cfe", "90"], "not percent"),
    (["supply", "--region", "ae", "--load-mw", "100", "--wind-mw", "50"], "no wind profile"),
    (["supply", "--region", "us-tx", "--load-mw", "100", "--target-cfe", "0.9", "--flexible-load-share", "0.5"],
     "invalid value for 'flexible-load-share': 0.5; allowed: a share between 0 and 0.3"),
    (["supply", "--region", "ae", "--load-mw", "100", "--target-cfe", "0.99", "--no-battery"],
     "infeasible: hourly CFE target 0.9900 cannot be reached with solar and the grid in ae; the best share reached is"),
    (["supply", "--region", "us-tx", "--load-mw", "100", "--target-cfe", "0.5", "--solar-mw", "5"], "--target-cfe"),
    (["facts", "--entity", "sb-enrgy"], "did you mean 'sb-energy'"),
    (["facts", "--status", "rumour"], "unknown status 'rumour'"),
    (["facts", "--since", "last week"], "invalid value for 'since': 'last week'"),  # as typed, not the API's 'start'
    (["facts", "--until", "2026-13-01"], "invalid value for 'until': '2026-13-01'"),
    (["claims", "--lang", "fr"], "unknown language 'fr'"),
    (["footprint", "--watts", "300"], "--device-hours H, or --devices N"),
    (["footprint", "--device-hours", "10", "--watts", "-1"], "'watts'"),
    (["footprint", "--device-hours", "10", "--watts", "300", "--pue", "0.5"], "'pue'"),
    # each named as typed (the product, 'device_hours', was named before)
    (["footprint", "--devices", "0", "--days", "1", "--watts", "300"], "invalid value for 'devices': 0.0"),
    (["footprint", "--devices", "10", "--days", "-1", "--watts", "300"], "invalid value for 'days': -1.0"),
    (["footprint", "--devices", "10", "--hours", "nan", "--watts", "300"], "invalid value for 'hours': nan"),
])
def test_bad_input_exits_2_before_any_kernel(argv, needle, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1
    assert not (tmp_path / "output").exists()  # nothing written


def test_evaluate_json_is_closed_under_inputs(capsys):
    assert main(["evaluate", "--json", "--samples", "200", "--seed", "1"]) == 0
    d = json.loads(capsys.readouterr().out)
    for key in ("it_power_mw", "facility_power_mw", "annual_energy_mwh", "capex_usd", "emissions_tco2e_per_year",
                "water_m3_per_year"):
        q = d["quantities"][key]
        assert {"p10", "p50", "p90", "unit", "status", "sources", "inputs", "formula"} <= set(q)
        assert all(i in d["quantities"] or i in d["assumptions"] for i in q["inputs"])


def test_footprint_json_reproduces_gpt3_and_lists_defaults(capsys):
    argv = ["footprint", "--devices", "10000", "--days", "14.8", "--watts", "330", "--pue", "1.1",
            "--grid-g-per-kwh", "429", "--json"]
    assert main(argv) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["facility_energy_mwh"] == pytest.approx(1287, rel=0.01)  # Patterson et al. 2021 Table 4
    assert {"it_energy_mwh", "facility_energy_mwh", "emissions_tco2e", "water_onsite_m3", "water_offsite_m3"} <= set(d)
    assert set(d["assumptions"]) == {"wue_l_per_kwh", "grid_water_l_per_kwh"}
    assert d["assumptions"]["wue_l_per_kwh"]["sources"]


def test_footprint_table_shows_defaults_and_sources(capsys):
    assert main(["footprint", "--device-hours", "1000", "--watts", "700"]) == 0
    out = capsys.readouterr().out
    assert "pue.industry" in out and "uptime2024" in out


def test_sensitivity_json(capsys):
    assert main(["sensitivity", "--output", "capex_usd", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    # the shell cost per MW swings the capital cost most since the GB200 price rests on analysts' rack prices
    assert rows[0]["assumption"] == "dccapex.default" and rows[0]["swing"] >= rows[-1]["swing"]
    assert main(["sensitivity", "--output", "nope"]) == 2


def test_params_lists_every_parameter(capsys):
    assert main(["params"]) == 0
    out = capsys.readouterr().out
    for key in ("region", "accelerator", "accelerator_count", "it_load_mw", "pue", "load_factor", "investment_usd",
                "samples", "seed", "title"):
        assert key in out


def test_facts_site_json_lists_the_milam_site_with_sb_energy_and_sources(capsys):
    assert main(["facts", "--site", "milam-county", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    site = d["site"]
    assert site["planned_capacity_mw"] == 1200 and site["builder"] == "SB Energy" and site["operator"] == "SB Energy"
    assert "openai-sbe-2026" in site["sources"]
    assert {r["id"] for r in d["records"]} >= {"milam-capacity", "milam-supply"}
    assert all(r["sources"] for r in d["records"])


def test_sources_lists_every_source_with_its_address_and_who_cites_it(capsys):
    from stargate_report.catalog.sources import load_sources

    assert main(["sources", "--format", "json"]) == 0
    records = {r["id"]: r for r in json.loads(capsys.readouterr().out)["records"]}
    assert set(records) == set(load_sources())
    assert all(r["url"] == load_sources()[i].url for i, r in records.items())
    assert records["pvmag-sbe-2019"]["historical"] and records["pvmag-sbe-2019"]["cited_by"] == "knowledge"
    assert "assumptions" in records["tomshardware-abilene"]["cited_by"].split(";")
    # --stale: the knowledge base's current sources and the assumptions' sources older than that (every one
    # is older than 0 days; the reports of past events never count)
    assert main(["sources", "--stale", "0", "--format", "json"]) == 0
    stale = {r["id"] for r in json.loads(capsys.readouterr().out)["records"]}
    assert "openai-sbe-2026" in stale and "pvmag-sbe-2019" not in stale
    assert "nrel-land-wind" in stale and records["nrel-land-wind"]["cited_by"] == "assumptions"
    assert all(records[i]["cited_by"] for i in stale)
    assert main(["sources", "--stale", "100000"]) == 0 and "(no records)" in capsys.readouterr().out


def test_facts_csv_and_claims_table(capsys):
    assert main(["facts", "--entity", "ares", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("id,kind,date") and "sbe-ares" in out
    assert main(["claims"]) == 0
    out = capsys.readouterr().out
    assert "c-region-europe-japan" in out and "not supported" in out


def test_supply_json_keys(capsys):
    assert main(["supply", "--region", "us-tx", "--load-mw", "100", "--solar-mw", "400", "--battery-mw", "100",
                 "--battery-mwh", "800", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    for key in ("annual_match_share", "hourly_cfe_share", "curtailed_mwh", "grid_import_mwh", "grid_peak_mw",
                "solar_capacity_factor", "wind_capacity_factor"):
        assert key in d
    assert 0 <= d["own_supply_share"] <= d["annual_match_share"] <= 1
    assert d["hourly_cfe_share"] == pytest.approx(1 - (1 - d["own_supply_share"]) * (1 - d["grid_cfe_share"]))
    assert d["weather"]["station_id"] == "722560" and {"name", "dataset", "source"} <= set(d["weather"])
    assert len(d["solar_diurnal_cf"]) == len(d["wind_diurnal_cf"]) == 24
    assert d["grid_cfe_share"] == pytest.approx(0.43)


def test_supply_target_json_returns_the_least_cost_mix(capsys):
    assert main(["supply", "--region", "us-tx", "--load-mw", "100", "--target-cfe", "0.9", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)  # stdout is the JSON alone (no solver banner)
    for key in ("solar_mw", "wind_mw", "battery_mw", "battery_mwh", "capex_usd", "cost_usd_per_mwh",
                "annual_matching_usd_per_mwh", "premium_usd_per_mwh", "grid_cfe_share", "weather"):
        assert key in d
    assert d["hourly_cfe_share"] >= 0.9 - 1e-4
    assert d["premium_usd_per_mwh"] == pytest.approx(d["cost_usd_per_mwh"] - d["annual_matching_usd_per_mwh"])


# --- readable output (issue 22) -------------------------------------------------------------------------------

def test_params_wraps_to_the_terminal_width(capsys, monkeypatch):
    for columns in (60, 100):
        monkeypatch.setenv("COLUMNS", str(columns))
        assert main(["params"]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert max(len(line) for line in lines) <= columns, columns
        assert any(line.startswith("region") for line in lines)


def test_evaluate_table_prints_units_and_separators_not_scientific_notation(capsys):
    import re

    assert main(["evaluate", "--samples", "200", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert not re.search(r"\d[eE][+-]?\d", out)  # no 7.569e+06
    assert re.search(r"annual_energy_mwh .* TWh \(", out) and re.search(r"capex_usd .* USD [\d.]+ bn", out)
    assert re.search(r"accelerator_count .* \d{3},\d{3}", out)  # thousands separators
    assert main(["evaluate", "--samples", "200", "--seed", "1", "--json"]) == 0  # machines still get numbers
    assert isinstance(json.loads(capsys.readouterr().out)["quantities"]["capex_usd"]["p50"], float)


def test_footprint_prints_units_as_people_write_them(capsys):
    import re

    assert main(["footprint", "--devices", "10000", "--days", "30", "--watts", "700"]) == 0
    out = capsys.readouterr().out
    assert not re.search(r"\d[eE][+-]?\d", out)
    assert re.search(r"facility_energy_mwh +\d[\d,.]* [GM]Wh", out) and "t CO₂e" in out and "m³" in out
    assert "L/kWh" in out and "g CO₂e/kWh" in out
    assert not re.search(r"\d (l_per_kwh|g_per_kwh|ratio|tco2e|m3)\b", out)  # no unit ids after a number


def test_sensitivity_shows_the_assumptions_that_move_the_output_with_its_unit(capsys):
    assert main(["sensitivity"]) == 0  # annual energy: most assumptions do not enter it
    out = capsys.readouterr().out
    assert "TWh" in out and "e+0" not in out
    assert "loadfactor.default" in out and "itcapex.gb200" not in out  # a swing of zero is left out ...
    assert "assumptions left out" in out  # ... and counted
    assert main(["sensitivity", "--method", "sobol", "--output", "capex_usd", "--samples", "64"]) == 0
    out = capsys.readouterr().out
    assert "itcapex.gb200" in out and "grid.us-tx" not in out and "assumptions left out" in out and "USD" in out


def test_claims_honour_the_language_and_show_the_evidence(capsys):
    from stargate_report.catalog.knowledge import load_knowledge

    claim = load_knowledge().claims["c-date"]
    assert main(["claims", "--lang", "de"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert " ".join(claim.evidence("de").split()) in out and "belegt" in out and "Beleg:" in out
    assert "Stand der Daten" in out
    assert main(["claims"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert " ".join(claim.evidence("en").split()) in out and claim.claim_en in out
    assert claim.evidence("en") != claim.evidence("de")


def test_batch_reports_wall_clock_and_summed_run_time(capsys, monkeypatch, tmp_path):
    """Two runs of 5 s each that ran at once: a wall-clock time of a fraction of a second, 10 s summed."""
    import time
    from pathlib import Path

    from stargate_report.batch import runner
    from stargate_report.batch.sweep_file import RunOutcome
    from stargate_report.runtime import forkclient

    class NoServers:
        def __init__(self, *a, **k):
            pass

        def close(self):
            pass

    def fake_sweep(sweep, out_dir, **kw):
        time.sleep(0.2)
        return [RunOutcome(r.name if hasattr(r, "name") else str(i), "ok", 5.0) for i, r in enumerate(sweep.runs)]

    monkeypatch.setattr(forkclient, "Servers", NoServers)
    monkeypatch.setattr(runner, "run_sweep", fake_sweep)
    sweep = Path(__file__).parents[2] / "examples" / "sweep-regions.yaml"
    assert main(["batch", str(sweep), "--out", str(tmp_path), "--quiet"]) == 0
    last = [line for line in capsys.readouterr().out.splitlines() if line.startswith("ok ")][0]
    import re

    wall = float(re.search(r"wall-clock ([\d.]+) s", last).group(1))
    assert 0.1 <= wall < 5 and re.search(r"summed over the runs \d+\.0 s", last) and "total" not in last
