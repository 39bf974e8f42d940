"""The model's quantities, one :class:`~stargate_report.model.formulas.Formula` each, in the order they are
computed. Names in an expression are the model's roles (see :data:`stargate_report.model.evaluate.ROLES`)
or quantities above it; ``power.``, ``cost.`` and the like are the modules of :mod:`stargate_report.calc`.
"""
from __future__ import annotations

from stargate_report.model.formulas import Formula as F

#: watts per accelerator at each level of the chain: its server (or rack), the IT room with the cluster's
#: network and storage, and the facility at the design (peak) PUE, which decides how many a site holds
POWER_CHAIN = (
    F("server_power_w", "W", "server_power_w_per_accelerator", "per accelerator: the server's (rack's) power"),
    F("it_power_w", "W", "power.it_power_w_per_accelerator(server_power_w, it_overhead_ratio)",
      "per accelerator: with the cluster's network, storage and management"),
    F("facility_power_w", "W", "it_power_w * design_pue", "per accelerator: facility capacity at the design PUE"),
)

#: the campus's size, by what the scenario gives (``Scenario.sizing()``): a site's capacity (fact or
#: parameter), its IT load, or a number of accelerators
SIZING: dict[str, tuple[F, ...]] = {
    "facility_capacity_mw": (
        F("facility_power_mw", "MW", "facility_capacity_mw", "facility capacity (site)"),
        F("it_power_mw", "MW", "facility_power_mw / design_pue"),
        F("accelerator_count", "count", "power.accelerators_for_it_power(it_power_mw, it_power_w)"),
    ),
    "it_load_mw": (
        F("it_power_mw", "MW", "it_load_mw", "IT load (scenario)"),
        F("facility_power_mw", "MW", "power.facility_power_mw(it_power_mw, design_pue)"),
        F("accelerator_count", "count", "power.accelerators_for_it_power(it_power_mw, it_power_w)"),
    ),
    "accelerator_count": (
        F("accelerator_count", "count", "accelerators", "accelerators (scenario)"),
        F("it_power_mw", "MW", "power.it_power_mw(accelerator_count, it_power_w)"),
        F("facility_power_mw", "MW", "power.facility_power_mw(it_power_mw, design_pue)"),
    ),
}

#: the average draw: IT at its load factor, the facility at the annual-average PUE (never above its capacity)
ENERGY = (
    F("it_power_avg_mw", "MW", "it_power_mw * load_factor"),
    F("facility_power_avg_mw", "MW", "minimum(power.facility_power_mw(it_power_avg_mw, pue), facility_power_mw)",
      "annual-average PUE; capped at the facility's capacity"),
    F("it_energy_mwh", "MWh", "it_power_avg_mw * HOURS_PER_YEAR"),
    F("annual_energy_mwh", "MWh", "facility_power_avg_mw * HOURS_PER_YEAR"),
)

COMPUTE = (
    F("compute_flop_per_year", "flop", "compute.flop_per_year(accelerator_count, peak_flop_per_s, mfu)"),
    F("training_runs_per_year", "count", "compute.training_runs(compute_flop_per_year, training_run_flop)"),
)

#: capital cost in two named scopes: the facility (shell, power and cooling per MW of IT load, plus the
#: owner-furnished equipment and soft costs that figure leaves out) and the IT (accelerators, servers, network)
COST = (
    F("facility_capex_usd", "usd", "it_power_mw * dc_capex_usd_per_mw * (1 + dc_soft_cost_ratio)",
      "shell, power and cooling per MW of IT load, plus owner-furnished equipment and soft costs"),
    F("it_capex_usd", "usd", "accelerator_count * it_capex_usd_per_accelerator * cluster_capex_overhead_ratio"),
    F("capex_usd", "usd", "facility_capex_usd + it_capex_usd", "campus: facility and IT, without the energy supply"),
    F("capex_usd_per_gw", "usd", "capex_usd / facility_power_mw * MW_PER_GW", "campus capex per GW of facility capacity"),
    F("capex_usd_per_gw_it", "usd", "capex_usd / it_power_mw * MW_PER_GW", "campus capex per GW of IT power"),
    F("it_share_of_capex", "fraction", "it_capex_usd / capex_usd"),
    F("it_depreciation_usd_per_year", "usd", "it_capex_usd / life_it_years", "straight-line depreciation per year"),
)

#: what the investment (a fact or the scenario's amount) buys of each part, alone
INVESTMENT = (
    F("investment_usd", "usd", "investment", "investment (fact or scenario)"),
    F("investment_it_mw", "MW",
      "cost.capacity_for_budget(investment_usd, dc_capex_usd_per_mw * (1 + dc_soft_cost_ratio))",
      "MW of IT load whose facility the investment pays for"),
    F("investment_solar_mw", "MW", "cost.capacity_for_budget(investment_usd, solar_capex_usd_per_w * W_PER_MW)"),
    F("investment_wind_mw", "MW", "cost.capacity_for_budget(investment_usd, wind_capex_usd_per_kw * KW_PER_MW)"),
    F("investment_battery_mwh", "MWh",
      "cost.capacity_for_budget(investment_usd, (battery_energy_capex_usd_per_kwh + battery_power_capex_usd_per_kw / 4)"
      " * KWH_PER_MWH)", "a 4-hour battery: the energy part plus a quarter of the power part per kWh"),
    F("investment_accelerators", "count",
      "cost.capacity_for_budget(investment_usd, it_capex_usd_per_accelerator * cluster_capex_overhead_ratio)"),
    F("investment_share_of_capex", "fraction", "investment_usd / capex_usd"),
    F("investment_share_of_facility_capex", "fraction", "investment_usd / facility_capex_usd"),
)

FOOTPRINT = (
    F("emissions_tco2e_per_year", "tco2e", "emissions.emissions_tco2e(annual_energy_mwh, grid_intensity_g_per_kwh)",
      "location-based, all energy from the grid"),
    F("water_onsite_m3_per_year", "m3", "water.water_onsite_m3(it_energy_mwh, wue_l_per_kwh)"),
    F("water_offsite_m3_per_year", "m3", "water.water_offsite_m3(annual_energy_mwh, ewif_l_per_kwh)"),
    F("water_m3_per_year", "m3", "water_onsite_m3_per_year + water_offsite_m3_per_year"),
    F("campus_land_km2", "km2", "land.land_km2_from_acres(facility_power_mw, campus_land_acres_per_mw)"),
)

#: annual matching with one technology, where the region has a published capacity factor for it
ANNUAL_SOLAR = (
    F("solar_mw_annual_match", "MW", "annual_matching.capacity_for_annual_energy_mw(annual_energy_mwh, solar_cf)"),
    F("solar_capex_annual_match_usd", "usd", "solar_mw_annual_match * solar_capex_usd_per_w * W_PER_MW"),
    F("solar_land_km2", "km2", "land.land_km2_from_acres(solar_mw_annual_match, solar_land_acres_per_mw)"),
    F("solar_lcoe_usd_per_mwh", "usd_per_mwh",
      "cost.lcoe_usd_per_mwh(solar_capex_usd_per_w * W_PER_KW, solar_fom_usd_per_kw_year, solar_cf, "
      "discount_rate, life_solar_years)"),
)
ANNUAL_WIND = (
    F("wind_mw_annual_match", "MW", "annual_matching.capacity_for_annual_energy_mw(annual_energy_mwh, wind_cf)"),
    F("wind_land_km2", "km2", "land.land_km2_from_ha(wind_mw_annual_match, wind_land_ha_per_mw)"),
    F("wind_lcoe_usd_per_mwh", "usd_per_mwh",
      "cost.lcoe_usd_per_mwh(wind_capex_usd_per_kw, wind_fom_usd_per_kw_year, wind_cf, discount_rate, "
      "life_wind_years)"),
)

#: annualised capital and fixed O&M per MW (per MWh for storage energy) of each supply technology [USD/yr]
_SOLAR_YR = ("KW_PER_MW * (solar_capex_usd_per_w * W_PER_KW * cost.capital_recovery_factor(discount_rate, "
             "life_solar_years) + solar_fom_usd_per_kw_year)")
_WIND_YR = ("KW_PER_MW * (wind_capex_usd_per_kw * cost.capital_recovery_factor(discount_rate, life_wind_years)"
            " + wind_fom_usd_per_kw_year)")
_BATTERY_FOM_SHARE = ("battery_fom_usd_per_kw_year / (battery_power_capex_usd_per_kw + 4 * "
                      "battery_energy_capex_usd_per_kwh)")
_BATTERY_MW_YR = (f"KW_PER_MW * battery_power_capex_usd_per_kw * (cost.capital_recovery_factor(discount_rate, "
                  f"life_battery_years) + {_BATTERY_FOM_SHARE})")
_BATTERY_MWH_YR = (f"KWH_PER_MWH * battery_energy_capex_usd_per_kwh * (cost.capital_recovery_factor(discount_rate, "
                   f"life_battery_years) + {_BATTERY_FOM_SHARE})")
_FIRM_YR = ("KW_PER_MW * (firm_clean_capex_usd_per_kw * cost.capital_recovery_factor(discount_rate, life_firm_years)"
            " + firm_clean_fom_usd_per_kw_year)")
_LDES_MWH_YR = ("KWH_PER_MWH * ldes_energy_capex_usd_per_kwh * (cost.capital_recovery_factor(discount_rate, "
                "life_ldes_years) + ldes_fom_share_of_capex)")

#: the hourly supply of the least-cost mix for the scenario's CFE target. The sizing (a model input,
#: ``model:supply-sizing``: the LP of :mod:`stargate_report.supply.lp`) gives the mix per MW of average load,
#: its grid imports and exports and the 100 % annual-matching portfolio; the ledger carries them through
#: every Monte Carlo sample of load, cost, finance and grid terms.
SUPPLY = (
    F("grid_cfe_share", "fraction", "grid_clean_share",
      "carbon-free share of grid energy (consumption-based); grid imports count towards the 24/7 score at it"),
    F("solar_mw_cfe", "MW", "solar_mw_per_mw_load * facility_power_avg_mw", "least-cost sizing"),
    F("wind_mw_cfe", "MW", "wind_mw_per_mw_load * facility_power_avg_mw", "least-cost sizing"),
    F("battery_mw_cfe", "MW", "battery_mw_per_mw_load * facility_power_avg_mw", "least-cost sizing"),
    F("battery_mwh_cfe", "MWh", "battery_mwh_per_mw_load * facility_power_avg_mw", "least-cost sizing"),
    F("firm_mw_cfe", "MW", "firm_mw_per_mw_load * facility_power_avg_mw", "least-cost sizing (0 unless allowed)"),
    F("ldes_mwh_cfe", "MWh", "ldes_mwh_per_mw_load * facility_power_avg_mw",
      "least-cost sizing (0 unless allowed); a fixed 100-hour iron-air store"),
    F("grid_import_mwh", "MWh", "grid_import_share_of_load * annual_energy_mwh", "hourly dispatch of the sized mix"),
    F("grid_export_mwh", "MWh", "grid_export_share_of_load * annual_energy_mwh",
      "energy beyond the load sold to the grid (0 when the surplus value is 0: curtailed instead)"),
    F("hourly_cfe_share", "fraction", "1 - grid_import_mwh * (1 - grid_cfe_share) / annual_energy_mwh",
      "24/7 CFE score: own supply used hour by hour plus grid imports at the grid's carbon-free share, over the "
      "load (surplus never counts); with no supply it is the grid's share"),
    F("annual_match_share", "fraction", "sized_annual_match_share", "own clean generation / load over the year"),
    F("curtailed_mwh", "MWh", "curtailed_share_of_load * annual_energy_mwh"),
    F("grid_peak_mw", "MW", "grid_peak_per_mw_load * facility_power_avg_mw"),
    F("supply_capex_usd", "usd",
      "solar_mw_cfe * solar_capex_usd_per_w * W_PER_MW + wind_mw_cfe * wind_capex_usd_per_kw * KW_PER_MW"
      " + battery_mw_cfe * battery_power_capex_usd_per_kw * KW_PER_MW"
      " + battery_mwh_cfe * battery_energy_capex_usd_per_kwh * KWH_PER_MWH"
      " + firm_mw_cfe * firm_clean_capex_usd_per_kw * KW_PER_MW + ldes_mwh_cfe * ldes_energy_capex_usd_per_kwh * KWH_PER_MWH"),
    F("capex_with_supply_usd", "usd", "capex_usd + supply_capex_usd",
      "campus (facility and IT) and its hour-by-hour clean supply"),
    F("investment_share_of_supply_capex", "fraction",
      "where(supply_capex_usd > 0, investment_usd / maximum(supply_capex_usd, 1.0), 0.0)",
      "0 where no supply is built"),
    F("solar_land_cfe_km2", "km2", "land.land_km2_from_acres(solar_mw_cfe, solar_land_acres_per_mw)"),
    F("wind_land_cfe_km2", "km2", "land.land_km2_from_ha(wind_mw_cfe, wind_land_ha_per_mw)",
      "total project area: the land between the turbines mostly stays in other use"),
    F("wind_land_direct_cfe_km2", "km2", "land.land_km2_from_ha(wind_mw_cfe, wind_land_direct_ha_per_mw)",
      "direct impact: turbine pads, roads and substations, permanent and temporary"),
    F("supply_cost_usd_per_mwh", "usd_per_mwh",
      f"(solar_mw_cfe * {_SOLAR_YR} + wind_mw_cfe * {_WIND_YR} + battery_mw_cfe * {_BATTERY_MW_YR}"
      f" + battery_mwh_cfe * {_BATTERY_MWH_YR} + firm_mw_cfe * {_FIRM_YR} + ldes_mwh_cfe * {_LDES_MWH_YR}"
      " + grid_import_mwh * grid_price_usd_per_mwh - grid_export_mwh * surplus_value_usd_per_mwh) / annual_energy_mwh",
      "annualised capital and fixed O&M of the sized mix (batteries: O&M 2.5 % of capital a year), plus grid "
      "purchases, minus surplus revenue, per MWh of load"),
    F("annual_matching_usd_per_mwh", "usd_per_mwh",
      f"(am_solar_mw_per_mw_load * {_SOLAR_YR} + am_wind_mw_per_mw_load * {_WIND_YR}) / HOURS_PER_YEAR"
      " + am_grid_import_share_of_load * grid_price_usd_per_mwh"
      " - am_grid_export_share_of_load * surplus_value_usd_per_mwh",
      "least-cost 100 % annual matching: solar and wind whose energy over the year equals the load's; deficits "
      "bought from the grid hour by hour, surplus sold at the surplus value (0: given away)"),
    F("premium_usd_per_mwh", "usd_per_mwh", "supply_cost_usd_per_mwh - annual_matching_usd_per_mwh",
      "what the hourly target costs over 100 % annual matching (negative: cheaper)"),
    F("emissions_location_annual_tco2e", "tco2e",
      "emissions.emissions_tco2e(annual_energy_mwh, grid_intensity_g_per_kwh)",
      "location-based, annual average grid intensity"),
    F("emissions_location_hourly_tco2e", "tco2e",
      "emissions.emissions_tco2e(annual_energy_mwh, grid_intensity_g_per_kwh)",
      "sum over hours of load x hourly grid intensity; the intensity is flat over the year here, so it "
      "equals the annual figure"),
    F("emissions_market_annual_tco2e", "tco2e",
      "emissions.emissions_tco2e(maximum(annual_energy_mwh * (1 - renewable_share_of_load), 0.0), "
      "grid_intensity_g_per_kwh)", "annual matching of certificates"),
    F("emissions_market_hourly_tco2e", "tco2e", "emissions.emissions_tco2e(grid_import_mwh, grid_intensity_g_per_kwh)",
      "hourly matching (24/7), the same accounting as the CFE score: the fossil part of the imports, "
      "grid_import x (1 - grid_cfe_share), at the intensity of the grid's fossil part, grid intensity / "
      "(1 - grid_cfe_share); that is the imports at the grid's average intensity"),
    F("water_offsite_supply_m3_per_year", "m3", "water.water_offsite_m3(grid_import_mwh, ewif_l_per_kwh)",
      "on the same basis as the hourly emissions: only the grid imports; solar PV and wind consume almost no "
      "water in operation (left out)"),
    F("water_with_supply_m3_per_year", "m3", "water_onsite_m3_per_year + water_offsite_supply_m3_per_year",
      "on site and in the power plants of the grid imports, with the clean supply"),
)

ALL = (*POWER_CHAIN, *{f for group in SIZING.values() for f in group}, *ENERGY, *COMPUTE, *COST, *INVESTMENT, *FOOTPRINT,
       *ANNUAL_SOLAR, *ANNUAL_WIND, *SUPPLY)
