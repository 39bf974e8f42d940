"""Least-cost sizing of a supply mix for an hourly CFE target, the cost-versus-CFE curve and the regions."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from stargate_report.exceptions import ParameterError
from stargate_report.supply.costs import SupplyCosts
from stargate_report.supply.dispatch import CHUNK, N_HOURS, simulate


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
