"""Message catalogues for the briefing (``en``, ``de``): one source, two languages."""
from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from stargate_report.catalog.files import read_yaml
from stargate_report.exceptions import DataError, UnknownNameError
from stargate_report.model.scenario import load_preset, preset_names
from stargate_report.present.formatting import LOCALES, check_lang

LANGUAGES = tuple(LOCALES)


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    check_lang(lang)
    p = Path(str(resources.files("stargate_report.present.i18n") / f"{lang}.yaml"))
    data = read_yaml(p)
    if not isinstance(data, dict):
        raise DataError(p, "-", "-", "expected a mapping of message keys")
    return {str(k): str(v) for k, v in data.items()}


def t(key: str, lang: str = "en") -> str:
    """The message ``key`` in ``lang``; falls back to English, then fails naming the key."""
    cat = catalogue(lang)
    if key in cat:
        return cat[key]
    en = catalogue("en")
    if key in en:
        return en[key]
    raise UnknownNameError("message key", key, list(en))


def missing_keys(lang: str) -> list[str]:
    """Keys of the English catalogue that ``lang`` lacks (tests keep this empty)."""
    return sorted(set(catalogue("en")) - set(catalogue(lang)))



def display_title(preset: str, title: str, lang: str) -> str:
    """The briefing's title in ``lang``.

    A preset's own title is written in English in the preset; the catalogue of another language may
    translate it (key ``preset.<name>.title``). A title the user gave is shown as given.
    """
    own = load_preset(preset).get("title") if preset in preset_names() else None
    if title and title == own:
        return catalogue(lang).get(f"preset.{preset}.title", title)
    return title


def formula_note(qid: str, note: str, lang: str = "en") -> str:
    """A ledger formula's note (its English text is the model's own) in ``lang``: catalogue key ``note.<qid>``."""
    return note if lang == "en" or not note else t(f"note.{qid}", lang)
