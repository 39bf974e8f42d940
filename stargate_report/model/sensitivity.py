"""Which assumption matters most: one-at-a-time swings (tornado) and global Sobol indices.

Both reuse the model's vectorized path: every case is one row of the input arrays, so a tornado
over k assumptions is a single evaluation of 2k + 1 rows, and Sobol indices one evaluation of the
Saltelli sample.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from stargate_report.exceptions import UnknownNameError
from stargate_report.model.evaluate import base_values, compute_results, make_plan
from stargate_report.model.scenario import Scenario, check_samples


def _output(plan, values, output: str) -> np.ndarray:
    res = compute_results(plan, values)
    if output not in res.quantities:
        raise UnknownNameError("output quantity", output, list(res.quantities))
    return res.quantities[output].samples


def tornado(scenario: Scenario, output: str) -> pd.DataFrame:
    """Swing of ``output`` when each uncertain assumption moves alone to its low and its high value.

    Returns
    -------
    pandas.DataFrame
        One row per assumption with a range: ``role, assumption, low, high, output_base, output_at_low,
        output_at_high, swing`` (``|at_high - at_low|``), sorted by swing, largest first.
    """
    plan = make_plan(scenario)
    roles = plan.uncertain_roles()
    n = 1 + 2 * len(roles)
    values = base_values(plan, n)
    for k, role in enumerate(roles):
        a = plan.rows[role]
        values[role] = values[role].copy()
        values[role][1 + 2 * k] = a.low
        values[role][2 + 2 * k] = a.high
    y = _output(plan, values, output)
    rows = []
    for k, role in enumerate(roles):
        a = plan.rows[role]
        lo, hi = y[1 + 2 * k], y[2 + 2 * k]
        rows.append({"role": role, "assumption": a.id, "low": a.low, "high": a.high, "unit": a.unit,
                     "output_base": y[0], "output_at_low": lo, "output_at_high": hi, "swing": abs(hi - lo)})
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    return df.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def sobol(scenario: Scenario, output: str, n: int = 512, seed: int = 0) -> pd.DataFrame:
    """First-order and total Sobol indices of ``output`` over the uncertain assumptions.

    Each assumption is taken uniform on ``[low, high]`` for the global analysis (the Monte Carlo of
    :func:`~stargate_report.model.evaluate.evaluate` uses triangular distributions around ``base``). The
    design is SALib's Saltelli sample on a scrambled Sobol' sequence (``n * (k + 2)`` rows, one vectorized
    evaluation of the model); the indices and their bootstrap confidence half-widths are SALib's
    ``sobol.analyze`` (first order: Saltelli et al. 2010, table 2 (b); total: Jansen 1999); same seed,
    same numbers.

    Returns
    -------
    pandas.DataFrame
        ``role, assumption, S1, S1_conf, ST, ST_conf``, sorted by ST.

    References
    ----------
    .. [1] Saltelli et al., "Variance based sensitivity analysis of model output. Design and estimator for
       the total sensitivity index", Computer Physics Communications 181 (2010) 259-270.
    .. [2] Herman & Usher, "SALib: An open-source Python library for Sensitivity Analysis", JOSS 2(9) 2017.
    """
    # SALib (with scipy.stats) takes about 0.4 s to import: only here, off the command's start-up path
    from SALib.analyze import sobol as sobol_analysis
    from SALib.sample import sobol as sobol_sample  # SALib only in the Sobol analysis

    columns = ["role", "assumption", "S1", "S1_conf", "ST", "ST_conf"]
    plan = make_plan(scenario)
    roles = plan.uncertain_roles()
    # Saltelli's design has n * (k + 2) rows: bounded like the Monte Carlo's samples, memory estimated first
    check_samples(n, "samples", len(roles) + 2)
    if not roles:
        return pd.DataFrame(columns=columns)
    problem = {"num_vars": len(roles), "names": roles,
               "bounds": [[plan.rows[r].low, plan.rows[r].high] for r in roles]}
    x = sobol_sample.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    values = base_values(plan, len(x))
    for j, role in enumerate(roles):
        values[role] = x[:, j]
    y = _output(plan, values, output)
    if np.ptp(y) <= np.finfo(float).eps * max(1.0, float(np.abs(y).max())):
        si = {k: np.zeros(len(roles)) for k in columns[2:]}  # an output that does not move: nothing to apportion
    else:
        si = sobol_analysis.analyze(problem, y, calc_second_order=False, seed=seed + 1)
    df = pd.DataFrame({"role": roles, "assumption": [plan.rows[r].id for r in roles],
                       **{k: np.asarray(si[k], dtype=float) for k in columns[2:]}})
    return df.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)
