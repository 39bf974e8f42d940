"""Scenario, Monte Carlo evaluation, the ledger of results, sensitivity."""
