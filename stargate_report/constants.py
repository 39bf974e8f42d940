"""Physical and unit constants. Every conversion factor used by the package lives here."""

HOURS_PER_YEAR = 8760.0  # [h/yr] non-leap year, the convention of annual energy statistics
SECONDS_PER_HOUR = 3600.0  # [s/h]
W_PER_KW = 1e3  # [W/kW]
W_PER_MW = 1e6  # [W/MW]
KW_PER_MW = 1e3  # [kW/MW]
MW_PER_GW = 1e3  # [MW/GW]
KWH_PER_MWH = 1e3  # [kWh/MWh]
G_PER_TONNE = 1e6  # [g/t]
KG_PER_TONNE = 1e3  # [kg/t]
L_PER_M3 = 1e3  # [L/m3]
KG_PER_LB = 0.45359237  # [kg/lb] international avoirdupois pound (exact)
M2_PER_ACRE = 4046.8564224  # [m2/acre] international acre (exact)
M2_PER_HA = 1e4  # [m2/ha]
KM2_PER_M2 = 1e-6  # [km2/m2]
