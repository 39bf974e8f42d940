"""The model beside the published record: for every figure that was published for the same thing (a site's
accelerator count, a purchase of accelerators, a capex per GW), the model's median with its P10-P90 range,
the published figure with its source, and their ratio.

Which published figures count:

* facts of the knowledge base with ``compares: <ledger quantity>`` about the scenario's site, when the
  scenario is sized by that site's capacity fact (a user's own size is no longer the site that was reported);
* the published capex per GW (``capex_benchmark_usd_per_gw`` rows of assumptions.csv) beside the model's
  campus capex per GW of facility, or of IT where the publisher states that basis.

A figure outside the model's P10-P90 is named with the reason the two may differ (catalogue key
``reported.reason.<id>``); the test suite keeps every such row explained.
"""
from __future__ import annotations

from stargate_report.catalog.assumptions import load_registry
from stargate_report.catalog.knowledge import get_fact, load_facts
from stargate_report.catalog.literature import literature_for
from stargate_report.model.ledger import Results
from stargate_report.model.scenario import Scenario

#: benchmarks stated per GW of IT power (the publisher says so); all others are per GW of facility capacity
PER_GW_OF_IT = frozenset({"epoch-1gw-gb200"})


#: what a published figure implies, per accelerator, for the reasons the chapter gives (unit of each)
DERIVED_UNITS = {"reported_facility_w_per_accelerator": "W", "reported_design_pue": "ratio",
                 "reported_usd_per_accelerator": "usd", "reported_count": "count"}


def comparisons(res: Results, scenario: Scenario) -> list[dict]:
    """Rows ``quantity, p10, p50, p90, unit, reported, reported_id, kind, sources, status, ratio, inside``,
    and what a published figure implies per accelerator (:data:`DERIVED_UNITS`, see :func:`_implied`)."""
    rows = []
    site_fact = get_fact(scenario.capacity_fact) if scenario.capacity_fact else None
    if site_fact is not None:
        site_facts = [f for f in load_facts().values() if f.compares and f.site is not None
                      and f.site == site_fact.site and f.compares in res]
        counts = [f.value for f in site_facts if f.compares == "accelerator_count"]
        for f in site_facts:
            row = _row(res, f.compares, f.value, f"fact:{f.id}", "fact", f.sources, f.status)
            row.update(_implied(res, f.compares, float(f.value), counts[0] if counts else None))
            rows.append(row)
    for a in load_registry().rows_of("capex_benchmark_usd_per_gw"):
        qid = "capex_usd_per_gw_it" if a.scope in PER_GW_OF_IT else "capex_usd_per_gw"
        if qid in res:
            rows.append(_row(res, qid, a.base, a.id, "assumption", a.source_ids, a.status))
    return rows


def _implied(res: Results, qid: str, reported: float, count: float | None) -> dict:
    """What a published count or purchase implies per accelerator, at the model's medians:

    * a count: facility capacity / count = W per accelerator at the facility, and that over the model's IT
      power per accelerator = the design PUE the count needs;
    * an IT purchase: its price / the site's published count = USD per accelerator.
    """
    if qid == "accelerator_count" and reported > 0:
        w = res["facility_power_mw"].p50 * 1e6 / reported
        return {"reported_facility_w_per_accelerator": w, "reported_design_pue": w / res["it_power_w"].p50}
    if qid == "it_capex_usd" and count:
        return {"reported_usd_per_accelerator": reported / float(count), "reported_count": float(count)}
    return {}


def _row(res: Results, qid: str, reported: float, rid: str, kind: str, sources, status: str) -> dict:
    q = res[qid]
    return {"quantity": qid, "p10": q.p10, "p50": q.p50, "p90": q.p90, "unit": q.unit, "reported": float(reported),
            "reported_id": rid, "kind": kind, "sources": list(sources), "status": status,
            "ratio": q.p50 / float(reported), "inside": bool(q.p10 <= reported <= q.p90)}


def literature_comparison(region: str, cfe_curve: list[dict]) -> list[dict]:
    """The published 24/7 premiums that apply to ``region`` (:func:`~stargate_report.catalog.literature.
    literature_for`) beside the model's: each row with ``model_low`` and ``model_high`` (the model's premiums at
    the study's CFE target, or over every target where the study states none; None where the model has none:
    unreachable, or no grid price) and ``inside`` (both within the published range; None without a model
    premium)."""
    out = []
    for row in literature_for(region):
        target = row["cfe_target"]
        model = [r["premium_usd_per_mwh"] for r in cfe_curve
                 if r["policy"] == "hourly" and r["feasible"] and r.get("grid_priced", True)
                 and (target is None or abs(r["target_cfe"] - target) < 1e-9)]
        lo, hi = row["premium_usd_per_mwh_low"], row["premium_usd_per_mwh_high"]
        out.append({**row, "model_low": min(model) if model else None, "model_high": max(model) if model else None,
                    "inside": all(lo <= m <= hi for m in model) if model else None})
    return out
