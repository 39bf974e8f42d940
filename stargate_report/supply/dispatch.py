"""Hourly supply of an AI campus: solar, wind, battery and grid, matched hour by hour.

One call simulates a year (8,760 hours) for N candidate systems at once: arrays of shape (N,) for the
capacities, and the hourly profiles of :mod:`stargate_report.supply.profiles`. Only the battery's state of charge
needs the hours in sequence; everything else is vectorized. The year is run twice and the second pass is
kept, so the state of charge is carried over the year (periodic steady state).

Dispatch rule (greedy, no foresight): renewable output serves the load first; a surplus charges the
battery (power and energy limits, charging efficiency) and the rest is curtailed; a deficit is met by the
battery (power limit, stored energy, discharging efficiency), then by the grid. Round-trip efficiency is
split evenly: eta_charge = eta_discharge = sqrt(RTE).

References
----------
.. [1] Xu, Jenkins et al., "System-level impacts of 24/7 carbon-free electricity procurement",
   Princeton ZERO Lab (2021), Zenodo 6229426: hourly CFE score = 1 - grid / load.
.. [2] Riepin & Brown, "On the means, costs, and system-level impacts of 24/7 carbon-free energy
   procurement", arXiv:2403.07876 (2024).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from stargate_report.constants import HOURS_PER_YEAR
from stargate_report.exceptions import ParameterError

N_HOURS = int(HOURS_PER_YEAR)


CHUNK = 128  # candidates simulated together: 8,760 x 128 floats (9 MB) per array stay in reused heap memory


def _as_vector(name: str, value, n: int | None = None) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(value, dtype=float))
    if arr.ndim != 1:
        raise ParameterError(name, value, "a number or a 1-D array of numbers")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(name, value, "finite numbers")
    if np.any(arr < 0):
        raise ParameterError(name, float(arr.min()), "a number >= 0")
    if n is not None and arr.size not in (1, n):
        raise ParameterError(name, f"{arr.size} values", f"1 or {n} values")
    return arr


def check_system(load_mw, solar_mw, wind_mw, battery_mw, battery_mwh, round_trip_efficiency):
    """Validate and broadcast a system description; returns arrays of shape (N,)."""
    arrays = {k: _as_vector(k, v) for k, v in (("load_mw", load_mw), ("solar_mw", solar_mw), ("wind_mw", wind_mw),
                                                 ("battery_mw", battery_mw), ("battery_mwh", battery_mwh))}
    n = max(a.size for a in arrays.values())
    for k, a in arrays.items():
        if a.size not in (1, n):
            raise ParameterError(k, f"{a.size} values", f"1 or {n} values (one per candidate)")
    out = {k: np.broadcast_to(a, (n,)).astype(float) for k, a in arrays.items()}
    if np.any(out["load_mw"] <= 0):
        raise ParameterError("load_mw", float(out["load_mw"].min()), "a number > 0")
    bad = (out["battery_mwh"] > 0) & (out["battery_mw"] == 0)
    if np.any(bad):
        raise ParameterError("battery_mw", 0.0, "> 0 when battery_mwh > 0 (a battery needs power to charge)")
    rte = float(round_trip_efficiency)
    if not (0 < rte <= 1) or math.isnan(rte):
        raise ParameterError("round_trip_efficiency", round_trip_efficiency, "a share in (0, 1]")
    return out, rte


@dataclass
class Dispatch:
    """Hourly results of one system (arrays of 8,760 values, MW in each hour = MWh)."""

    load: np.ndarray
    solar: np.ndarray
    wind: np.ndarray
    charge: np.ndarray
    discharge: np.ndarray
    soc: np.ndarray
    grid: np.ndarray
    curtailed: np.ndarray
    #: clean firm output and energy sold to the grid (the least-cost LP's options; zero in :func:`simulate`)
    firm: np.ndarray | None = None
    export: np.ndarray | None = None

    def balance_residual(self) -> np.ndarray:
        """solar + wind + firm + discharge + grid - (load + charge + curtailed + export), every hour [MW]: zero."""
        extra = (0.0 if self.firm is None else self.firm) - (0.0 if self.export is None else self.export)
        return (self.solar + self.wind + self.discharge + self.grid + extra
                - (self.load + self.charge + self.curtailed))


@dataclass
class SupplyResult:
    """Annual metrics per candidate (arrays of shape (N,)), and hourly detail for candidate 0 if kept."""

    load_mwh: np.ndarray
    solar_mwh: np.ndarray
    wind_mwh: np.ndarray
    grid_import_mwh: np.ndarray
    grid_peak_mw: np.ndarray
    curtailed_mwh: np.ndarray
    charge_mwh: np.ndarray
    discharge_mwh: np.ndarray
    battery_mwh: np.ndarray
    solar_capacity_factor: float
    wind_capacity_factor: float
    hourly: Dispatch | None = field(default=None, repr=False)
    #: carbon-free share of grid energy: imports count towards the CFE score at this share
    grid_cfe_share: float = 0.0

    @property
    def annual_match_share(self) -> np.ndarray:
        """Renewable generation / load over the year, capped at 1 (volumetric annual matching)."""
        return np.minimum((self.solar_mwh + self.wind_mwh) / self.load_mwh, 1.0)

    @property
    def hourly_cfe_share(self) -> np.ndarray:
        """The 24/7 CFE score: own supply used hour by hour plus grid imports at the grid's clean share,
        over the load: 1 - grid x (1 - grid_cfe_share) / load (Google 2021; Riepin & Brown 2024)."""
        return 1.0 - self.grid_import_mwh * (1.0 - self.grid_cfe_share) / self.load_mwh

    @property
    def own_supply_share(self) -> np.ndarray:
        """Share of the load met hour by hour by own supply and storage alone: 1 - grid / load."""
        return 1.0 - self.grid_import_mwh / self.load_mwh

    @property
    def battery_cycles(self) -> np.ndarray:
        """Full equivalent cycles per year: discharged energy / energy capacity (0 without a battery)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.battery_mwh > 0, self.discharge_mwh / self.battery_mwh, 0.0)

    def metrics(self, i: int = 0) -> dict[str, float]:
        """The metrics of candidate ``i`` as plain floats (the CLI's JSON keys)."""
        return {"annual_match_share": float(self.annual_match_share[i]),
                "hourly_cfe_share": float(self.hourly_cfe_share[i]), "own_supply_share": float(self.own_supply_share[i]),
                "grid_cfe_share": float(self.grid_cfe_share),
                "curtailed_mwh": float(self.curtailed_mwh[i]), "grid_import_mwh": float(self.grid_import_mwh[i]),
                "grid_peak_mw": float(self.grid_peak_mw[i]), "battery_cycles": float(self.battery_cycles[i]),
                "load_mwh": float(self.load_mwh[i]), "solar_mwh": float(self.solar_mwh[i]),
                "wind_mwh": float(self.wind_mwh[i]), "solar_capacity_factor": self.solar_capacity_factor,
                "wind_capacity_factor": self.wind_capacity_factor}


def _zeros() -> np.ndarray:
    return np.zeros(N_HOURS)


#: hours per block of the state-of-charge scan (8,760 = 73 blocks x 120 hours)
SCAN_BLOCK_H = 120


def state_of_charge_mwh(flow_mwh, capacity_mwh, passes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    r"""State of charge of stores fed by hourly signed flows, clamped to their capacity.

    Every hour :math:`s_t = \min(E, \max(0, s_{t-1} + x_t))`: a flow the store cannot take is spilled.
    A composition of such clamped additions is again one, :math:`f(s) = \min(h, \max(l, s + a))` with
    :math:`a' = a + x`, :math:`l' = \mathrm{clamp}(l + x)`, :math:`h' = \mathrm{clamp}(h + x)`, so the year is
    split into blocks of ``SCAN_BLOCK_H`` hours: (1) each block's function is built, all blocks at once;
    (2) the blocks are chained to find each block's starting state; (3) the hours inside the blocks are
    replayed, all blocks at once. About 2 x 120 + 73 vectorized steps instead of 8,760 per pass; the
    results equal the hour-by-hour recurrence up to rounding.

    Parameters
    ----------
    flow_mwh : array (H, N)
        Energy offered to (+) or asked from (-) each of N stores in each hour [MWh, stored-energy terms].
    capacity_mwh : array (N,)
        Energy capacity of each store [MWh].
    passes : int
        Passes over the year, each starting from where the last one ended (the first from empty).

    Returns
    -------
    soc_end, soc_start : arrays (H, N)
        State of charge at the end and at the start of each hour of the last pass [MWh].

    References
    ----------
    .. [1] Blelloch, "Prefix sums and their applications", CMU-CS-90-190 (1990): scans of any
       associative operator, here the composition of clamped additions.
    """
    x = np.asarray(flow_mwh, float)
    cap = np.asarray(capacity_mwh, float)
    hours, n = x.shape
    L = SCAN_BLOCK_H
    blocks = -(-hours // L)
    xb = np.zeros((blocks, L, n))  # block, hour in block, store; padded hours have no flow (identity)
    xb.reshape(blocks * L, n)[:hours] = x
    xs = xb.transpose(1, 0, 2)  # a view: xs[t] is hour t of every block
    # (1) each block as one clamped addition, on the store's range [0, E]
    a, lo, hi = np.zeros((blocks, n)), np.zeros((blocks, n)), np.broadcast_to(cap, (blocks, n)).copy()
    for t in range(L):
        a += xs[t]
        lo += xs[t]
        np.clip(lo, 0.0, cap, out=lo)
        hi += xs[t]
        np.clip(hi, 0.0, cap, out=hi)
    # (2) chain the blocks over the passes
    start = np.empty((blocks, n))
    s = np.zeros(n)
    for _ in range(max(1, passes)):
        for b in range(blocks):
            start[b] = s
            s = np.clip(s + a[b], lo[b], hi[b])
    # (3) replay the hours of every block from its starting state
    end = np.empty_like(xb)
    s = start.copy()
    for t in range(L):
        s += xs[t]
        np.clip(s, 0.0, cap, out=s)
        end[:, t] = s
    soc_end = end.reshape(blocks * L, n)[:hours]
    soc_start = np.empty_like(soc_end)
    soc_start[1:] = soc_end[:-1]
    soc_start[0] = start[0]
    return soc_end, soc_start


def simulate(load_mw, solar_mw=0.0, wind_mw=0.0, battery_mw=0.0, battery_mwh=0.0, *, solar_profile=None,
             wind_profile=None, round_trip_efficiency: float = 0.85, load_shape=None, keep_hourly: bool = False,
             passes: int = 2, grid_cfe_share: float = 0.0) -> SupplyResult:
    r"""Simulate a year of hourly dispatch for one or many systems.

    Parameters
    ----------
    load_mw : numeric or array (N,)
        Average campus load [MW] (constant, or scaled by ``load_shape``).
    solar_mw, wind_mw : numeric or array (N,)
        Installed capacity [MW_AC].
    battery_mw : numeric or array (N,)
        Battery power limit, charge and discharge [MW].
    battery_mwh : numeric or array (N,)
        Battery energy capacity [MWh].
    solar_profile, wind_profile : array (8760,), optional
        Output per MW of capacity [MW/MW]; ``None`` means the technology is not available (treated as 0).
    round_trip_efficiency : float
        Battery round-trip efficiency [unitless], (0, 1].
    load_shape : array (8760,), optional
        Hourly load relative to its mean [unitless]; constant if omitted.
    keep_hourly : bool
        Keep the hourly arrays of candidate 0 in ``SupplyResult.hourly``.
    passes : int
        Passes over the year; the state of charge at the end of one starts the next (default 2).
    grid_cfe_share : float
        Carbon-free share of grid energy [0..1]: imports count towards ``hourly_cfe_share`` at this share.

    Returns
    -------
    SupplyResult

    Notes
    -----
    Every hour: :math:`S + W + D + G = L + C + X` (solar, wind, discharge, grid; load, charge, curtailment).
    """
    sys_, rte = check_system(load_mw, solar_mw, wind_mw, battery_mw, battery_mwh, round_trip_efficiency)
    sp = _zeros() if solar_profile is None else np.asarray(solar_profile, float)
    wp = _zeros() if wind_profile is None else np.asarray(wind_profile, float)
    shape = np.ones(N_HOURS) if load_shape is None else np.asarray(load_shape, float)
    for name, arr in (("solar_profile", sp), ("wind_profile", wp), ("load_shape", shape)):
        if arr.shape != (N_HOURS,) or not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ParameterError(name, f"array of shape {arr.shape}", f"{N_HOURS} finite values >= 0")
    if not (0.0 <= float(grid_cfe_share) <= 1.0) or math.isnan(float(grid_cfe_share)):
        raise ParameterError("grid_cfe_share", grid_cfe_share, "a share between 0 and 1")
    eta = math.sqrt(rte)
    n = sys_["load_mw"].size
    acc = {k: np.zeros(n) for k in ("grid", "peak", "curt", "chg", "dis", "solar", "wind", "load")}
    hourly = None
    for start in range(0, n, CHUNK):
        sl = slice(start, min(n, start + CHUNK))
        # a flat load stays one row (broadcast), not an (8,760 x N) array
        load = sys_["load_mw"][None, sl] if load_shape is None else shape[:, None] * sys_["load_mw"][None, sl]
        solar = sp[:, None] * sys_["solar_mw"][None, sl]
        wind = wp[:, None] * sys_["wind_mw"][None, sl]
        acc["solar"][sl] = solar.sum(axis=0)
        acc["wind"][sl] = wind.sum(axis=0)
        acc["load"][sl] = load.sum(axis=0) * (N_HOURS if load_shape is None else 1)
        keep = keep_hourly and start == 0
        if keep:
            kept = (np.broadcast_to(load[:, 0], (N_HOURS,)).copy(), solar[:, 0].copy(), wind[:, 0].copy())
        net = np.add(solar, wind, out=solar)
        net -= load
        del wind
        surplus = np.maximum(net, 0.0)
        deficit = np.maximum(np.negative(net, out=net), 0.0, out=net)  # reuses net's memory
        del load
        p_max, e_max = sys_["battery_mw"][sl], sys_["battery_mwh"][sl]
        soc_h = None
        if np.any(e_max > 0):
            # in stored-energy terms: what the hour offers the store (charge x eta in, discharge / eta out);
            # surplus and deficit never coincide, so each hour is one signed flow, clamped to [0, E]
            flow = np.minimum(surplus, p_max[None, :])
            flow *= eta
            flow -= np.minimum(deficit, p_max[None, :]) * (1.0 / eta)
            soc_end, soc_start = state_of_charge_mwh(flow, e_max, passes)
            step = soc_end - soc_start
            chg = np.maximum(step, 0.0) * (1.0 / eta)  # back to energy at the terminals
            dis = np.maximum(-step, 0.0) * eta
            soc_h = soc_end if keep else None
            del flow, step, soc_start
        else:
            chg = dis = np.zeros((1, net.shape[1]))
        acc["chg"][sl] = chg.sum(axis=0)
        acc["dis"][sl] = dis.sum(axis=0)
        grid = np.subtract(deficit, dis, out=deficit)
        curt = np.subtract(surplus, chg, out=surplus)
        acc["grid"][sl] = grid.sum(axis=0)
        acc["peak"][sl] = grid.max(axis=0)
        acc["curt"][sl] = curt.sum(axis=0)
        if keep:
            zeros = np.zeros(N_HOURS)
            battery = soc_h is not None
            hourly = Dispatch(*kept, chg[:, 0].copy() if battery else zeros, dis[:, 0].copy() if battery else zeros,
                              soc_h[:, 0].copy() if battery else zeros, grid[:, 0].copy(), curt[:, 0].copy())
    return SupplyResult(acc["load"], acc["solar"], acc["wind"], acc["grid"], acc["peak"], acc["curt"], acc["chg"],
                        acc["dis"], sys_["battery_mwh"].copy(), float(sp.mean()), float(wp.mean()), hourly,
                        float(grid_cfe_share))
