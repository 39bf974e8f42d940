"""From accelerators to IT power, facility power and annual energy.

All functions are pure and vectorized: scalars or numpy arrays in, the same out.
"""
from __future__ import annotations

import numpy as np

from stargate_report.constants import HOURS_PER_YEAR, W_PER_MW


def it_power_mw(accelerator_count, accelerator_tdp_w, server_overhead_ratio):
    r"""Peak IT power of a fleet of accelerators.

    Parameters
    ----------
    accelerator_count : numeric
        Number of accelerators (GPUs) [unitless].
    accelerator_tdp_w : numeric
        Thermal design power of one accelerator [W].
    server_overhead_ratio : numeric
        Server (or rack) maximum power per accelerator divided by the accelerator TDP:
        host CPUs, memory, network, fans [unitless], e.g. 1.82 for a DGX H100.

    Returns
    -------
    numeric
        Peak IT power [MW].

    Notes
    -----
    .. math:: P_{IT} = N \cdot P_{TDP} \cdot k_{server} / 10^6

    References
    ----------
    .. [1] Cottier et al., "The rising costs of training frontier AI models",
       arXiv:2405.21015 (2024), App. C: Power = N x server-level TDP x PUE.

    Examples
    --------
    >>> round(float(it_power_mw(100_000, 700, 1.82)), 1)
    127.4
    """
    return np.multiply(np.multiply(accelerator_count, accelerator_tdp_w), server_overhead_ratio) / W_PER_MW


def accelerators_for_it_power(it_power_mw, accelerator_tdp_w, server_overhead_ratio):
    r"""Number of accelerators that a given peak IT power supplies (inverse of :func:`it_power_mw`).

    Parameters
    ----------
    it_power_mw : numeric
        Peak IT power [MW].
    accelerator_tdp_w : numeric
        [W]
    server_overhead_ratio : numeric
        [unitless]

    Returns
    -------
    numeric
        Accelerators [unitless], not rounded.

    Examples
    --------
    >>> round(float(accelerators_for_it_power(127.4, 700, 1.82)))
    100000
    """
    return np.multiply(it_power_mw, W_PER_MW) / np.multiply(accelerator_tdp_w, server_overhead_ratio)


def facility_power_mw(it_power_mw, pue):
    r"""Facility power from IT power and power usage effectiveness.

    Parameters
    ----------
    it_power_mw : numeric
        IT power [MW].
    pue : numeric
        Power usage effectiveness, facility power / IT power [unitless], >= 1.

    Returns
    -------
    numeric
        Facility power [MW].

    Notes
    -----
    .. math:: P_{facility} = P_{IT} \cdot PUE

    References
    ----------
    .. [1] The Green Grid, "PUE: A comprehensive examination of the metric", White Paper 49 (2012).

    Examples
    --------
    >>> float(facility_power_mw(100.0, 1.2))
    120.0
    """
    return np.multiply(it_power_mw, pue)


def annual_energy_mwh(power_mw, load_factor, hours=HOURS_PER_YEAR):
    r"""Energy over a year from peak power and the load factor (average / peak power).

    Parameters
    ----------
    power_mw : numeric
        Peak power [MW].
    load_factor : numeric
        Average power / peak power [unitless], 0..1.
    hours : numeric, default 8760
        Hours in the period [h].

    Returns
    -------
    numeric
        Energy [MWh].

    Notes
    -----
    .. math:: E = P \cdot LF \cdot h

    References
    ----------
    .. [1] Patterson et al., "Carbon Emissions and Large Neural Network Training",
       arXiv:2104.10350 (2021), Section 2: energy = hours x processors x average power x PUE.

    Examples
    --------
    >>> float(annual_energy_mwh(1.0, 1.0))
    8760.0
    """
    return np.multiply(np.multiply(power_mw, load_factor), hours)
