"""The annual cost of a supply mix, and the grid terms of a region (price, clean share, surplus value).

Capital is recovered over each technology's life at the (real) discount rate, plus fixed O&M; batteries
and long-duration storage carry a fixed O&M as a share of their capital cost (ATB: 2.5 %/yr for Li-ion).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from stargate_report.calc.cost import capital_recovery_factor
from stargate_report.constants import KW_PER_MW, W_PER_KW
from stargate_report.exceptions import ParameterError

#: the iron-air long-duration store is a fixed-duration product (TU Berlin SI Table S1: 100 h)
LDES_DURATION_H = 100.0
#: hours of the battery whose fixed O&M the registry gives per kW (ATB 4-hour system)
BATTERY_FOM_REFERENCE_H = 4.0


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
    battery_fom_share: float  # fixed O&M per year as a share of capital cost [1/yr]
    discount_rate: float  # real
    life_solar_years: float
    life_wind_years: float
    life_battery_years: float
    # (no defaults: every value comes from the assumptions registry, :meth:`from_registry`, never a typed copy)
    round_trip_efficiency: float
    firm_usd_per_kw: float
    firm_fom_usd_per_kw_year: float
    life_firm_years: float
    ldes_energy_usd_per_kwh: float
    ldes_fom_share: float
    ldes_round_trip_efficiency: float
    life_ldes_years: float
    ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if name == "ids":
                continue
            if not math.isfinite(value) or value < 0:
                raise ParameterError(name, value, "a finite number >= 0 (a cost, a share or a life)")
        for name in ("round_trip_efficiency", "ldes_round_trip_efficiency"):
            if not 0 < getattr(self, name) <= 1:
                raise ParameterError(name, getattr(self, name), "a share in (0, 1]")

    @classmethod
    def from_registry(cls) -> SupplyCosts:
        # the registry is read only when costs are asked for
        from stargate_report.catalog.assumptions import load_registry

        reg = load_registry()
        rows = {
            "solar": reg.get("solar_capex_usd_per_w"), "solar_fom": reg.get("solar_fom_usd_per_kw_year"),
            "wind": reg.get("wind_capex_usd_per_kw"), "wind_fom": reg.get("wind_fom_usd_per_kw_year"),
            "bp": reg.get("battery_power_capex_usd_per_kw"), "be": reg.get("battery_energy_capex_usd_per_kwh"),
            "bfom": reg.get("battery_fom_usd_per_kw_year"), "r": reg.get("discount_rate"),
            "ls": reg.get("lifetime_years", "solar", fallback=False),
            "lw": reg.get("lifetime_years", "wind", fallback=False),
            "lb": reg.get("lifetime_years", "battery", fallback=False),
            "rte": reg.get("battery_round_trip_efficiency"),
            "firm": reg.get("firm_clean_capex_usd_per_kw"), "firm_fom": reg.get("firm_clean_fom_usd_per_kw_year"),
            "lf": reg.get("lifetime_years", "firm", fallback=False),
            "ldes": reg.get("ldes_energy_capex_usd_per_kwh"), "ldes_fom": reg.get("ldes_fom_share_of_capex"),
            "ldes_rte": reg.get("ldes_round_trip_efficiency"), "ll": reg.get("lifetime_years", "ldes", fallback=False)}
        b = {k: r.base for k, r in rows.items()}
        return cls(b["solar"] * W_PER_KW, b["solar_fom"], b["wind"], b["wind_fom"], b["bp"], b["be"],
                   battery_fom_share(b["bfom"], b["bp"], b["be"]), b["r"], b["ls"], b["lw"], b["lb"], b["rte"],
                   b["firm"], b["firm_fom"], b["lf"], b["ldes"], b["ldes_fom"], b["ldes_rte"], b["ll"],
                   tuple(r.id for r in rows.values()))

    def key(self) -> dict:
        """Every number of the costs (for cache keys)."""
        return {k: v for k, v in asdict(self).items() if k != "ids"}

    def capex_usd(self, solar_mw, wind_mw, battery_mw, battery_mwh, firm_mw=0.0, ldes_mwh=0.0):
        """Overnight capital cost [USD]."""
        k = KW_PER_MW
        return (np.multiply(solar_mw, self.solar_usd_per_kw * k) + np.multiply(wind_mw, self.wind_usd_per_kw * k)
                + np.multiply(battery_mw, self.battery_power_usd_per_kw * k)
                + np.multiply(battery_mwh, self.battery_energy_usd_per_kwh * k)
                + np.multiply(firm_mw, self.firm_usd_per_kw * k) + np.multiply(ldes_mwh, self.ldes_energy_usd_per_kwh * k))

    def annual_cost_usd(self, solar_mw, wind_mw, battery_mw, battery_mwh, firm_mw=0.0, ldes_mwh=0.0):
        """Annualized capital (capital recovery factor) plus fixed O&M [USD/yr]; no grid, no energy."""
        k = KW_PER_MW
        crf_s = capital_recovery_factor(self.discount_rate, self.life_solar_years)
        crf_w = capital_recovery_factor(self.discount_rate, self.life_wind_years)
        crf_b = capital_recovery_factor(self.discount_rate, self.life_battery_years)
        crf_f = capital_recovery_factor(self.discount_rate, self.life_firm_years)
        crf_l = capital_recovery_factor(self.discount_rate, self.life_ldes_years)
        solar = np.multiply(solar_mw, k * (self.solar_usd_per_kw * crf_s + self.solar_fom_usd_per_kw_year))
        wind = np.multiply(wind_mw, k * (self.wind_usd_per_kw * crf_w + self.wind_fom_usd_per_kw_year))
        battery = (np.multiply(battery_mw, k * self.battery_power_usd_per_kw * (crf_b + self.battery_fom_share))
                   + np.multiply(battery_mwh, k * self.battery_energy_usd_per_kwh * (crf_b + self.battery_fom_share)))
        firm = np.multiply(firm_mw, k * (self.firm_usd_per_kw * crf_f + self.firm_fom_usd_per_kw_year))
        ldes = np.multiply(ldes_mwh, k * self.ldes_energy_usd_per_kwh * (crf_l + self.ldes_fom_share))
        return solar + wind + battery + firm + ldes

    def lp_costs(self) -> dict:
        """The costs in the layout of :func:`stargate_report.supply.lp.solve_mix` (``costs``)."""
        return {"discount_rate": self.discount_rate,
                "solar": {"capex_usd_per_kw": self.solar_usd_per_kw, "fom_usd_per_kw_yr": self.solar_fom_usd_per_kw_year,
                          "life_yr": self.life_solar_years},
                "wind": {"capex_usd_per_kw": self.wind_usd_per_kw, "fom_usd_per_kw_yr": self.wind_fom_usd_per_kw_year,
                         "life_yr": self.life_wind_years},
                "battery": {"power_capex_usd_per_kw": self.battery_power_usd_per_kw,
                            "energy_capex_usd_per_kwh": self.battery_energy_usd_per_kwh,
                            "fom_frac_of_capex_per_yr": self.battery_fom_share, "rte": self.round_trip_efficiency,
                            "life_yr": self.life_battery_years}}

    def lp_firm(self) -> dict:
        """The clean firm option (``firm_clean`` of :func:`~stargate_report.supply.lp.solve_mix`): always available."""
        return {"capex_usd_per_kw": self.firm_usd_per_kw, "fom_usd_per_kw_yr": self.firm_fom_usd_per_kw_year,
                "vom_usd_per_mwh": 0.0, "life_yr": self.life_firm_years, "availability": 1.0}

    def lp_long_duration(self) -> dict:
        """The long-duration store (``long_duration``): energy cost only, a fixed 100-hour duration."""
        return {"power_capex_usd_per_kw": 0.0, "energy_capex_usd_per_kwh": self.ldes_energy_usd_per_kwh,
                "fom_frac_of_capex_per_yr": self.ldes_fom_share, "rte": self.ldes_round_trip_efficiency,
                "life_yr": self.life_ldes_years, "min_duration_h": LDES_DURATION_H, "max_duration_h": LDES_DURATION_H}


def battery_fom_share(fom_usd_per_kw_year, power_usd_per_kw, energy_usd_per_kwh):
    """The ATB 4-hour battery's fixed O&M as a share of its capital cost [1/yr] (2.5 % for ATB 2024)."""
    return np.divide(fom_usd_per_kw_year, np.add(power_usd_per_kw, BATTERY_FOM_REFERENCE_H * np.asarray(energy_usd_per_kwh)))


@dataclass(frozen=True)
class GridTerms:
    """How the grid enters the 24/7 accounting of a region.

    ``cfe_share``: carbon-free share of grid energy (imports count towards the CFE score at this share);
    ``price_usd_per_mwh``: what imports cost (0 where no price is sourced: purchases not costed, ``priced``
    False); ``surplus_value_usd_per_mwh``: what energy beyond the load earns (0: curtailed).
    """

    region: str
    cfe_share: float
    price_usd_per_mwh: float
    surplus_value_usd_per_mwh: float
    priced: bool
    ids: tuple[str, ...] = ()

    @classmethod
    def from_registry(cls, region: str) -> GridTerms:
        # the registry is read only when costs are asked for
        from stargate_report.catalog.assumptions import load_registry

        reg = load_registry()
        share = reg.get("grid_cfe_share", region, fallback=False)
        price = reg.find("grid_price_usd_per_mwh", region, fallback=False)
        surplus = reg.get("surplus_value_usd_per_mwh")
        ids = tuple(r.id for r in (share, price, surplus) if r is not None)
        return cls(region, share.base, price.base if price else 0.0, surplus.base, price is not None, ids)

    @property
    def surplus_treatment(self) -> str:
        return ("curtailed (no value)" if self.surplus_value_usd_per_mwh == 0
                else f"sold at {self.surplus_value_usd_per_mwh:g} USD/MWh")
