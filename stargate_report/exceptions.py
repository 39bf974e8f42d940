"""One exception hierarchy for the package.

Every error a user can cause derives from :class:`StargateReportError`; its message says
what was wrong (parameter, value, what is allowed) and what to do. The command line maps
:class:`ParameterError` and :class:`DataError` to exit code 2 and chapter failures to 1.
"""
from __future__ import annotations

import difflib


class StargateReportError(Exception):
    """Base class of all errors raised by stargate-report."""


class ParameterError(StargateReportError, ValueError):
    """A scenario parameter, command-line option or function argument is invalid.

    Parameters
    ----------
    key : str
        The parameter's name.
    value : object
        The rejected value.
    allowed : str
        What would be accepted (a range, a list of choices).
    hint : str, optional
        Extra advice, e.g. a did-you-mean suggestion.
    """

    def __init__(self, key: str, value: object, allowed: str, hint: str = "") -> None:
        self.key, self.value, self.allowed, self.hint = key, value, allowed, hint
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        msg = f"invalid value for '{key}': {shown}; allowed: {allowed}"
        if hint:
            msg += f" ({hint})"
        super().__init__(msg)


#: how many known names an error lists before it says how many more there are
MAX_LISTED = 20


def _some(known: list[str], name: str) -> str:
    """The known names, or, where there are many (a message catalogue), those sharing the name's prefix up to
    its last dot (``table.`` for ``table.x``), and how many more there are."""
    if len(known) <= MAX_LISTED:
        return ", ".join(known)
    prefix = name.rsplit(".", 1)[0] + "." if "." in name else name[:1]
    related = [k for k in known if k.startswith(prefix)][:MAX_LISTED] or known[:MAX_LISTED]
    return f"{', '.join(related)} and {len(known) - len(related)} more"


class UnknownNameError(ParameterError, KeyError):
    """A name (preset, parameter key, region, chip, language, ...) is not known."""

    def __init__(self, kind: str, name: object, known: list[str] | tuple[str, ...]) -> None:
        known = sorted(str(k) for k in known)
        same_but_case = [k for k in known if k.lower() == str(name).lower()]  # 'DE' for 'de'
        close = same_but_case or difflib.get_close_matches(str(name), known, n=1, cutoff=0.6)
        if not close:
            close = [k for k in known if str(name) and k.startswith(str(name))][:1]
        hint = f"did you mean '{close[0]}'?" if close else ""
        self.known = known
        shown = _some(known, str(name))
        ParameterError.__init__(self, kind, name, "one of " + shown, hint)
        msg = f"unknown {kind} {name!r}; known: {shown}"
        self.args = (msg + (f" ({hint})" if hint else ""),)

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.args[0]


class DataError(StargateReportError):
    """A package data file is malformed; names the file, the record and the field."""

    def __init__(self, path: object, record: object, field: str, problem: str) -> None:
        self.path, self.record, self.field = str(path), record, field
        super().__init__(f"{path}: record {record}, field '{field}': {problem}")


class BuildError(StargateReportError):
    """Building a briefing failed (rendering, writing output)."""


class ChapterError(BuildError):
    """A chapter notebook raised while it was executed.

    The message names the chapter, the cell number and the exception, and where the
    executed notebook with the error was kept.
    """

    def __init__(self, chapter: str, cell: int | None, ename: str, evalue: str, kept: object = None) -> None:
        self.chapter, self.cell, self.ename, self.evalue, self.kept = chapter, cell, ename, evalue, kept
        where = f"cell {cell}" if cell is not None else "an unknown cell"
        msg = f"chapter '{chapter}' failed in {where}: {ename}: {evalue}"
        if kept:
            msg += f"; the executed notebook is kept at {kept}"
        super().__init__(msg)
