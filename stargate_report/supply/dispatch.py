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

from stargate_report.calc.cost import capital_recovery_factor
from stargate_report.constants import HOURS_PER_YEAR, KW_PER_MW, W_PER_KW
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

    def balance_residual(self) -> np.ndarray:
        """solar + wind + discharge + grid - (load + charge + curtailed), every hour [MW]: zero."""
        return self.solar + self.wind + self.discharge + self.grid - (self.load + self.charge + self.curtailed)


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

    @property
    def annual_match_share(self) -> np.ndarray:
        """Renewable generation / load over the year, capped at 1 (volumetric annual matching)."""
        return np.minimum((self.solar_mwh + self.wind_mwh) / self.load_mwh, 1.0)

    @property
    def hourly_cfe_share(self) -> np.ndarray:
        """Share of the load met hour by hour by own renewables and storage: 1 - grid / load (24/7 CFE)."""
        return 1.0 - self.grid_import_mwh / self.load_mwh

    @property
    def battery_cycles(self) -> np.ndarray:
        """Full equivalent cycles per year: discharged energy / energy capacity (0 without a battery)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.battery_mwh > 0, self.discharge_mwh / self.battery_mwh, 0.0)

    def metrics(self, i: int = 0) -> dict[str, float]:
        """The metrics of candidate ``i`` as plain floats (the CLI's JSON keys)."""
        return {"annual_match_share": float(self.annual_match_share[i]),
                "hourly_cfe_share": float(self.hourly_cfe_share[i]),
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
             passes: int = 2) -> SupplyResult:
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
                        acc["dis"], sys_["battery_mwh"].copy(), float(sp.mean()), float(wp.mean()), hourly)


# -- cost -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SupplyCosts:
    """Unit costs and finance of the supply technologies (base values of the assumptions registry)."""

    solar_usd_per_kw: float
    solar_fom_usd_per_kw_year: float
    wind_usd_per_kw: float
    wind_fom_usd_per_kw_year: float
    battery_power_usd_per_kw: float
    battery_energy_usd_per_kwh: float
    battery_fom_usd_per_kw_year: float
    discount_rate: float
    life_solar_years: float
    life_wind_years: float
    life_battery_years: float
    ids: tuple[str, ...] = ()

    @classmethod
    def from_registry(cls) -> SupplyCosts:
        from stargate_report.catalog.assumptions import load_registry

        reg = load_registry()
        rows = {
            "solar": reg.get("solar_capex_usd_per_w"), "solar_fom": reg.get("solar_fom_usd_per_kw_year"),
            "wind": reg.get("wind_capex_usd_per_kw"), "wind_fom": reg.get("wind_fom_usd_per_kw_year"),
            "bp": reg.get("battery_power_capex_usd_per_kw"), "be": reg.get("battery_energy_capex_usd_per_kwh"),
            "bfom": reg.get("battery_fom_usd_per_kw_year"), "r": reg.get("discount_rate"),
            "ls": reg.get("lifetime_years", "solar", fallback=False),
            "lw": reg.get("lifetime_years", "wind", fallback=False),
            "lb": reg.get("lifetime_years", "battery", fallback=False)}
        return cls(rows["solar"].base * W_PER_KW, rows["solar_fom"].base, rows["wind"].base,
                   rows["wind_fom"].base, rows["bp"].base, rows["be"].base, rows["bfom"].base, rows["r"].base,
                   rows["ls"].base, rows["lw"].base, rows["lb"].base, tuple(r.id for r in rows.values()))

    def capex_usd(self, solar_mw, wind_mw, battery_mw, battery_mwh):
        """Overnight capital cost [USD]."""
        k = KW_PER_MW
        return (np.multiply(solar_mw, self.solar_usd_per_kw * k) + np.multiply(wind_mw, self.wind_usd_per_kw * k)
                + np.multiply(battery_mw, self.battery_power_usd_per_kw * k)
                + np.multiply(battery_mwh, self.battery_energy_usd_per_kwh * k))

    def annual_cost_usd(self, solar_mw, wind_mw, battery_mw, battery_mwh):
        """Annualized capital (capital recovery factor) plus fixed O&M [USD/yr]."""
        k = KW_PER_MW
        crf_s = capital_recovery_factor(self.discount_rate, self.life_solar_years)
        crf_w = capital_recovery_factor(self.discount_rate, self.life_wind_years)
        crf_b = capital_recovery_factor(self.discount_rate, self.life_battery_years)
        solar = np.multiply(solar_mw, k * (self.solar_usd_per_kw * crf_s + self.solar_fom_usd_per_kw_year))
        wind = np.multiply(wind_mw, k * (self.wind_usd_per_kw * crf_w + self.wind_fom_usd_per_kw_year))
        battery = (np.multiply(battery_mw, k * (self.battery_power_usd_per_kw * crf_b
                                                 + self.battery_fom_usd_per_kw_year))
                   + np.multiply(battery_mwh, k * self.battery_energy_usd_per_kwh * crf_b))
        return solar + wind + battery


# -- least-cost sizing ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Mix:
    """A supply mix for a constant load, and what it achieves."""

    target_cfe: float
    load_mw: float
    solar_mw: float
    wind_mw: float
    battery_mw: float
    battery_mwh: float
    hourly_cfe_share: float
    annual_match_share: float
    capex_usd: float
    annual_cost_usd: float
    cost_usd_per_mwh: float
    feasible: bool

    def to_dict(self) -> dict[str, float]:
        return dict(self.__dict__)


# lattice of the search, in multiples of the load: solar, wind, battery power; battery duration in hours
COARSE = (np.arange(0.0, 16.01, 2.0), np.arange(0.0, 10.01, 2.0), np.array([0.0, 0.5, 1.0, 2.0]),
          np.array([4.0, 12.0, 24.0, 48.0]))
START_STEP = np.array([1.0, 1.0, 0.5, 4.0])
MIN_STEP = np.array([0.125, 0.125, 0.0625, 0.5])


def _candidates_from_grid(allow_wind: bool, allow_battery: bool) -> np.ndarray:
    s, w, b, d = COARSE
    if not allow_wind:
        w = np.array([0.0])
    if not allow_battery:
        b = np.array([0.0])
    rows = []
    for bi in b:
        for di in (d if bi > 0 else [0.0]):
            grid = np.array(np.meshgrid(s, w, [bi], [di], indexing="ij")).reshape(4, -1).T
            rows.append(grid)
    return np.vstack(rows)


def _evaluate(cands: np.ndarray, load_mw: float, profiles, rte: float, costs: SupplyCosts):
    """Simulate candidates (multiples of load: s, w, b, d hours) -> (cfe, annual cost)."""
    s, w, b, d = cands.T
    res = simulate(load_mw, s * load_mw, w * load_mw, b * load_mw, b * d * load_mw,
                   solar_profile=profiles.solar, wind_profile=profiles.wind, round_trip_efficiency=rte)
    cost = costs.annual_cost_usd(s * load_mw, w * load_mw, b * load_mw, b * d * load_mw)
    return res.hourly_cfe_share, cost, res


class _Memo:
    """Simulate each distinct candidate once: neighbourhoods of a compass search overlap heavily."""

    def __init__(self, evaluate):
        self.evaluate = evaluate
        self.known: dict[bytes, tuple[float, float]] = {}

    def lookup(self, cands: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keys = [row.tobytes() for row in np.round(cands, 9) + 0.0]  # + 0.0: -0.0 and 0.0 are one key
        new = {k: i for i, k in enumerate(keys) if k not in self.known}
        if new:
            cfe, cost = self.evaluate(cands[list(new.values())])
            self.known.update(zip(new, zip(cfe.tolist(), cost.tolist())))
        got = np.array([self.known[k] for k in keys]).reshape(-1, 2)
        return got[:, 0], got[:, 1]


def size_mixes(region: str, load_mw: float, targets, allow_wind: bool = True, allow_battery: bool = True,
               costs: SupplyCosts | None = None, round_trip_efficiency: float | None = None) -> list[Mix]:
    """The least-cost mix of solar, wind and battery for each hourly CFE target (grid for the rest).

    Search: one vectorized simulation of a coarse lattice of mixes gives every target a feasible start;
    then a compass search refines all targets together, each pass simulating the full neighbourhood
    (every combination of -1, 0, +1 step on each axis) of every incumbent in one call, halving the steps
    until they reach ``MIN_STEP``. The result is the cheapest feasible mix of its final neighbourhood.

    The search runs for 1 MW of load: dispatch and costs are linear in the capacities, so the mix per
    MW of load, its CFE share and its cost per MWh do not depend on the load, and the mix for
    ``load_mw`` is that mix scaled. The result per MW of load is kept in the on-disk cache
    (:mod:`~stargate_report.supply.arraycache`, keyed by the region's profiles, the targets, the options, the
    costs and this module's code), so runs that differ only in load (PUE, chips, campus size) share it.

    Parameters
    ----------
    region : str
    load_mw : float
        Constant campus load [MW].
    targets : sequence of float
        Hourly CFE targets [share, 0..1].
    """
    from stargate_report.catalog.assumptions import load_registry
    from stargate_report.supply.profiles import region_profiles

    targets = [float(t) for t in np.atleast_1d(targets)]
    for tgt in targets:
        if not (0.0 <= tgt <= 1.0) or math.isnan(tgt):
            raise ParameterError("target_cfe", tgt, "a share between 0 and 1 (not percent)")
    if not (load_mw > 0) or not math.isfinite(load_mw):
        raise ParameterError("load_mw", load_mw, "a number > 0")
    profiles = region_profiles(region)
    allow_wind = allow_wind and profiles.wind is not None
    costs = costs or SupplyCosts.from_registry()
    rte = float(round_trip_efficiency or load_registry().get("battery_round_trip_efficiency").base)
    unit = _unit_mixes(profiles, targets, allow_wind, allow_battery, costs, rte)
    out = []
    load_mwh = load_mw * N_HOURS
    for k, tgt in enumerate(targets):
        s, w, b, d = unit["mix"][k]
        cap = (s * load_mw, w * load_mw, b * load_mw, b * d * load_mw)
        annual = float(costs.annual_cost_usd(*cap))
        out.append(Mix(tgt, load_mw, *cap, float(unit["hourly_cfe_share"][k]), float(unit["annual_match_share"][k]),
                       float(costs.capex_usd(*cap)), annual, annual / load_mwh, bool(unit["feasible"][k])))
    return out


def _unit_mixes(profiles, targets: list[float], allow_wind: bool, allow_battery: bool, costs: SupplyCosts,
                rte: float) -> dict[str, np.ndarray]:
    """The least-cost mixes per MW of load, from the on-disk cache or from :func:`_search_unit_mixes`."""
    import dataclasses
    import hashlib

    from stargate_report.supply import arraycache

    shapes = hashlib.sha256()
    for p in (profiles.solar, profiles.wind):
        shapes.update(b"-" if p is None else np.ascontiguousarray(p, dtype=np.float64).tobytes())
    key = {"profiles": shapes.hexdigest(), "targets": targets, "allow_wind": allow_wind,
           "allow_battery": allow_battery, "costs": dataclasses.asdict(costs), "round_trip_efficiency": rte}
    return arraycache.cached_arrays("least-cost-mixes", key, lambda: _search_unit_mixes(
        profiles, targets, allow_wind, allow_battery, costs, rte))


def _search_unit_mixes(profiles, targets: list[float], allow_wind: bool, allow_battery: bool, costs: SupplyCosts,
                       rte: float) -> dict[str, np.ndarray]:
    """The search of :func:`size_mixes` for 1 MW of load: mix (solar, wind, battery MW, battery hours per
    MW of load), its hourly CFE and annual matching shares, and whether it meets its target."""
    allow_solar = profiles.solar is not None
    mask = np.array([allow_solar, allow_wind, allow_battery, allow_battery], float)

    cands = _candidates_from_grid(allow_wind, allow_battery)
    if not allow_solar:
        cands = cands[cands[:, 0] == 0]
        cands = np.unique(cands, axis=0)
    # hourly CFE can never exceed generation / load: drop mixes that cannot reach the lowest target
    cf_s = 0.0 if profiles.solar is None else float(profiles.solar.mean())
    cf_w = 0.0 if profiles.wind is None else float(profiles.wind.mean())
    reach = cands[:, 0] * cf_s + cands[:, 1] * cf_w
    keep = reach >= min(targets) - 1e-12
    if keep.any():
        cands = cands[keep]
    seen = _Memo(lambda c: _evaluate(c, 1.0, profiles, rte, costs)[:2])

    def cost_of(c: np.ndarray) -> np.ndarray:  # annual cost per MW of load needs no simulation
        s, w, b, d = c.T
        return costs.annual_cost_usd(s, w, b, b * d)

    # the lattice cheapest first, a chunk at a time, until every target has a feasible mix cheaper than
    # anything left: what is left cannot win, so the result is the lattice's least-cost feasible mix
    cands = cands[np.argsort(cost_of(cands), kind="stable")]
    cfe = np.full(len(cands), -np.inf)
    lattice_cost = cost_of(cands)
    done = 0
    while done < len(cands):
        part = slice(done, min(len(cands), done + CHUNK))
        cfe[part] = seen.lookup(cands[part])[0]
        done = part.stop
        found = [np.any(cfe[:done] >= tgt - 1e-12) for tgt in targets]
        if all(found) and done < len(cands):
            worst = max(lattice_cost[:done][cfe[:done] >= tgt - 1e-12].min() for tgt in targets)
            if worst <= lattice_cost[done]:
                break
    cands, cfe, cost = cands[:done], cfe[:done], lattice_cost[:done]
    best = []
    for tgt in targets:
        ok = cfe >= tgt - 1e-12
        if not ok.any():
            i = int(np.argmax(cfe))
            best.append([cands[i], cfe[i], cost[i], False])
        else:
            i = int(np.flatnonzero(ok)[np.argmin(cost[ok])])
            best.append([cands[i], cfe[i], cost[i], True])

    offsets = np.array(np.meshgrid(*[[-1, 0, 1]] * 4, indexing="ij")).reshape(4, -1).T * mask
    offsets = np.unique(offsets, axis=0)
    step = START_STEP.copy()
    while True:
        moved = True
        while moved:
            moved = False
            batch, owner = [], []
            for k, (x, _, _, feas) in enumerate(best):
                if not feas:
                    continue
                nb = np.maximum(x + offsets * step, 0.0)
                nb[nb[:, 2] == 0, 3] = 0.0  # no duration without power
                nb[(nb[:, 2] > 0) & (nb[:, 3] == 0), 3] = MIN_STEP[3]
                batch.append(nb)
                owner += [k] * len(nb)
            if not batch:
                break
            batch = np.vstack(batch)
            owner = np.array(owner)
            # only a neighbour cheaper than its incumbent can replace it: simulate just those
            c_cost = cost_of(batch)
            cheaper = c_cost < np.array([best[k][2] for k in owner]) * (1 - 1e-9)
            c_cfe = np.full(len(batch), -np.inf)
            if cheaper.any():
                c_cfe[cheaper] = seen.lookup(batch[cheaper])[0]
            for k, (_, _, x_cost, _) in enumerate(best):
                sel = (owner == k) & (c_cfe >= targets[k] - 1e-12) & (c_cost < x_cost * (1 - 1e-9))
                if sel.any():
                    j = int(np.flatnonzero(sel)[np.argmin(c_cost[sel])])
                    best[k] = [batch[j], c_cfe[j], c_cost[j], True]
                    moved = True
        if np.all(step <= MIN_STEP + 1e-12):
            break
        step = np.maximum(step / 2.0, MIN_STEP)

    mixes = np.array([x for x, _, _, _ in best], dtype=float).reshape(len(targets), 4)
    s, w, b, d = mixes.T
    res = simulate(1.0, s, w, b, b * d, solar_profile=profiles.solar, wind_profile=profiles.wind,
                   round_trip_efficiency=rte)
    return {"mix": mixes, "hourly_cfe_share": np.asarray(res.hourly_cfe_share, float).reshape(-1),
            "annual_match_share": np.asarray(res.annual_match_share, float).reshape(-1),
            "feasible": np.array([f for _, _, _, f in best], dtype=bool)}


# -- emissions accounting -------------------------------------------------------------------------
def emissions_accounting_tco2e(load_mwh, renewable_mwh, grid_import_mwh, grid_intensity_g_per_kwh) -> dict:
    r"""Four views of the same campus's emissions [tCO2e/yr], with the method named.

    * ``location_annual``: all consumption at the grid's average intensity (GHG Protocol location-based).
    * ``location_hourly``: consumption in each hour at that hour's grid intensity; with a flat (annual
      average) intensity, as here, it equals ``location_annual``.
    * ``market_annual``: consumption not covered by renewable generation over the year (annual matching
      of certificates) at the grid intensity.
    * ``market_hourly``: energy imported from the grid in the hours when own supply fell short (24/7 CFE).

    Parameters are in MWh per year and gCO2e/kWh; intensity is applied as MWh x g/kWh / 1000 = t.
    """
    ci = np.asarray(grid_intensity_g_per_kwh, float) / 1000.0  # t per MWh
    load = np.asarray(load_mwh, float)
    residual = np.maximum(load - np.asarray(renewable_mwh, float), 0.0)
    return {"location_annual": load * ci, "location_hourly": load * ci, "market_annual": residual * ci,
            "market_hourly": np.asarray(grid_import_mwh, float) * ci}


# -- tables for the briefing ----------------------------------------------------------------------
#: first day (0-based day of the year) of the typical weeks the briefing shows: 15 January and 15 July
TYPICAL_WEEKS = {"winter": 14, "summer": 195}
#: hourly CFE targets of the cost curve (shares)
CFE_CURVE_TARGETS = (0.5, 0.8, 0.9, 0.95, 0.99)


def annual_matching_cost_usd_per_mwh(region: str, allow_wind: bool = True, costs: SupplyCosts | None = None
                                     ) -> tuple[float, str]:
    """Cost per MWh of load of the cheapest technology that matches the load over the year (volumetric).

    Returns the cost and the technology (``solar`` or ``wind``): annual cost per MW / (CF x 8,760 h).
    """
    from stargate_report.supply.profiles import region_profiles

    prof = region_profiles(region)
    costs = costs or SupplyCosts.from_registry()
    options = []
    if prof.solar is not None:
        options.append((float(costs.annual_cost_usd(1.0, 0, 0, 0)) / (prof.solar.mean() * N_HOURS), "solar"))
    if prof.wind is not None and allow_wind:
        options.append((float(costs.annual_cost_usd(0, 1.0, 0, 0)) / (prof.wind.mean() * N_HOURS), "wind"))
    if not options:
        raise ParameterError("region", region, "a region with a solar or wind profile")
    return min(options)


def cost_curve(region: str, load_mw: float, allow_wind: bool = True, allow_battery: bool = True,
               targets=CFE_CURVE_TARGETS) -> list[dict]:
    """Least-cost mix and cost per MWh for each CFE target, with the premium over annual matching."""
    base, tech = annual_matching_cost_usd_per_mwh(region, allow_wind)
    rows = []
    for mix in size_mixes(region, load_mw, targets, allow_wind=allow_wind, allow_battery=allow_battery):
        rows.append({**mix.to_dict(), "annual_matching_usd_per_mwh": base, "annual_matching_tech": tech,
                     "premium_usd_per_mwh": mix.cost_usd_per_mwh - base})
    return rows


def region_comparison(load_mw: float, target_cfe: float, allow_wind: bool = True, allow_battery: bool = True,
                      regions: list[str] | None = None) -> list[dict]:
    """The least-cost mix for the same load and target in every region (``feasible`` False where the
    target is out of reach within the searched lattice, e.g. no solar profile and wind not allowed)."""
    from stargate_report.supply.profiles import regions as all_regions

    rows = []
    for region in regions or list(all_regions()):
        mix = size_mixes(region, load_mw, [target_cfe], allow_wind=allow_wind, allow_battery=allow_battery)[0]
        rows.append({"region": region, **mix.to_dict()})
    return rows
