"""The message catalogues: German covers every English key, and no key is written twice (the second
would silently replace the first, so an edit to the first would show nowhere)."""
from __future__ import annotations

import re
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest
import yaml

from stargate_report.present.formatting import LOCALES
from stargate_report.present.i18n import missing_keys


@pytest.mark.parametrize("name", [f"{lang}.yaml" for lang in sorted(LOCALES)] + ["formulas.de.yaml"])
def test_catalogue_keys_are_unique(name):

    path = Path(str(resources.files("stargate_report.present.i18n"))) / name
    root = yaml.compose(path.read_text(encoding="utf-8"))
    counts = Counter(key.value for key, _ in root.value)
    assert [k for k, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_every_english_message_is_translated(lang):
    assert missing_keys(lang) == []


def test_the_duplicate_check_would_catch_a_repeated_key():
    root = yaml.compose("a: 1\nb: 2\na: 3\n")
    assert Counter(key.value for key, _ in root.value)["a"] == 2


PROSE = re.compile(r"\b[A-Za-z][a-z]+\b")  # a word: not an identifier (those have "_"), not a unit (kW, km2)
NOT_PROSE = {"min", "max", "pue", "mfu", "acre", "ha"}  # functions, parameters and units written as words
TOKENS = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)+|\d+(?:\.\d+)?|\b(?:min|max|CRF)\b")  # ids, numbers, functions


@pytest.fixture(scope="module")
def ledger_formulas():
    """Every formula the model writes: each preset, sized each way, with and without a set investment."""
    from stargate_report import evaluate, resolve
    from stargate_report.model.scenario import preset_names

    found = set()
    for preset in preset_names():
        for extra in ({}, {"accelerator_count": 100_000, "capacity_fact": None},
                      {"it_load_mw": 500.0, "capacity_fact": None}, {"investment_fact": None, "investment_usd": 1e9}):
            res = evaluate(resolve(preset, overrides={"samples": 20, **extra}), supply=True)
            found |= {q.formula for q in res.quantities.values()}
    return found


def test_every_formula_in_words_has_its_german_wording(ledger_formulas):
    from stargate_report.present.i18n import formulas

    worded = {f for f in ledger_formulas if set(PROSE.findall(f)) - NOT_PROSE}
    assert worded and sorted(worded - set(formulas("de"))) == []


def test_a_german_formula_keeps_the_identifiers_and_numbers_and_none_is_stale(ledger_formulas):
    from stargate_report.present.i18n import formulas

    for en, de in formulas("de").items():
        assert sorted(TOKENS.findall(de)) == sorted(TOKENS.findall(en)), en
    assert sorted(set(formulas("de")) - ledger_formulas) == []  # a formula changed in model.py: translate anew
