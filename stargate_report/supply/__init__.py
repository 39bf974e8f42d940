"""Hourly supply: per-MW profiles, dispatch simulation, least-cost sizing."""
