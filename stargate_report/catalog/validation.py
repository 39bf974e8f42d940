"""Shared vocabulary and helpers of the package-data schemas (pydantic models in the catalog loaders).

The data files name quantities in a small set of units and grade every value with a status; both
vocabularies live here, once, and every loader validates against them.
"""
from __future__ import annotations

from pydantic import ValidationError

#: Units the assumptions may use (the suffix vocabulary of the package).
ASSUMPTION_UNITS = frozenset({
    "W", "ratio", "fraction", "flop", "flop_per_s", "usd", "usd_per_mw", "usd_per_w", "usd_per_gw",
    "usd_per_kw", "usd_per_kwh", "usd_per_kw_year", "usd_per_mwh", "g_per_kwh", "l_per_kwh",
    "years", "acres_per_mw", "ha_per_mw",
})
#: Units of numeric facts in the knowledge base.
FACT_UNITS = frozenset({"MW", "usd", "count", "acres"})
#: How far a value is verified: read in the publisher's own text (confirmed), only in a copy or summary
#: (secondary), or not verified / a single weak source / derived from uncertain inputs (uncertain).
STATUSES = ("confirmed", "secondary", "uncertain")


def first_error(exc: ValidationError) -> tuple[str, str]:
    """The first problem of a pydantic ``ValidationError`` as ``(field, problem)`` in the package's words."""
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err.get("loc", ())) or "-"
    kind = err.get("type", "")
    if kind == "missing":
        return field, "missing or empty"
    if kind == "extra_forbidden":
        return field, "unknown field"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return field, f"unknown {field} {err.get('input')!r}; known: {expected}"
    msg = str(err.get("msg", ""))
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    if kind in ("float_parsing", "float_type", "finite_number"):
        msg = f"not a number: {err.get('input')!r}" if kind != "finite_number" else f"not a finite number: {err.get('input')!r}"
    return field, msg
