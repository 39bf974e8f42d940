"""Which assumption matters most: one-at-a-time swings (tornado) and global Sobol indices.

Both reuse the model's vectorized path: every case is one row of the input arrays, so a tornado
over k assumptions is a single evaluation of 2k + 1 rows, and Sobol indices one evaluation of the
Saltelli sample.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from stargate_report.exceptions import ParameterError, UnknownNameError
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


def saltelli_sample(bounds: np.ndarray, n: int, seed: int | None = 0) -> np.ndarray:
    """Saltelli's design for first- and total-order indices: ``n * (k + 2)`` rows of ``k`` inputs.

    From ``n`` Sobol' points in ``2k`` dimensions (randomly shifted, :mod:`~stargate_report.model.sobol_sequence`)
    the first ``k`` columns form matrix A and the last ``k`` matrix B. Each block of ``k + 2`` rows is
    ``A_i``, then ``A_i`` with column ``j`` taken from ``B_i`` (``AB_j``, for j = 1..k), then ``B_i``: the
    layout of ``SALib.sample.sobol.sample(..., calc_second_order=False)``.

    Parameters
    ----------
    bounds : array of shape (k, 2)
        Low and high value of each input (uniform between them).
    n : int
        Base sample size (a power of two keeps the Sobol' net balanced).
    seed : int, optional
        Seed of the random digital shift; ``None`` uses the plain Sobol' points (then the rows equal
        SALib's with ``scramble=False``).

    References
    ----------
    .. [1] Saltelli, "Making best use of model evaluations to compute sensitivity indices", Computer
       Physics Communications 145 (2002) 280-297.
    """
    from stargate_report.model.sobol_sequence import points

    bounds = np.asarray(bounds, dtype=float)
    k = len(bounds)
    base = points(n, 2 * k, shift_seed=seed)
    a, b = base[:, :k], base[:, k:]
    x = np.repeat(a[:, None, :], k + 2, axis=1)  # (n, k + 2, k)
    x[:, -1, :] = b
    cols = np.arange(k)
    x[:, 1 + cols, cols] = b[:, cols]
    lo, hi = bounds[:, 0], bounds[:, 1]
    return lo + x.reshape(n * (k + 2), k) * (hi - lo)


def sobol_indices(y: np.ndarray, k: int, resamples: int = 100, conf_level: float = 0.95,
                  seed: int = 0) -> dict[str, np.ndarray]:
    """First-order (S1) and total (ST) Sobol indices from the outputs of :func:`saltelli_sample`'s rows.

    With ``y`` standardised, ``f_A``, ``f_B`` and ``f_ABj`` the outputs of the three kinds of rows and
    ``V = var([f_A, f_B])``::

        S1_j = mean(f_B * (f_ABj - f_A)) / V            (Saltelli et al. 2010, table 2 (b))
        ST_j = mean((f_A - f_ABj) ** 2) / (2 V)         (Jansen 1999; ibid. table 2 (f))

    The ``*_conf`` half-widths are ``z * std`` of the estimates over ``resamples`` bootstrap resamples
    of the ``n`` blocks. Same estimators, bootstrap and random stream as ``SALib.analyze.sobol.analyze``
    (``calc_second_order=False``, a non-zero ``seed``); the test suite compares the two.

    Returns
    -------
    dict
        ``S1, S1_conf, ST, ST_conf``: arrays of ``k`` values [unitless].

    References
    ----------
    .. [1] Saltelli et al., "Variance based sensitivity analysis of model output. Design and estimator
       for the total sensitivity index", Computer Physics Communications 181 (2010) 259-270.
    """
    from statistics import NormalDist

    y = np.asarray(y, dtype=float)
    if y.ndim != 1 or y.size % (k + 2):
        raise ParameterError("y", f"{y.size} values", f"a flat array of n * (k + 2) = n * {k + 2} outputs "
                             "(the model at the rows of saltelli_sample)")
    n = y.size // (k + 2)
    y = (y - y.mean()) / (y.std() or 1.0)
    blocks = y.reshape(n, k + 2)
    f_a, f_b, f_ab = blocks[:, 0], blocks[:, -1], blocks[:, 1:-1]
    r = np.random.default_rng(seed).integers(n, size=(n, resamples))
    z = NormalDist().inv_cdf(0.5 + conf_level / 2)

    def first(a, ab, b):
        var = np.var(np.r_[a, b], axis=0)
        return np.divide(np.mean(b * (ab - a), axis=0), var, out=np.zeros_like(var), where=var > _EPS)

    def total(a, ab, b):
        var = np.var(np.r_[a, b], axis=0)
        return np.divide(0.5 * np.mean((a - ab) ** 2, axis=0), var, out=np.zeros_like(var), where=var > _EPS)

    out = {name: np.zeros(k) for name in ("S1", "S1_conf", "ST", "ST_conf")}
    constant = np.ptp(y) <= _EPS
    for j in range(k):
        if constant:
            continue  # an output that does not move has no variance to apportion
        out["S1"][j] = first(f_a, f_ab[:, j], f_b)
        out["ST"][j] = total(f_a, f_ab[:, j], f_b)
        out["S1_conf"][j] = z * first(f_a[r], f_ab[r, j], f_b[r]).std(ddof=1)
        out["ST_conf"][j] = z * total(f_a[r], f_ab[r, j], f_b[r]).std(ddof=1)
    return out


_EPS = float(np.finfo(float).eps)


def sobol(scenario: Scenario, output: str, n: int = 512, seed: int = 0) -> pd.DataFrame:
    """First-order and total Sobol indices of ``output`` over the uncertain assumptions.

    Each assumption is taken uniform on ``[low, high]`` for the global analysis (the Monte Carlo of
    :func:`~stargate_report.model.evaluate.evaluate` uses triangular distributions around ``base``). The design
    is :func:`saltelli_sample` (``n * (k + 2)`` rows, one vectorized evaluation), the estimators
    :func:`sobol_indices`; same seed, same numbers.

    Returns
    -------
    pandas.DataFrame
        ``role, assumption, S1, S1_conf, ST, ST_conf``, sorted by ST.

    References
    ----------
    .. [1] Saltelli et al., "Variance based sensitivity analysis of model output", Computer Physics
       Communications 181 (2010) 259-270. Checked against SALib (Herman & Usher, JOSS 2(9) 2017).
    """
    plan = make_plan(scenario)
    roles = plan.uncertain_roles()
    # Saltelli's design has n * (k + 2) rows: bounded like the Monte Carlo's samples, memory estimated first
    check_samples(n, "samples", len(roles) + 2)
    if not roles:
        return pd.DataFrame(columns=["role", "assumption", "S1", "S1_conf", "ST", "ST_conf"])
    bounds = np.array([[plan.rows[r].low, plan.rows[r].high] for r in roles], dtype=float)
    x = saltelli_sample(bounds, n, seed=seed)
    values = base_values(plan, len(x))
    for j, role in enumerate(roles):
        values[role] = x[:, j]
    si = sobol_indices(_output(plan, values, output), len(roles), seed=seed)
    df = pd.DataFrame({"role": roles, "assumption": [plan.rows[r].id for r in roles], "S1": si["S1"],
                       "S1_conf": si["S1_conf"], "ST": si["ST"], "ST_conf": si["ST_conf"]})
    return df.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)
