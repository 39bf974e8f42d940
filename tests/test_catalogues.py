"""The message catalogues: German covers every English key, and no key is written twice (the second
would silently replace the first, so an edit to the first would show nowhere)."""
from __future__ import annotations

from collections import Counter

import pytest
import yaml

from stargate_report.formatting import LOCALES
from stargate_report.i18n import missing_keys


@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_catalogue_keys_are_unique(lang):
    from stargate_report.datafiles import data_dir

    path = data_dir().parent / "i18n" / f"{lang}.yaml"
    root = yaml.compose(path.read_text(encoding="utf-8"))
    counts = Counter(key.value for key, _ in root.value)
    assert [k for k, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_every_english_message_is_translated(lang):
    assert missing_keys(lang) == []


def test_the_duplicate_check_would_catch_a_repeated_key():
    root = yaml.compose("a: 1\nb: 2\na: 3\n")
    assert Counter(key.value for key, _ in root.value)["a"] == 2
