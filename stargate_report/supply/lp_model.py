"""The linear programme itself: the linopy model (capacities, hourly dispatch, state of charge, the CFE constraint),
solved with HiGHS, and the solution read back into a :class:`~stargate_report.supply.lp_inputs.MixResult`."""
from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stargate_report.supply.lp_inputs import (
    HOURS_PER_YEAR,
    MAXCFE_CAPACITY_PER_LOAD,
    InfeasibleTarget,
    MixResult,
    _Inputs,
)

# Formulation switches (all variants give the same optimum; see NOTES.md for timings):
#  curtail_bound    -- keep 0 <= curtailment_t <= available VRE_t explicitly (True)
#  shared_converter -- battery charge + discharge <= P instead of each <= P (False)
#  cfe_form         -- "imports": sum_t m_t (1 - s_t) <= (1 - CFE) sum_t L_t, the 247-cfe score
#                      rewritten with the hourly balance (one sparse row, ~2x faster with IPM);
#                      "score": the 247-cfe left-hand side written out term by term.
_OPTS = {"curtail_bound": True, "shared_converter": False, "cfe_form": "imports"}

if TYPE_CHECKING:
    import linopy


_HIGHS = {"solver": "ipm", "run_crossover": "on"}


# ---------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------
def _build(inp: _Inputs, mode: str, target: float | None):
    """Build the linopy model.

    mode: "cfe" (least cost s.t. CFE >= target), "maxcfe" (maximise the CFE score),
    "annual" (least cost s.t. annual renewable generation >= target x annual load, no curtailment,
    surplus exported).
    """
    T = inp.T
    w = HOURS_PER_YEAR / T  # snapshot weight -> per-year quantities
    t = pd.RangeIndex(T, name="t")
    import linopy  # about 0.5 s to import (xarray): only when a mix is solved

    m = linopy.Model(force_dim_names=True)
    load = pd.Series(inp.load, index=t)
    cfe_s = pd.Series(inp.grid_cfe, index=t)
    price = pd.Series(inp.price, index=t)
    uc = inp.unit_costs
    fixed = inp.fixed
    cost_terms = []  # linear expressions [USD/yr]
    bal_supply = []  # expressions entering the bus balance (+ supply)
    clean = []  # expressions counted as clean supply at the bus (gen, discharge - charge)
    v: dict[str, Any] = {}

    def cap_var(name: str, max_key: dict | None):
        ub = np.inf
        if max_key is not None and max_key.get("max_mw") is not None:
            ub = float(max_key["max_mw"])
        if name in fixed:
            return m.add_variables(lower=fixed[name], upper=fixed[name], name=name)
        if mode == "maxcfe":  # costs play no part: bound the region (the solvers report an unbounded one as such)
            ub = min(ub, MAXCFE_CAPACITY_PER_LOAD * float(inp.load.max()))
        return m.add_variables(lower=0.0, upper=ub, name=name)

    # --- variable renewables -------------------------------------------------
    # Available VRE output sum_k cap_k cf_k,t enters the balance directly; one curtailment
    # variable per hour (0 <= curt_t <= available_t) removes what is not used.  This is the
    # same feasible set as per-technology dispatch variables (gen_k,t <= cap_k cf_k,t) for
    # the aggregate, with one variable/row per hour less per technology.
    vre_avail = None
    for tech, cf in (("solar", inp.solar_cf), ("wind", inp.wind_cf)):
        if cf is None:
            continue
        cap = cap_var(f"{tech}_mw", inp.costs.get(tech))
        avail = cap * pd.Series(cf, index=t)
        v[f"{tech}_mw"], v[f"{tech}_avail_cf"] = cap, cf
        cost_terms.append(uc[tech] * cap)
        vre_avail = avail if vre_avail is None else vre_avail + avail
    if vre_avail is not None:
        if mode == "annual":
            vre_used = vre_avail  # no curtailment: all generation is delivered (surplus exported)
        else:
            curt = m.add_variables(lower=0.0, coords=[t], name="vre_curtail")
            if _OPTS["curtail_bound"]:
                m.add_constraints(curt - vre_avail <= 0, name="vre_curtail_max")
            v["vre_curtail"] = curt
            vre_used = vre_avail - curt
        bal_supply.append(vre_used)
        clean.append(vre_used)

    # --- firm clean ----------------------------------------------------------
    if inp.firm_clean is not None and mode != "annual":
        fc = inp.firm_clean
        cap = cap_var("firm_mw", fc)
        g = m.add_variables(lower=0.0, coords=[t], name="firm_gen")
        m.add_constraints(g - float(fc.get("availability", 1.0)) * cap <= 0, name="firm_avail")
        v["firm_mw"], v["firm_gen"] = cap, g
        cost_terms.append(uc["firm"] * cap + w * float(fc.get("vom_usd_per_mwh", 0.0)) * g.sum())
        bal_supply.append(g)
        clean.append(g)

    # --- storage ------------------------------------------------------------
    stores = []
    if inp.allow_battery:
        stores.append(("battery", inp.costs["battery"]))
    if inp.long_duration is not None:
        stores.append(("ldes", inp.long_duration))
    for name, sc in stores:
        eta = math.sqrt(float(sc.get("rte", 1.0)))
        p = cap_var(f"{name}_mw", sc)
        e = m.add_variables(lower=fixed.get(f"{name}_mwh", 0.0), upper=fixed.get(f"{name}_mwh", np.inf),
                            name=f"{name}_mwh")
        p_t, e_t = p, e
        ch = m.add_variables(lower=0.0, coords=[t], name=f"{name}_charge")
        dis = m.add_variables(lower=0.0, coords=[t], name=f"{name}_discharge")
        soc = m.add_variables(lower=0.0, coords=[t], name=f"{name}_soc")
        if _OPTS["shared_converter"]:
            m.add_constraints(ch + dis - p_t <= 0, name=f"{name}_power_max")
        else:
            m.add_constraints(ch - p_t <= 0, name=f"{name}_charge_max")
            m.add_constraints(dis - p_t <= 0, name=f"{name}_discharge_max")
        m.add_constraints(soc - e_t <= 0, name=f"{name}_soc_max")
        # cyclic: soc[t] - soc[t-1] (roll wraps t=0 to T-1) = eta*ch - dis/eta
        m.add_constraints(soc - soc.roll(t=1) - eta * ch + (1.0 / eta) * dis == 0, name=f"{name}_soc_balance")
        if sc.get("min_duration_h") is not None:
            m.add_constraints(e - float(sc["min_duration_h"]) * p >= 0, name=f"{name}_min_duration")
        if sc.get("max_duration_h") is not None:
            m.add_constraints(e - float(sc["max_duration_h"]) * p <= 0, name=f"{name}_max_duration")
        v[f"{name}_mw"], v[f"{name}_mwh"] = p, e
        v[f"{name}_charge"], v[f"{name}_discharge"], v[f"{name}_soc"] = ch, dis, soc
        cost_terms.append(uc[f"{name}_p"] * p + uc[f"{name}_e"] * e)
        bal_supply.append(dis - ch)
        clean.append(dis - ch)

    # --- grid -----------------------------------------------------------------
    imp = m.add_variables(lower=0.0, coords=[t], name="grid_import")
    v["grid_import"] = imp
    cost_terms.append(w * (price * imp).sum())
    export_allowed = mode == "annual" or inp.surplus_value > 0
    exp = None
    if export_allowed:
        exp = m.add_variables(lower=0.0, coords=[t], name="grid_export")
        v["grid_export"] = exp
        if inp.surplus_value > 0:
            cost_terms.append(-w * inp.surplus_value * exp.sum())
        if inp.max_export_share is not None and mode != "annual":
            m.add_constraints(exp.sum() <= inp.max_export_share * float(inp.load.sum()), name="export_cap")

    # --- flexible load (intra-day shifting, daily energy conserved) -------------
    shift = None
    if inp.flex > 0 and mode != "annual":
        band = pd.Series(inp.flex * inp.load, index=t)
        shift = m.add_variables(lower=-band, upper=band, coords=[t], name="load_shift")
        day = pd.Series(np.arange(T) // 24, index=t, name="day")
        m.add_constraints(shift.groupby(day.to_xarray()).sum() == 0, name="load_shift_daily")
        v["load_shift"] = shift

    # --- hourly balance: supply + import - export = load (+ shift) ---------------
    lhs = imp
    for e_ in bal_supply:
        lhs = lhs + e_
    if exp is not None:
        lhs = lhs - exp
    if shift is not None:
        lhs = lhs - shift
    m.add_constraints(lhs == load, name="balance")

    # --- CFE score (247-cfe): clean supply - export + import x grid CFE ----------
    score = (imp * cfe_s).sum()
    for e_ in clean:
        score = score + e_.sum()
    if exp is not None:
        score = score - exp.sum()
    total_load = float(inp.load.sum())

    if mode == "cfe":
        if target is not None and target > 0:
            if _OPTS["cfe_form"] == "score":
                m.add_constraints(score >= target * total_load, name="cfe")
            elif _OPTS["cfe_form"] == "imports":
                # equivalent by the hourly balance and daily load conservation:
                # score = sum L' - sum m (1 - s)  =>  sum m (1 - s) <= (1 - target) sum L
                m.add_constraints((imp * (1.0 - cfe_s)).sum() <= (1.0 - target) * total_load, name="cfe")
    elif mode == "annual":
        if vre_avail is None:
            raise InfeasibleTarget(target or 1.0, 0.0)
        ren = vre_avail.sum()
        m.add_constraints(ren >= (target if target is not None else 1.0) * total_load, name="annual_matching")

    if mode == "maxcfe":
        m.add_objective(-1.0 * score)
    else:
        obj = cost_terms[0]
        for c in cost_terms[1:]:
            obj = obj + c
        m.add_objective(obj)
    return m, v, score


def _options(inp: _Inputs) -> str:
    """The supply options of a problem, in words (for messages)."""
    names = [n for n, on in (("solar", inp.solar_cf is not None), ("wind", inp.wind_cf is not None),
                             ("batteries", inp.allow_battery), ("long-duration storage", inp.long_duration is not None),
                             ("firm clean supply", inp.firm_clean is not None),
                             (f"{inp.flex:.0%} flexible load", inp.flex > 0)) if on]
    return ", ".join(names) + " and the grid" if names else "the grid alone"


def _solve(m: linopy.Model, threads: int = 2, **highs) -> tuple[str, str, float]:
    t0 = time.perf_counter()
    with _quiet_fd1():  # HiGHS prints its banner from C++ before options apply: keep stdout (JSON) clean
        status, cond = m.solve(solver_name="highs", io_api="direct", output_flag=False, log_to_console=False,
                               threads=threads, **{**_HIGHS, **highs})
    return status, str(cond), time.perf_counter() - t0


@contextlib.contextmanager
def _quiet_fd1():
    """Send file descriptor 1 to /dev/null for the duration (C-level writes included)."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no fd 1 (embedded): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _expr_val(expr) -> np.ndarray:
    """Value of a linopy Variable or LinearExpression after solving."""
    return np.asarray(expr.solution.values, dtype=float)


def _collect(inp: _Inputs, v: dict, mode: str, target, status, solve_s, build_s, hourly: bool) -> MixResult:
    T = inp.T
    w = HOURS_PER_YEAR / T
    uc = inp.unit_costs
    caps: dict[str, float] = {}
    for k in ("solar_mw", "wind_mw", "battery_mw", "battery_mwh", "ldes_mw", "ldes_mwh", "firm_mw"):
        caps[k] = max(0.0, float(v[k].solution.values)) if k in v else 0.0
    cols: dict[str, np.ndarray] = {"load": inp.load}
    gen_mwh: dict[str, float] = {}
    curtail = np.zeros(T)
    clean_at_bus = np.zeros(T)
    curt_total = _expr_val(v["vre_curtail"]) if "vre_curtail" in v else np.zeros(T)
    avail = {tech: caps[f"{tech}_mw"] * v[f"{tech}_avail_cf"] for tech in ("solar", "wind")
             if f"{tech}_avail_cf" in v}
    avail_sum = sum(avail.values()) if avail else np.zeros(T)
    curt_total = np.minimum(np.clip(curt_total, 0.0, None), avail_sum)
    for tech, a in avail.items():
        # curtailment attributed pro rata to availability (reporting only)
        share = np.divide(a, avail_sum, out=np.zeros(T), where=avail_sum > 0)
        cols[f"{tech}_curtailed"] = curt_total * share
        cols[tech] = a - cols[f"{tech}_curtailed"]
        gen_mwh[tech] = w * float(cols[tech].sum())
        clean_at_bus += cols[tech]
    curtail += curt_total
    if "firm_gen" in v:
        g = _expr_val(v["firm_gen"])
        cols["firm"] = g
        gen_mwh["firm"] = w * float(g.sum())
        clean_at_bus += g
    for s in ("battery", "ldes"):
        if f"{s}_charge" in v:
            ch, dis, soc = (_expr_val(v[f"{s}_{x}"]) for x in ("charge", "discharge", "soc"))
            cols[f"{s}_charge"], cols[f"{s}_discharge"], cols[f"{s}_soc"] = ch, dis, soc
            clean_at_bus += dis - ch
    imp = _expr_val(v["grid_import"])
    exp = _expr_val(v["grid_export"]) if "grid_export" in v else np.zeros(T)
    cols["grid_import"], cols["grid_export"] = imp, exp
    served = inp.load + (_expr_val(v["load_shift"]) if "load_shift" in v else 0.0)
    cols["served_load"] = served
    cols["grid_cfe_share"] = inp.grid_cfe
    load_mwh = w * float(inp.load.sum())
    # achieved CFE (247-cfe accounting), from the dispatch
    cfe_share = float((clean_at_bus - exp + imp * inp.grid_cfe).sum() / inp.load.sum())
    breakdown = {}
    for tech in ("solar", "wind", "firm"):
        if caps.get(f"{tech}_mw", 0.0) or tech in uc:
            if tech in uc:
                breakdown[tech] = uc[tech] * caps[f"{tech}_mw"]
    if "firm" in gen_mwh and inp.firm_clean is not None:
        breakdown["firm_vom"] = float(inp.firm_clean.get("vom_usd_per_mwh", 0.0)) * gen_mwh["firm"]
    for s in ("battery", "ldes"):
        if f"{s}_p" in uc and f"{s}_charge" in v:
            breakdown[s] = uc[f"{s}_p"] * caps[f"{s}_mw"] + uc[f"{s}_e"] * caps[f"{s}_mwh"]
    breakdown["grid_purchases"] = w * float((inp.price * imp).sum())
    breakdown["surplus_revenue"] = -w * inp.surplus_value * float(exp.sum())
    total = float(sum(breakdown.values()))
    df = pd.DataFrame(cols) if hourly else None
    return MixResult(
        capacities=caps,
        annual_cost_usd=total,
        cost_usd_per_mwh=total / load_mwh,
        cost_breakdown_usd=breakdown,
        cfe_share=cfe_share,
        target_cfe=target,
        load_mwh=load_mwh,
        grid_import_mwh=w * float(imp.sum()),
        grid_export_mwh=w * float(exp.sum()),
        curtailment_mwh=w * float(curtail.sum()),
        generation_mwh=gen_mwh,
        status=status,
        solve_time_s=solve_s,
        build_time_s=build_s,
        mode=mode,
        hourly=df,
    )
