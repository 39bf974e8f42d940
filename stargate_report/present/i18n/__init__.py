"""Message catalogues for the briefing (``en``, ``de``): one source, two languages."""
from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from stargate_report.catalog.files import read_yaml
from stargate_report.exceptions import DataError, UnknownNameError
from stargate_report.present.locales import LOCALES, check_lang

LANGUAGES = tuple(LOCALES)


def catalogue_path(lang: str) -> Path:
    return Path(str(resources.files("stargate_report.present.i18n") / f"{check_lang(lang)}.yaml"))


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    p = catalogue_path(lang)
    data = read_yaml(p)
    if not isinstance(data, dict):
        raise DataError(p, "-", "-", "expected a mapping of message keys")
    return {str(k): str(v) for k, v in data.items()}


def t(key: str, lang: str = "en") -> str:
    """The message ``key`` in ``lang``.

    Never another language's text in its place: a key that English has and ``lang`` lacks is an error
    naming the catalogue and the key (a build fails rather than print English in a German briefing), and
    a key no catalogue has is an unknown name."""
    cat = catalogue(lang)
    if key in cat:
        return cat[key]
    en = catalogue("en")
    if key in en:
        raise DataError(catalogue_path(lang), key, "-", f"no {lang} text for this message key (English: {en[key]!r})")
    raise UnknownNameError("message key", key, list(en))


def missing_keys(lang: str) -> list[str]:
    """Keys of the English catalogue that ``lang`` lacks (tests keep this empty)."""
    return sorted(set(catalogue("en")) - set(catalogue(lang)))



def formula_note(qid: str, note: str, lang: str = "en") -> str:
    """A ledger formula's note (its English text is the model's own) in ``lang``: catalogue key ``note.<qid>``."""
    return note if lang == "en" or not note else t(f"note.{qid}", lang)


def assumption_note(assumption_id: str, note: str, lang: str = "en") -> str:
    """An assumption's note (its English text is the assumptions file's own) in ``lang``: catalogue key
    ``assumption.note.<assumption id>``; an error, never the English text, where the key is missing."""
    if lang == "en" or not note:
        return note
    key = f"assumption.note.{assumption_id}"
    if key not in catalogue(lang):
        raise DataError(catalogue_path(lang), key, "-", f"no {lang} text for the note of assumption "
                        f"{assumption_id!r} (English: {note!r})")
    return catalogue(lang)[key]
