"""The briefing's languages and the Babel locale each is formatted in."""
from __future__ import annotations

from stargate_report.exceptions import UnknownNameError

#: language code -> Babel locale (numbers, dates)
LOCALES = {"en": "en_US", "de": "de_DE"}


def check_lang(lang: str) -> str:
    """``lang`` if it is a language of the briefing, else an error listing the known ones."""
    if lang not in LOCALES:
        raise UnknownNameError("language", lang, list(LOCALES))
    return lang


__all__ = ["LOCALES", "check_lang"]
