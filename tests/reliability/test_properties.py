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
