"""Pure, vectorized formulas: compute, power, cost, emissions, water, land. Arrays in, arrays out."""
