"""Printed figures that say where they come from: every number tagged with its key in the run's results.

A number the briefing prints is a :class:`Printed` string: its text is what a reader sees (and what
column widths and plain-text exports use); its :attr:`Printed.html` wraps each number in
``<span class="num" data-key="/quantities/capex_usd/p50" data-divisor="1e9">38.0</span>``. The key is a
JSON pointer (RFC 6901) into the run's ``results.json``; the divisor is what the value was divided by to
print it (display scale and local unit, e.g. 1e9 for "USD 38.0 bn", 0.01 for "68%"). A test reads every
tagged number of a built briefing back against ``results.json`` (``tests/integration/test_printed.py``),
so a figure computed anywhere but in the run's results cannot pass unnoticed.
"""
from __future__ import annotations

import html

from stargate_report.present import formatting


class Printed(str):
    """Text as printed, with :attr:`html`: the same text with each number tagged by its results key."""

    html: str

    def __new__(cls, text: str, markup: str | None = None):
        obj = super().__new__(cls, text)
        obj.html = html.escape(text) if markup is None else markup
        return obj

    def __add__(self, other: str) -> Printed:
        return Printed(str(self) + str(other), self.html + markup_of(other))

    def __radd__(self, other: str) -> Printed:
        return Printed(str(other) + str(self), markup_of(other) + self.html)


def markup_of(text: str) -> str:
    """The HTML of a piece of text: a :class:`Printed`'s tagged markup, else the text escaped."""
    return text.html if isinstance(text, Printed) else html.escape(str(text))


def pointer(*parts) -> str:
    """A JSON pointer (RFC 6901) to a value of ``results.json``: ``pointer("tables", "cfe_curve", 2, "cost")``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _wrap(base: str):
    """A :data:`formatting.Wrap` that tags each number with ``base`` (a value) or ``base/<part>``."""

    def wrap(text: str, part: str, raw: float, divisor: float) -> str:
        key = base if part == "value" else f"{base}/{part}"
        return (f'<span class="num" data-key="{html.escape(key)}" data-divisor="{divisor!r}">'
                f"{html.escape(text)}</span>")

    return wrap


def value(x: float, unit: str, lang: str, key: str) -> Printed:
    """One value (:func:`formatting.value`) tagged with its results ``key`` (a :func:`pointer`)."""
    return Printed(formatting.value(x, unit, lang), formatting.value(x, unit, lang, _wrap(key)))


def ranged(p50: float, p10: float, p90: float, unit: str, lang: str, base: str) -> Printed:
    """A median with its P10-P90 range (:func:`formatting.with_range`), keys ``base/p50``, ``/p10``, ``/p90``."""
    return Printed(formatting.with_range(p50, p10, p90, unit, lang),
                   formatting.with_range(p50, p10, p90, unit, lang, _wrap(base)))


def span(low: float, high: float, unit: str, lang: str, base: str) -> Printed:
    """An input's range low to high (:func:`formatting.range_only`), keys ``base/low`` and ``base/high``."""
    return Printed(formatting.range_only(low, high, unit, lang),
                   formatting.range_only(low, high, unit, lang, _wrap(base)))


def number(x: float, lang: str, key: str, decimals: int | None = None) -> Printed:
    """A plain number (:func:`formatting.number`), e.g. a ratio or an index, tagged with its key."""
    text = formatting.number(x, lang, decimals)
    return Printed(text, _wrap(key)(text, "value", x, 1.0))


def text(words: str, key: str) -> Printed:
    """Text taken from the results (a region id, a verdict): tagged, so a reader can trace it too."""
    return Printed(words, f'<span class="txt" data-key="{html.escape(key)}">{html.escape(words)}</span>')


__all__ = ["Printed", "pointer", "value", "ranged", "span", "number", "text", "markup_of"]
