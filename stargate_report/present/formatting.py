"""Print a number with its unit and range, in English or German number format (Babel).

The display unit is chosen from the median (MW -> GW, MWh -> TWh, USD -> bn), and the range
uses the same scale, so ``988 MW (915-1,106)`` or ``8,66 TWh (8,02-9,69)``.
"""
from __future__ import annotations

import math
from collections.abc import Callable

from babel.numbers import format_decimal

from stargate_report.constants import M2_PER_ACRE, M2_PER_HA
from stargate_report.exceptions import UnknownNameError
from stargate_report.present.i18n import t
from stargate_report.present.locales import LOCALES, check_lang

SIG = 3  # significant digits shown

# unit -> [(threshold, divisor)], first match wins (largest first); the pattern around the number of entry k is
# the catalogue message ``scale.<unit>.<k>`` ("USD {} bn", "{} Mrd. USD"): one translation mechanism
SCALES: dict[str, list[tuple[float, float]]] = {
    "MW": [(1000.0, 1000.0), (0, 1)],
    "MWh": [(1000000.0, 1000000.0), (1000.0, 1000.0), (0, 1)],
    "usd": [(1000000000.0, 1000000000.0), (1000000.0, 1000000.0), (0, 1)],
    "tco2e": [(1000000.0, 1000000.0), (1000.0, 1000.0), (0, 1)],
    "m3": [(1000000.0, 1000000.0), (0, 1)],
    "km2": [(0, 1)],
    "usd_per_mwh": [(0, 1)],
    "ratio": [(0, 1)],
    "fraction": [(0, 0.01)],
    "g_per_kwh": [(0, 1)],
    "l_per_kwh": [(0, 1)],
    "W": [(0, 1)],
    "years": [(0, 1)],
    "usd_per_mw": [(1000000.0, 1000000.0), (0, 1)],
    "usd_per_kw": [(0, 1)],
    "usd_per_kwh": [(0, 1)],
    "usd_per_w": [(0, 1)],
    "usd_per_kw_year": [(0, 1)],
    "acres_per_mw": [(0, 1)],
    "ha_per_mw": [(0, 1)],
    "acres": [(0, 1)],
    "ha": [(0, 1)],
    "count": [(1000000.0, 1000000.0), (0, 1)],
}
#: units a language does not use, and what it shows instead: (unit, factor) per (unit, language). German
#: readers measure land in hectares, not acres: every path below converts before it scales and formats.
LOCAL_UNITS: dict[tuple[str, str], tuple[str, float]] = {
    ("acres_per_mw", "de"): ("ha_per_mw", M2_PER_ACRE / M2_PER_HA),
    ("acres", "de"): ("ha", M2_PER_ACRE / M2_PER_HA),
}
SCIENTIFIC = {"flop": "FLOP", "flop_per_s": "FLOP/s"}
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


#: units charts are drawn in, and the divisor from the ledger unit
PLOT_UNITS = {"mw": 1.0, "gw": 1e3, "mwh": 1.0, "twh": 1e6, "usd_bn": 1e9, "usd_m": 1e6, "mt": 1e6, "kt": 1e3,
              "million_m3": 1e6, "one": 1.0, "percent": 0.01, "usd_per_mwh": 1.0}


def plot_scale(plot_unit: str) -> float:
    if plot_unit not in PLOT_UNITS:
        raise UnknownNameError("plot unit", plot_unit, list(PLOT_UNITS))
    return PLOT_UNITS[plot_unit]


def decimals_for(x: float, sig: int = SIG) -> int:
    """Decimals that show ``sig`` significant digits of ``x`` (negative: round to tens, hundreds...)."""
    if x == 0 or not math.isfinite(x):
        return 0
    return sig - 1 - int(math.floor(math.log10(abs(x))))


def number(x: float, lang: str = "en", decimals: int | None = None) -> str:
    """A plain number in the language's format, rounded to ``decimals`` (default: 3 significant)."""
    check_lang(lang)
    if decimals is None:
        d = decimals_for(x)
        if d > 0 and round(x, d) == round(x):  # a whole number at this precision: no trailing zeros
            d = 0
    else:
        d = decimals
    fmt = "#,##0" + ("." + "0" * d if d > 0 else "")
    text = format_decimal(round(x, d), format=fmt, locale=LOCALES[lang])
    # a minus sign, not a hyphen, before a negative number (typeset; "−0" for a value that rounds to zero: "0")
    return "0" if text in ("-0", "−0") else text.replace("-", "\u2212", 1)


def exact(x: float, lang: str = "en", grouped: bool = True) -> str:
    """A number as given (not rounded), in the language's format: ``0.9`` -> ``0,9`` in German.

    ``grouped=False`` leaves out the thousands separators (an identifier such as a random seed)."""
    check_lang(lang)
    return format_decimal(x, format=("#,##0" if grouped else "0") + ".###############", locale=LOCALES[lang])


def local_unit(unit: str, lang: str) -> tuple[str, float]:
    """The unit ``lang`` shows for ``unit`` and the factor to it (``acres_per_mw`` -> ``ha_per_mw`` in German)."""
    return LOCAL_UNITS.get((unit, lang), (unit, 1.0))


def _pattern(unit: str, k: int, lang: str) -> str:
    """The pattern around a number in scale ``k`` of ``unit`` (catalogue ``scale.<unit>.<k>``); a unit without
    scales is written after the number as it is spelled."""
    return t(f"scale.{unit}.{k}", lang) if unit in SCALES else "{} " + unit


def _scale(unit: str, ref: float, lang: str) -> tuple[float, str]:
    unit, factor = local_unit(unit, lang)
    for k, (threshold, div) in enumerate(SCALES.get(unit, [(0, 1)])):
        if abs(ref * factor) >= threshold:
            return div / factor, _pattern(unit, k, lang)
    return 1, "{}"


def _scientific(x: float, lang: str, unit: str, wrap=None, part: str = "value") -> str:
    exp = int(math.floor(math.log10(abs(x)))) if x else 0
    mant = number(x / 10 ** exp, lang, 1)
    if wrap is not None:
        mant = wrap(mant, part, x, 10.0 ** exp)
    return f"{mant} × 10{str(exp).translate(SUPERSCRIPT)} {unit}"


def unit_label(unit: str, lang: str = "en") -> str:
    """The unit as people write it, unscaled: ``l_per_kwh`` -> ``L/kWh``, ``tco2e`` -> ``t CO₂e``."""
    check_lang(lang)
    if unit in SCIENTIFIC:
        return SCIENTIFIC[unit]
    unit = local_unit(unit, lang)[0]
    pattern = _pattern(unit, len(SCALES[unit]) - 1, lang) if unit in SCALES else "{} " + unit
    for gap in ("{} ", " {}", "{}"):  # the number and the one space beside it
        if gap in pattern:
            return pattern.replace(gap, "", 1).strip()
    return pattern


#: ``wrap(text, part, raw, divisor)``: what a printed number becomes; ``part`` is ``"value"``, ``"p50"``,
#: ``"p10"`` or ``"p90"``, ``raw`` the number before scaling, ``divisor`` what it was divided by to print ``text``
Wrap = Callable[[str, str, float, float], str]


def _plain(text: str, part: str, raw: float, divisor: float) -> str:
    return text


def value(x: float, unit: str, lang: str = "en", wrap: Wrap = _plain) -> str:
    """One value with its display unit, e.g. ``1.2 GW``, ``USD 38 bn``, ``68%``.

    ``wrap`` receives the printed number (see :data:`Wrap`); the briefing uses it to tag the number with
    the results key it comes from (``present.printed``)."""
    check_lang(lang)
    if unit in SCIENTIFIC:
        return _scientific(x, lang, SCIENTIFIC[unit], wrap)
    div, pattern = _scale(unit, x, lang)
    return pattern.format(wrap(number(x / div, lang), "value", x, div))


def with_range(p50: float, p10: float, p90: float, unit: str, lang: str = "en", wrap: Wrap = _plain) -> str:
    """Median with its P10-P90 range in the same display unit, e.g. ``8.66 TWh (8.02–9.69)``."""
    check_lang(lang)
    if unit in SCIENTIFIC:
        mid = _scientific(p50, lang, SCIENTIFIC[unit], wrap, part="p50")
        exp = int(math.floor(math.log10(abs(p50)))) if p50 else 0
        lo, hi = number(p10 / 10 ** exp, lang, 1), number(p90 / 10 ** exp, lang, 1)
        if lo == hi:
            return mid
        lo, hi = wrap(lo, "p10", p10, 10.0 ** exp), wrap(hi, "p90", p90, 10.0 ** exp)
        return f"{mid} ({lo}–{hi} × 10{str(exp).translate(SUPERSCRIPT)})"
    div, pattern = _scale(unit, p50, lang)
    d = decimals_for(p50 / div)
    if d > 0 and all(float(x / div).is_integer() for x in (p10, p50, p90)):  # whole numbers: no decimals
        d = 0
    lo, hi = number(p10 / div, lang, d), number(p90 / div, lang, d)
    if lo == hi:  # a point value
        return pattern.format(wrap(number(p50 / div, lang), "p50", p50, div))
    return (f"{pattern.format(wrap(number(p50 / div, lang, d), 'p50', p50, div))} "
            f"({wrap(lo, 'p10', p10, div)}–{wrap(hi, 'p90', p90, div)})")


def range_only(low: float, high: float, unit: str, lang: str = "en", wrap: Wrap = _plain) -> str:
    """Just a range in one display unit, e.g. ``USD 38–78/MWh`` (for published ranges)."""
    check_lang(lang)
    div, pattern = _scale(unit, high, lang)
    d = max(decimals_for(low / div), decimals_for(high / div)) if low else decimals_for(high / div)
    if d > 0 and all(float(x / div).is_integer() for x in (low, high)):
        d = 0
    lo = wrap(number(low / div, lang, max(d, 0)), "low", low, div)
    hi = wrap(number(high / div, lang, max(d, 0)), "high", high, div)
    return pattern.format(f"{lo}–{hi}")


def quantity(q, lang: str = "en", show_range: bool = True, wrap: Wrap = _plain) -> str:
    """Format a ledger :class:`~stargate_report.model.ledger.Quantity`: its median, with its P10-P90 range."""
    if show_range:
        return with_range(q.p50, q.p10, q.p90, q.unit, lang, wrap)
    # the median alone: tagged as the median it is
    return value(q.p50, q.unit, lang, lambda text, part, raw, div: wrap(text, "p50", raw, div))
