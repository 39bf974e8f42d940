"""From accelerators to IT power, facility power and annual energy.

All functions are pure and vectorized: scalars or numpy arrays in, the same out.
"""
from __future__ import annotations

import numpy as np

from stargate_report.constants import HOURS_PER_YEAR, W_PER_MW


def it_power_w_per_accelerator(server_power_w_per_accelerator, it_overhead_ratio):
    r"""Design IT power per accelerator: its server's (or rack's) power plus its share of the cluster's network,
    storage and management.

    Parameters
    ----------
    server_power_w_per_accelerator : numeric
        Maximum power of the server or rack divided by its accelerators [W]: GPU, host CPUs, memory, NICs,
        fans, and for a GB200 NVL72 the NVLink switches (the rack's published power / 72).
    it_overhead_ratio : numeric
        IT power of the whole cluster divided by the power of its compute servers [unitless]:
        the network fabric, storage and management racks.

    Returns
    -------
    numeric
        IT power per accelerator [W].

    Notes
    -----
    .. math:: P_{IT,acc} = P_{server,acc} \cdot k_{IT}

    References
    ----------
    .. [1] NVIDIA, "DGX SuperPOD with DGX GB200 Systems, Reference Architecture": 1.2 MW of IT power for a
       scalable unit of 8 racks (576 GPUs) with its network and storage, i.e. 2,083 W per GPU.

    Examples
    --------
    DGX H100 (10.2 kW for 8 GPUs) with 14 % for network and storage:

    >>> round(float(it_power_w_per_accelerator(10_200 / 8, 1.14)), 1)
    1453.5
    """
    return np.multiply(server_power_w_per_accelerator, it_overhead_ratio)


def it_power_mw(accelerator_count, it_power_w_per_accelerator):
    r"""Design (peak) IT power of a fleet of accelerators.

    Parameters
    ----------
    accelerator_count : numeric
        Number of accelerators (GPUs) [unitless].
    it_power_w_per_accelerator : numeric
        Design IT power per accelerator [W] (:func:`it_power_w_per_accelerator`).

    Returns
    -------
    numeric
        Design IT power [MW].

    Notes
    -----
    .. math:: P_{IT} = N \cdot P_{IT,acc} / 10^6

    Examples
    --------
    >>> round(float(it_power_mw(576, 2083.3)), 3)
    1.2
    """
    return np.multiply(accelerator_count, it_power_w_per_accelerator) / W_PER_MW


def accelerators_for_it_power(it_power_mw, it_power_w_per_accelerator):
    r"""Number of accelerators a given design IT power holds (inverse of :func:`it_power_mw`).

    Parameters
    ----------
    it_power_mw : numeric
        Design IT power [MW].
    it_power_w_per_accelerator : numeric
        Design IT power per accelerator [W].

    Returns
    -------
    numeric
        Accelerators [unitless], not rounded.

    Notes
    -----
    A facility of capacity :math:`P_{fac}` holds :math:`N = P_{fac} / PUE_{design} \cdot 10^6 / P_{IT,acc}`
    accelerators: the design (peak) PUE decides the count, the annual-average PUE only the energy.

    Examples
    --------
    >>> round(float(accelerators_for_it_power(1.2, 2083.3)))
    576
    """
    return np.multiply(it_power_mw, W_PER_MW) / np.asarray(it_power_w_per_accelerator, dtype=float)


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
