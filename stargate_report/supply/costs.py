"""The annual cost of a supply mix: capital recovered over each technology's life plus fixed O&M."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stargate_report.calc.cost import capital_recovery_factor
from stargate_report.constants import KW_PER_MW, W_PER_KW


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
