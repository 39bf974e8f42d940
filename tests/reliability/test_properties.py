"""Property-based tests over the valid scenario space (hypothesis)."""
from __future__ import annotations

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from stargate_report.model.evaluate import evaluate
from stargate_report.model.scenario import accelerator_ids, region_ids, resolve

SCENARIOS = st.fixed_dictionaries({
    "region": st.sampled_from(region_ids()),
    "allow_wind": st.just(True),  # the Milam preset forbids wind; Norway (no solar profile) needs it
    "accelerator": st.sampled_from(accelerator_ids()),
    "it_load_mw": st.floats(0.1, 100_000, allow_nan=False),
    "pue": st.one_of(st.none(), st.floats(1.0, 3.0)),
    "load_factor": st.one_of(st.none(), st.floats(0.001, 1.0)),
    "investment_usd": st.one_of(st.none(), st.floats(1.0, 1e13)),
    "samples": st.integers(1, 300),
    "seed": st.integers(0, 2**32 - 1),
})


@settings(max_examples=60, deadline=None)
@given(SCENARIOS)
def test_evaluate_never_raises_never_nan_never_negative_and_is_deterministic(params):
    sc = resolve(overrides=params)
    res = evaluate(sc)
    for q in res.quantities.values():
        assert np.all(np.isfinite(q.samples)) and np.all(q.samples >= 0), q.id
        assert q.p10 <= q.p50 <= q.p90
    again = evaluate(resolve(overrides=params))
    assert json.dumps(res.to_dict(), sort_keys=True) == json.dumps(again.to_dict(), sort_keys=True)


# -- issue 24: whatever a user types, exit 0 or exit 2 with one line; never a traceback, never 2 GiB ----------

import contextlib  # noqa: E402
import io  # noqa: E402
import resource  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402
from hypothesis import HealthCheck  # noqa: E402

from stargate_report.cli.main import main  # noqa: E402
from stargate_report.model.scenario import Scenario  # noqa: E402

FIELDS = st.sampled_from(sorted(Scenario.model_fields))
KEYS = st.one_of(FIELDS, FIELDS, st.text(max_size=12))
#: what a command line carries: text that YAML and our parser type in their ways
WORDS = st.sampled_from(["none", "null", "~", "true", "no", "-1", "0", "1e400", "-inf", "nan", "1000000000", "1e3",
                         "bell\x07", "", " ", "0x10", "1_000", "[1, 2]", "{a: 1}", "*a", "&a 1", "é", "東京"])
NUMBERS = st.one_of(st.integers(-(2**70), 2**70), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([0, 1, -1, 100_000, 100_001, 10**9, 2**32, 1e308, 5e-324]))
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, WORDS, st.text(max_size=40))
#: YAML structures of bounded size (scalars, lists and mappings, nested)
STRUCTURES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                           st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                          max_leaves=12)
PROPERTY = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
GIB = 2**30


@pytest.fixture
def quick(monkeypatch):
    """The commands as they are, but a valid scenario is evaluated with at most 200 samples (the property is
    about input, not the model's speed) and a valid sweep is validated, not run (no kernel, no fork server)."""
    from stargate_report.batch import index_page, runner
    from stargate_report.model import evaluate as model
    from stargate_report.runtime import forkclient

    real = model.evaluate

    def small(sc=None, samples=None, seed=None, **kw):
        return real(sc.model_copy(update={"samples": min(sc.samples, 200)}), **kw)

    class NoServers:
        def __init__(self, *a, **k):
            pass

        def close(self):
            pass

    monkeypatch.setattr(model, "evaluate", small)
    monkeypatch.setattr(runner, "run_sweep", lambda *a, **k: [])
    monkeypatch.setattr(forkclient, "Servers", NoServers)
    monkeypatch.setattr(index_page, "summary_table", lambda outcomes: "")
    start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    yield
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - start < 2 * GIB


def _exits_cleanly(argv) -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's own refusals
            code = exc.code
    text = err.getvalue()
    assert code in (0, 2), (argv, code, text)
    assert "Traceback" not in text, (argv, text)
    if code == 2:
        assert text.count("\n") == 1 and text.startswith("stargate-report"), (argv, text)


def _cli_text(value) -> str:
    return value if isinstance(value, str) else yaml.safe_dump(value, default_flow_style=True).strip()


@PROPERTY
@given(st.lists(st.tuples(KEYS, st.one_of(SCALARS, STRUCTURES)), min_size=1, max_size=3))
def test_any_p_key_value_exits_0_or_2(quick, pairs):
    argv = ["evaluate"]
    for key, value in pairs:
        argv += ["-p", f"{key}={_cli_text(value)}".replace("\0", "")]  # (a command line cannot hold NUL)
    _exits_cleanly(argv)


#: files that are not what they should be: other encodings, YAML aliases, tags, syntax errors, bytes
HOSTILE_FILES = st.one_of(
    st.binary(max_size=80),
    st.sampled_from([b"a: &a [1, 2]\nb: *a\n", "title: Caf\u00e9\n".encode("latin-1"), b"!!python/object:os.system {}",
                     b"pue: [", b"\xff\xfe", b"", b"---\n---\n", b"title: !!binary aGk=\n"]),
    st.builds(lambda data, enc: yaml.safe_dump(data, allow_unicode=True).encode(enc, errors="replace"),
              st.dictionaries(KEYS, STRUCTURES, max_size=4), st.sampled_from(["utf-8", "latin-1", "utf-16"])))


@PROPERTY
@given(st.one_of(st.dictionaries(KEYS, STRUCTURES, max_size=4).map(
    lambda d: yaml.safe_dump(d, allow_unicode=True).encode("utf-8", errors="surrogatepass")), HOSTILE_FILES))
def test_any_params_file_exits_0_or_2(quick, tmp_path_factory, data):
    path = tmp_path_factory.mktemp("params") / "params.yaml"
    path.write_bytes(data)
    _exits_cleanly(["evaluate", "--params", str(path)])


SWEEP_KEYS = st.one_of(st.sampled_from(["name", "lang", "formats", "base", "grid", "scenarios"]), st.text(max_size=8))
SWEEPS = st.dictionaries(SWEEP_KEYS, st.one_of(
    STRUCTURES,
    st.dictionaries(KEYS, st.lists(SCALARS, max_size=4), max_size=3),  # a grid
    st.lists(st.fixed_dictionaries({"name": st.text(max_size=20)},
                                    optional={"params": st.dictionaries(KEYS, SCALARS, max_size=3),
                                              "preset": st.text(max_size=12)}), max_size=3)), max_size=5)


@PROPERTY
@given(SWEEPS)
def test_any_sweep_file_exits_0_or_2(quick, tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("sweep")
    path = folder / "sweep.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8", errors="surrogatepass")
    _exits_cleanly(["batch", str(path), "--out", str(folder / "out"), "--quiet"])
