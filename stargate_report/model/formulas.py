"""One record per ledger quantity: its id, unit and the expression that computes it.

The expression is Python over the model's roles (``pue``, ``load_factor``: the assumption, fact or
parameter feeding each), the quantities computed before it, the calculation functions of
:mod:`stargate_report.calc` and the constants of :mod:`stargate_report.constants`. :func:`run` evaluates
it on the Monte Carlo arrays and writes the *same text* into the ledger as the quantity's formula, with
the ids of its inputs read from the expression itself. So the derivations appendix shows the code that
ran, and a formula cannot drift from its computation.

A note (``note``) says in words what the expression cannot (a method, an accounting convention); the
briefing shows it in the reader's language (catalogue key ``note.<quantity id>``).
"""
from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from stargate_report import constants
from stargate_report.calc import annual_matching, compute, cost, emissions, land, power, water
from stargate_report.model.ledger import Results

#: what an expression may call: the calculation layer's modules, by name (``power.facility_power_mw(...)``
#: names the function whose docstring gives the formula's reference), and numpy's element-wise helpers
FUNCTIONS: dict[str, object] = {
    "power": power, "compute": compute, "cost": cost, "emissions": emissions, "water": water, "land": land,
    "annual_matching": annual_matching, "maximum": np.maximum, "minimum": np.minimum, "where": np.where,
}
#: named constants an expression may use (each with its unit in :mod:`stargate_report.constants`)
CONSTANTS: dict[str, float] = {k: v for k, v in vars(constants).items() if k.isupper() and isinstance(v, float | int)}


@dataclass(frozen=True)
class Formula:
    """A ledger quantity: ``id`` [``unit``] = ``expr``. The expression must not name a quantity after a
    function or a module of :data:`FUNCTIONS`."""

    id: str
    unit: str
    expr: str
    note: str = ""  # what the expression cannot say (English; the catalogue has each language's)

    @functools.cached_property
    def names(self) -> tuple[str, ...]:
        """The names the expression reads, in order of first use (functions and constants excluded)."""
        seen: list[str] = []
        for node in ast.walk(ast.parse(self.expr, mode="eval")):
            if isinstance(node, ast.Name) and node.id not in FUNCTIONS and node.id not in CONSTANTS \
                    and node.id not in seen:
                seen.append(node.id)
        return tuple(seen)

    @functools.cached_property
    def code(self):
        return compile(self.expr, f"<formula {self.id}>", "eval")


def run(formulas: Iterable[Formula], values: dict[str, np.ndarray], input_ids: Mapping[str, str],
        res: Results) -> None:
    """Evaluate ``formulas`` in order into ``res``.

    ``values`` holds the role arrays (``{role: array}``) and receives each computed quantity;
    ``input_ids`` maps a role to the ledger input it comes from (assumption, fact, parameter or model).
    A formula's ledger inputs are the quantities and the roles' inputs it names.
    """
    scope = {"__builtins__": {}, **FUNCTIONS, **CONSTANTS}
    for f in formulas:
        missing = [n for n in f.names if n not in values]
        if missing:
            raise KeyError(f"formula {f.id!r} reads {', '.join(missing)}, which the model has not computed")
        inputs = [n if n in res.quantities else input_ids[n] for n in f.names]
        out = eval(f.code, scope, values)  # noqa: S307 - our own expressions, no builtins
        values[f.id] = res.add(f.id, out, f.unit, f.expr, list(dict.fromkeys(inputs)), note=f.note)
