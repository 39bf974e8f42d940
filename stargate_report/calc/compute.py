"""Compute delivered by a fleet of accelerators, and what it is worth in training runs."""
from __future__ import annotations

import numpy as np

from stargate_report.constants import HOURS_PER_YEAR, SECONDS_PER_HOUR


def flop_per_year(accelerator_count, peak_flop_per_s, utilization, hours=HOURS_PER_YEAR):
    r"""Floating-point operations delivered in a year.

    Parameters
    ----------
    accelerator_count : numeric
        Accelerators [unitless].
    peak_flop_per_s : numeric
        Peak dense throughput of one accelerator at the chosen precision [FLOP/s].
    utilization : numeric
        Model FLOPs utilization (achieved / peak) [unitless], 0..1.
    hours : numeric, default 8760
        Hours of operation [h].

    Returns
    -------
    numeric
        FLOP delivered [FLOP].

    Notes
    -----
    .. math:: C = N \cdot F_{peak} \cdot MFU \cdot 3600 \cdot h

    References
    ----------
    .. [1] Chowdhery et al., "PaLM", arXiv:2204.02311 (2022), App. B (model FLOPs utilization).
    .. [2] Dubey et al., "The Llama 3 Herd of Models", arXiv:2407.21783 (2024), Table 4.

    Examples
    --------
    >>> f"{float(flop_per_year(1, 1e15, 0.5, hours=1)):.1e}"
    '1.8e+18'
    """
    return np.multiply(np.multiply(np.multiply(accelerator_count, peak_flop_per_s), utilization),
                       np.multiply(hours, SECONDS_PER_HOUR))


def training_runs(flop_available, flop_per_run):
    r"""How many training runs of a given size a compute budget covers.

    Parameters
    ----------
    flop_available : numeric
        Compute delivered [FLOP].
    flop_per_run : numeric
        Compute of one run [FLOP], e.g. about 2.1e25 for GPT-4 (Epoch AI estimate).

    Returns
    -------
    numeric
        Runs [unitless], not rounded.

    Examples
    --------
    >>> float(training_runs(4.2e25, 2.1e25))
    2.0
    """
    return np.divide(flop_available, flop_per_run)
