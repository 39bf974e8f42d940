"""stargate-report: sourced analyses and offline briefings on AI-infrastructure build-outs.

The library computes; notebooks arrange and explain. Start with::

    from stargate_report import evaluate, resolve
    results = evaluate(resolve("milam-county"))
    results["annual_energy_mwh"].p50
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "evaluate", "resolve"]


def __getattr__(name: str):  # lazy: importing the package stays cheap
    if name == "evaluate":
        from stargate_report.model.evaluate import (
            evaluate,  # lazy: the command's start-up loads only what the command needs
        )

        return evaluate
    if name == "resolve":
        from stargate_report.model.scenario import (
            resolve,  # lazy: the command's start-up loads only what the command needs
        )

        return resolve
    raise AttributeError(name)
