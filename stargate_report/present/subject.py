"""What a briefing is about, in words: its title and opening sentence, composed from the scenario's data.

Nothing here is typed per run. Three things of the scenario name its subject:

- its **kind** (parameter ``kind``): one ``campus``, a ``programme`` of many sites (modelled as one campus on
  the region's grid, so the prose says its numbers are programme totals), or a ``site`` (or a phase of one);
- its **place**: the ``place`` parameter where the user gives one, else the knowledge base's location of its
  ``site`` (in each language), else the region's name (catalogue ``place.<region>``);
- its **scale**: the input that sizes it (the announced capacity of a fact, a facility capacity, an IT load or
  a number of accelerators), formatted from the ledger like every other number.

The wording per preset (``preset.<name>.title``, ``.lead``, ``.design``) and per kind is in the message
catalogues, in both languages.

Which title a run gets (issue 22, decided here): a run whose place and scale are the preset's own (the same
``region``, ``site``, ``place``, ``kind`` and sizing) carries the preset's title, e.g. "SB Energy's Stargate
campus in Milam County, Texas: 1.20 GW". A run that moves or resizes it is no longer that campus, so it does not
keep that name: its title names the preset's design, where the run puts it and its scale ("Milam County campus
design, sited in Germany: 1.20 GW"), and its opening sentence says it is a scenario of its own, not the
published plan. Parameters that change neither place nor scale (a PUE, the cooling, the supply options) keep the
preset's title; the opening paragraph lists them, and the appendix gives their values. A title the user sets
(``title``) is shown as given, in every language.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stargate_report.catalog.knowledge import get_fact, load_knowledge
from stargate_report.model.scenario import SIZING_KEYS, Scenario, preset_scenario
from stargate_report.present import formatting
from stargate_report.present.i18n import t

#: parameters that say where the scenario stands and what it is (a change gives the run a title of its own)
PLACE_KEYS = ("region", "site", "place", "kind")
#: the sizing parameter -> the model role whose input is the scale (the ledger placeholder in the prose)
SCALE_ROLES = {"capacity_fact": "facility_capacity_mw", "facility_capacity_mw": "facility_capacity_mw",
               "it_load_mw": "it_load_mw", "accelerator_count": "accelerators"}
#: parameters not listed as changed: the title is shown as the title
NOT_LISTED = ("title",)
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_:.\-]+)\}")


def _as_dict(scenario: Scenario | Mapping[str, Any]) -> dict[str, Any]:
    return scenario.to_dict() if isinstance(scenario, Scenario) else Scenario(**dict(scenario)).to_dict()


@dataclass(frozen=True)
class Subject:
    """A run's subject: its scenario beside the preset it started from."""

    preset: str
    scenario: dict[str, Any]
    own: bool  # place and scale are the preset's: the preset's title and opening sentence
    changed: tuple[str, ...]  # parameters that differ from the preset (title aside), in the schema's order

    @property
    def kind(self) -> str:
        return self.scenario["kind"]

    @property
    def sizing(self) -> str:
        return next(k for k in SIZING_KEYS if self.scenario.get(k) is not None)

    def where(self, lang: str) -> str:
        """Where the scenario stands, in ``lang``: the ``place`` given, else its site's location (where the site
        lies in the scenario's region), else the region's name."""
        if self.scenario.get("place"):
            return self.scenario["place"]
        site = load_knowledge().sites.get(self.scenario.get("site") or "")
        if site is not None and site.region in (None, self.scenario["region"]):
            return site.place(lang)
        return t(f"place.{self.scenario['region']}", lang)

    def scale_text(self, lang: str) -> str:
        """The scale as catalogue text with the ledger placeholder of its input, e.g. ``{it_load_mw} of IT load``."""
        role = SCALE_ROLES[self.sizing]
        return f"{{{role}}}" if role == "facility_capacity_mw" else t(f"subject.scale.{self.sizing}", lang)

    def scale_value(self, lang: str) -> str:
        """The scale's number formatted (for plain text, where no ledger is at hand: the same input the ledger
        records, read from the knowledge base or the parameters)."""
        key = self.sizing
        value = self.scenario[key]
        if key == "capacity_fact":
            return formatting.value(get_fact(value).value, "MW", lang)
        return formatting.value(float(value), "count" if key == "accelerator_count" else "MW", lang)

    def values(self, lang: str) -> dict[str, str]:
        """The keyword values of the title and opening sentence (text: escaped where it is filled)."""
        return {"where": self.where(lang), "design": t(f"preset.{self.preset}.design", lang), "preset": self.preset,
                "params": ", ".join(self.changed)}

    def _with_scale(self, text: str, lang: str) -> str:
        return text.replace("{scale}", self.scale_text(lang))

    def title_text(self, lang: str) -> str:
        """The title's catalogue text, its scale a ledger placeholder."""
        key = f"preset.{self.preset}.title" if self.own else "subject.title.changed"
        return self._with_scale(t(key, lang), lang)

    def lead_text(self, lang: str) -> str:
        """The opening paragraph's catalogue text (Markdown), its scale a ledger placeholder: what the briefing is
        about, the parameters set differently from the preset (if any), and how its numbers are given."""
        key = f"preset.{self.preset}.lead" if self.own else f"subject.lead.changed.{self.kind}"
        parts = [t(key, lang)] + ([t("subject.changed", lang)] if self.changed else []) + [t("summary.method", lang)]
        return self._with_scale(" ".join(parts), lang)

    def title(self, lang: str) -> str:
        """The title as plain text: the user's ``title`` where given, else composed (see the module)."""
        if self.scenario.get("title"):
            return self.scenario["title"]
        values = self.values(lang)
        role = SCALE_ROLES[self.sizing]

        def sub(m: re.Match) -> str:
            key = m.group(1)
            if key in values:
                return values[key]
            if key == role:
                return self.scale_value(lang)
            raise KeyError(f"title placeholder {key!r}: neither {', '.join(values)} nor the scale {role!r}")

        return _PLACEHOLDER.sub(sub, self.title_text(lang))


def subject(preset: str, scenario: Scenario | Mapping[str, Any]) -> Subject:
    """The subject of a run of ``preset`` whose parameters are ``scenario`` (a :class:`Scenario` or its dict)."""
    own_params = preset_scenario(preset).to_dict()
    params = _as_dict(scenario)
    same = [k for k in (*PLACE_KEYS, *SIZING_KEYS) if params.get(k) == own_params.get(k)]
    changed = tuple(k for k in Scenario.model_fields if k not in NOT_LISTED and params.get(k) != own_params.get(k))
    return Subject(preset, params, own=len(same) == len(PLACE_KEYS) + len(SIZING_KEYS), changed=changed)


def display_title(preset: str, scenario: Scenario | Mapping[str, Any], lang: str) -> str:
    """The briefing's title in ``lang`` (see the module: the preset's own, one of its own for a moved or resized
    run, or the user's as given)."""
    formatting.check_lang(lang)
    return subject(preset, scenario).title(lang)
