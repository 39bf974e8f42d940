"""What the briefing shows of an hourly dispatch, computed once with the results: a winter and a summer week,
and the carbon-free share of the year by week and hour of the day.

Both are plain rows (``list[dict]``) for ``Results.tables`` (they land in ``results.json``), in base units:
power in MW (an hour's energy in MWh), stored energy in MWh, shares as fractions. The chapters format and
chart them; they compute nothing from the hours themselves.

Every hour of a week row balances (solar and wind are the plants' whole output, curtailment included)::

    solar + wind + firm + battery_discharge + grid - battery_charge - curtailed - export = load
"""
from __future__ import annotations

import numpy as np

from stargate_report.supply.dispatch import N_HOURS, Dispatch
from stargate_report.supply.sizing import TYPICAL_WEEKS

HOURS_PER_WEEK = 7 * 24
#: weeks of the heat map: the year's first 364 days (the 365th is left out)
WEEKS = 52
#: columns of a ``dispatch_week`` row, besides ``season``, ``first_day`` and ``hour``
WEEK_FIELDS = ("load_mw", "solar_mw", "wind_mw", "firm_mw", "battery_discharge_mw", "grid_mw",
               "battery_charge_mw", "curtailed_mw", "export_mw", "soc_mwh")


def _series(hourly: Dispatch) -> dict[str, np.ndarray]:
    zero = np.zeros(N_HOURS)

    def arr(x) -> np.ndarray:
        return zero if x is None else np.broadcast_to(np.asarray(x, float), (N_HOURS,))

    return {"load_mw": arr(hourly.load), "solar_mw": arr(hourly.solar), "wind_mw": arr(hourly.wind),
            "firm_mw": arr(hourly.firm), "battery_discharge_mw": arr(hourly.discharge), "grid_mw": arr(hourly.grid),
            "battery_charge_mw": arr(hourly.charge), "curtailed_mw": arr(hourly.curtailed),
            "export_mw": arr(hourly.export), "soc_mwh": arr(hourly.soc)}


def week_balance_residual(row: dict) -> float:
    """Supply minus use of one ``dispatch_week`` row [MW]: zero up to rounding."""
    return (row["solar_mw"] + row["wind_mw"] + row["firm_mw"] + row["battery_discharge_mw"] + row["grid_mw"]
            - row["battery_charge_mw"] - row["curtailed_mw"] - row["export_mw"] - row["load_mw"])


def dispatch_week(hourly: Dispatch, weeks: dict[str, int] | None = None) -> list[dict]:
    """The hours of a winter and a summer week (``TYPICAL_WEEKS``: from 15 January and 15 July).

    Returns one row per season and hour of the week: ``season`` (``winter``/``summer``), ``first_day``
    (0-based day of the year), ``hour`` (0-167) and :data:`WEEK_FIELDS` [MW; ``soc_mwh`` in MWh, at the end
    of the hour]. ``firm_mw`` and ``export_mw`` are zero unless the least-cost programme chose them.

    >>> from stargate_report.supply.dispatch import simulate
    >>> h = simulate(100.0, 0.0, keep_hourly=True).hourly  # no supply: the grid carries the load
    >>> rows = dispatch_week(h)
    >>> len(rows), rows[0]["season"], rows[0]["grid_mw"], week_balance_residual(rows[0])
    (336, 'winter', 100.0, 0.0)
    """
    s = _series(hourly)
    rows = []
    for season, first_day in (weeks or TYPICAL_WEEKS).items():
        start = first_day * 24
        for k in range(HOURS_PER_WEEK):
            t = start + k
            rows.append({"season": season, "first_day": first_day, "hour": k,
                         **{name: float(s[name][t]) for name in WEEK_FIELDS}})
    return rows


def cfe_heatmap(hourly: Dispatch, grid_cfe_share: float) -> list[dict]:
    """The carbon-free share of the load by week of the year (1-52) and hour of the day (0-23, local
    standard time), each cell over its seven days.

    ``cfe_share`` counts grid imports at the grid's clean share, as the ledger's ``hourly_cfe_share`` does:
    ``1 - sum(grid x (1 - grid_cfe_share)) / sum(load)``; ``own_supply_share`` counts the buyer's own supply
    and storage only: ``1 - sum(grid) / sum(load)``.

    >>> from stargate_report.supply.dispatch import simulate
    >>> rows = cfe_heatmap(simulate(100.0, keep_hourly=True).hourly, 0.4)
    >>> len(rows), rows[0]["cfe_share"], rows[0]["own_supply_share"]
    (1248, 0.4, 0.0)
    """
    s = _series(hourly)
    n = WEEKS * HOURS_PER_WEEK

    def cells(a: np.ndarray) -> np.ndarray:  # (week, hour of the day): the sum over the week's 7 days
        return a[:n].reshape(WEEKS, 7, 24).sum(axis=1)

    load, grid = cells(s["load_mw"]), cells(s["grid_mw"])
    with np.errstate(divide="ignore", invalid="ignore"):
        own = np.where(load > 0, 1.0 - grid / load, 0.0)
        cfe = np.where(load > 0, 1.0 - grid * (1.0 - grid_cfe_share) / load, 0.0)
    return [{"week": w + 1, "hour": hr, "cfe_share": float(cfe[w, hr]), "own_supply_share": float(own[w, hr])}
            for w in range(WEEKS) for hr in range(24)]
