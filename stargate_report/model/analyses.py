"""The analyses a briefing shows beside the ledger, computed once per run into named result tables.

Tornado swings, Sobol indices and the same scenario in every region are results like the ledger's
quantities: the run computes them once (:func:`add_analysis_tables`), they are saved with the run in
``results.json`` (``tables``), cached with it, and listed in the derivations appendix
(:data:`TABLES` gives each table's definition). Chapters only format them.
"""
from __future__ import annotations

import math

from stargate_report.model.evaluate import add_supply_tables, evaluate
from stargate_report.model.ledger import Results
from stargate_report.model.scenario import Scenario, region_ids
from stargate_report.model.sensitivity import sobol, tornado

#: outputs whose one-at-a-time swings the uncertainty chapter shows
TORNADO_OUTPUTS = ("capex_usd", "emissions_tco2e_per_year")
#: outputs whose global (Sobol) indices the uncertainty chapter shows, and the base sample size N
#: (SALib's Saltelli design: N * (k + 2) model rows; 256 gives the indices to about +-0.05, see ``S1_conf``)
SOBOL_OUTPUTS = ("capex_usd",)
SOBOL_N = 256
#: quantities of the same scenario evaluated in every region (footprint chapter)
REGION_QUANTITIES = ("emissions_tco2e_per_year", "water_m3_per_year")

#: table name -> what it holds (the derivations appendix prints this, by catalogue key ``table.<name>``)
TABLES = {
    **{f"tornado_{o}": f"tornado({o}): each uncertain assumption alone at its low and its high value, "
                       "the rest at base; rows with a swing > 0, largest first" for o in TORNADO_OUTPUTS},
    **{f"sobol_{o}": f"sobol({o}, N={SOBOL_N}): first-order (S1) and total (ST) indices, SALib Saltelli "
                     "design, assumptions uniform on their range" for o in SOBOL_OUTPUTS},
    "regions_footprint": "the scenario evaluated in every region: P10, P50, P90 of "
                         + ", ".join(REGION_QUANTITIES),
}


def _clean(x) -> float | str:
    """A JSON-safe cell: floats as floats (NaN as None is not JSON-safe for every reader: text 'nan')."""
    if isinstance(x, float) and not math.isfinite(x):
        return "nan"
    return x.item() if hasattr(x, "item") else x


def tornado_rows(scenario: Scenario, output: str) -> list[dict]:
    """The swings of ``output`` with a swing above zero, largest first (see :func:`sensitivity.tornado`)."""
    df = tornado(scenario, output)
    if df.empty:
        return []
    df = df[df["swing"] > 0]
    return [{k: _clean(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def sobol_rows(scenario: Scenario, output: str, n: int = SOBOL_N) -> list[dict]:
    """First-order and total Sobol indices of ``output``, largest total first."""
    df = sobol(scenario, output, n=n)
    return [{k: _clean(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def region_rows(scenario: Scenario, qids=REGION_QUANTITIES) -> list[dict]:
    """``region, quantity, unit, p10, p50, p90, inputs`` of each quantity, the scenario moved to each region."""
    rows = []
    for region in region_ids():
        res = evaluate(scenario.model_copy(update={"region": region}))
        for q in qids:
            if q in res:
                quant = res[q]
                rows.append({"region": region, "quantity": q, "unit": quant.unit, "p10": quant.p10,
                             "p50": quant.p50, "p90": quant.p90, "inputs": ";".join(res.trace(q))})
    return rows


def add_analysis_tables(res: Results) -> Results:
    """Add the tornado, Sobol and regions tables (:data:`TABLES`) to ``res.tables``."""
    s = Scenario(**res.scenario)
    for o in TORNADO_OUTPUTS:
        res.tables[f"tornado_{o}"] = tornado_rows(s, o)
    for o in SOBOL_OUTPUTS:
        res.tables[f"sobol_{o}"] = sobol_rows(s, o)
    res.tables["regions_footprint"] = region_rows(s)
    return res


def evaluate_run(scenario: Scenario) -> Results:
    """Everything a run's results hold: the ledger with the supply, the supply tables and the analyses
    (what the build writes to ``results.json``; a chapter notebook run alone evaluates this)."""
    return add_analysis_tables(add_supply_tables(evaluate(scenario, supply=True)))


__all__ = ["evaluate_run", "add_analysis_tables", "TABLES", "TORNADO_OUTPUTS", "SOBOL_OUTPUTS", "REGION_QUANTITIES"]
