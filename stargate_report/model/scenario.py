"""The typed scenario: every parameter a briefing takes, with unit, bounds and help.

A scenario is built in layers: a preset (``presets/*.yaml``), then a YAML parameters
file, then ``-p key=value`` overrides. Everything is validated here, before any kernel
starts: unknown keys are refused with a did-you-mean suggestion, and a bad value is
reported with its key, the value and what is allowed.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import re
import unicodedata
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stargate_report.catalog import files as datafiles
from stargate_report.catalog.knowledge import load_facts
from stargate_report.catalog.regions import accelerator_ids, region_ids
from stargate_report.exceptions import ParameterError, UnknownNameError

DEFAULT_PRESET = "milam-county"
LANGUAGES = ("en", "de")
#: Keys that size the campus; a layer that sets one of them replaces the sizing of earlier layers.
SIZING_KEYS = ("accelerator_count", "it_load_mw", "facility_capacity_mw", "capacity_fact")


def _f(default, unit: str, help: str, **kw):
    return Field(default, description=help, json_schema_extra={"unit": unit}, **kw)


class Scenario(BaseModel):
    """A campus scenario. ``None`` means: take the value from the assumptions registry."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    title: str = _f("", "-", "Title of the briefing (free text, escaped in output); empty: composed from what the "
                    "scenario is (kind), where (place, site or region) and how large (its sizing)", max_length=200)
    kind: Literal["campus", "programme", "site"] = _f(
        "campus", "-", "What the scenario describes, for the title and the prose: one campus, a programme of many "
        "sites (modelled as one campus on the region's grid), or a site or a phase of one")
    site: str | None = _f(None, "-", "Site id of the knowledge base, for context (e.g. milam-county)", max_length=60)
    place: str = _f("", "-", "Where the scenario stands, for the title and the prose (free text, shown as given in "
                    "every language); empty: the site's location (knowledge base), else the region's name",
                    max_length=100)
    region: str = _f("us-tx", "-", "Region id: grid intensity, water and capacity factors")
    accelerator: str = _f("gb200", "-", "Accelerator (chip) id")
    accelerator_count: int | None = _f(None, "count", "Number of accelerators; sizes the campus", ge=1, le=100_000_000)
    it_load_mw: float | None = _f(None, "MW", "Peak IT load; sizes the campus", gt=0, le=100_000, allow_inf_nan=False)
    facility_capacity_mw: float | None = _f(None, "MW", "Peak facility power; sizes the campus", gt=0, le=100_000,
                                               allow_inf_nan=False)
    capacity_fact: str | None = _f(None, "-", "Fact id whose value (MW) is the facility capacity")
    pue: float | None = _f(None, "ratio", "Annual-average power usage effectiveness (gives the energy); None = "
                           "assumption pue.default", ge=1.0, le=3.0, allow_inf_nan=False)
    design_pue: float | None = _f(None, "ratio", "Design (peak) PUE (sizes how many accelerators a site holds); None = "
                                  "assumption designpue.default", ge=1.0, le=3.0, allow_inf_nan=False)
    load_factor: float | None = _f(None, "fraction", "Average / design IT power; None = assumption load_factor",
                                      gt=0.0, le=1.0, allow_inf_nan=False)
    investment_usd: float | None = _f(None, "USD", "Amount to translate into capacity; None = investment_fact",
                                         gt=0, le=1e13, allow_inf_nan=False)
    investment_fact: str | None = _f(None, "-", "Fact id whose value (USD) is the investment to compare (e.g. "
                                     "sbe-equity-total, in the preset about SB Energy's campus); none: no investment")
    training_run: Literal["gpt4"] = _f("gpt4", "-", "Reference training run (scope of training_run_flop)")
    workload: Literal["training", "inference"] = _f(
        "training", "-", "What the campus mainly runs: training (load factor of training clusters, 0.75-1.0) or "
        "inference (lower and more variable, 0.5-0.77); chooses the load_factor assumption when load_factor is unset")
    cooling: Literal["regional", "closed-loop"] = _f(
        "regional", "-", "On-site cooling water: the region's WUE, or closed-loop liquid cooling (near zero)")
    target_cfe: float = _f(0.9, "fraction", "Hourly carbon-free share the supply is sized for (a share, not percent)",
                           ge=0.0, le=1.0, allow_inf_nan=False)
    allow_wind: bool = _f(True, "-", "May the supply mix include wind (where a profile exists)?")
    allow_battery: bool = _f(True, "-", "May the supply mix include batteries?")
    pv_mount: Literal["tracking", "fixed"] = _f("tracking", "-", "Solar plants: single-axis tracking with "
                                                "backtracking, or fixed tilt at the latitude")
    allow_firm_clean: bool = _f(False, "-", "May the supply mix include clean firm supply (advanced dispatchable, "
                                "e.g. geothermal or nuclear; cost from the TU Berlin 24/7 studies)?")
    allow_long_duration: bool = _f(False, "-", "May the supply mix include long-duration storage (iron-air, "
                                   "100 hours, round trip 0.43)?")
    flexible_load_share: float = _f(0.0, "fraction", "Share of each hour's load that may move within the same day "
                                    "(daily energy kept); 0 = a flat load", ge=0.0, le=0.3, allow_inf_nan=False)
    samples: int = _f(5000, "count", "Monte Carlo samples", ge=1, le=100_000)
    seed: int = _f(20260109, "-", "Random seed; same seed, same numbers", ge=0, le=2**32 - 1)

    def sizing(self) -> str:
        """Which parameter sizes the campus."""
        for key in SIZING_KEYS:
            if getattr(self, key) is not None:
                return key
        raise ParameterError("accelerator_count", None, "one of accelerator_count, it_load_mw, "
                             "facility_capacity_mw or capacity_fact must be set")

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump()

    def digest(self) -> str:
        """Stable hash of the validated parameters."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()




def _presets_dir() -> Path:
    return Path(str(resources.files("stargate_report.catalog") / "presets"))


def preset_names() -> list[str]:
    return sorted(p.stem for p in _presets_dir().glob("*.yaml"))


def load_preset(name: str) -> dict[str, Any]:
    if name not in preset_names():
        raise UnknownNameError("preset", name, preset_names())
    data = datafiles.read_yaml(_presets_dir() / f"{name}.yaml") or {}
    if not isinstance(data, dict):
        raise ParameterError("preset", name, "a YAML mapping of parameters")
    return data



def preset_scenario(name: str) -> Scenario:
    """A preset's own scenario (its parameters over the defaults), without the checks :func:`validate` adds
    for a run: what the prose compares a run's scenario with (which parameters the user changed)."""
    return Scenario(**load_preset(name))


def load_params_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML parameters file (safe loader; Python tags refused)."""
    data = datafiles.read_user_yaml(path, "params", "a YAML mapping of parameter: value")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParameterError("params", str(path), "a YAML mapping of parameter: value")
    return data


_INT = re.compile(r"[+-]?\d+")


def parse_value(text: str) -> Any:
    """Type a command-line value: int, float, none/null, true/false, or the string itself."""
    t = text.strip()
    if t.lower() in ("none", "null", "~"):
        return None
    if t.lower() in ("true", "false"):
        return t.lower() == "true"
    if _INT.fullmatch(t):
        return int(t)
    try:
        return float(t)
    except ValueError:
        return text


def parse_overrides(pairs: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Parse ``key=value`` strings (the CLI's ``-p``)."""
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise ParameterError("-p", pair, "key=value, e.g. -p pue=1.3")
        key, _, value = pair.partition("=")
        out[key.strip()] = parse_value(value)
    return out


def describe(name: str) -> str:
    """What a field allows, in words (for error messages and ``params``)."""
    info = Scenario.model_fields[name]
    if name == "region":
        return "one of " + ", ".join(region_ids())
    if name == "accelerator":
        return "one of " + ", ".join(accelerator_ids())
    if name in ("capacity_fact",):
        return "a fact id with a value in MW: " + ", ".join(f.id for f in load_facts().values() if f.unit == "MW")
    if name in ("investment_fact",):
        return "a fact id with a value in USD: " + ", ".join(f.id for f in load_facts().values() if f.unit == "usd")
    ann = info.annotation
    text = {int: "an integer", float: "a number", str: "text", bool: "true or false"}.get(ann, None)
    if text is None:
        args = [a for a in getattr(ann, "__args__", ()) if a is not type(None)]
        if args and getattr(args[0], "__origin__", None) is Literal:
            return "one of " + ", ".join(args[0].__args__)
        if args and getattr(ann, "__origin__", None) is Literal:
            return "one of " + ", ".join(ann.__args__)
        text = {int: "an integer", float: "a number", str: "text"}.get(args[0] if args else None, "a value")
        text += " or none"
    lo = hi = None
    for m in info.metadata:
        for attr, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            v = getattr(m, attr, None)
            if v is not None:
                if sym.startswith(">"):
                    lo = f"{sym} {v:g}" if isinstance(v, (int, float)) else f"{sym} {v}"
                else:
                    hi = f"{sym} {v:g}" if isinstance(v, (int, float)) else f"{sym} {v}"
        if getattr(m, "max_length", None):
            hi = f"at most {m.max_length} characters"
    bounds = ", ".join(b for b in (lo, hi) if b)
    return f"{text} ({bounds})" if bounds else text


YAML_BOOL_HINT = ('YAML reads unquoted no, yes, on and off as false or true: quote the value, e.g. region: "no"')


def _check_names(params: dict[str, Any]) -> None:
    for key in params:
        if key not in Scenario.model_fields:
            raise UnknownNameError("parameter", key, list(Scenario.model_fields))
    for key in ("region", "accelerator", "capacity_fact", "investment_fact", "site", "title", "place", "kind"):
        if isinstance(params.get(key), bool):
            raise ParameterError(key, params[key], describe(key), YAML_BOOL_HINT)
    checks = {"region": region_ids(), "accelerator": accelerator_ids()}
    for key, known in checks.items():
        if key in params and params[key] not in known:
            raise UnknownNameError(key, params[key], list(known))
    facts = load_facts()
    for key, unit in (("capacity_fact", "MW"), ("investment_fact", "usd")):
        v = params.get(key)
        if v is not None:
            ok = [f.id for f in facts.values() if f.unit == unit]
            if v not in ok:
                raise UnknownNameError(key, v, ok)
    for key, value in params.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ParameterError(key, value, describe(key))
        if isinstance(value, bool) and Scenario.model_fields[key].annotation is not bool:
            raise ParameterError(key, value, describe(key))


#: control characters a text parameter may hold (others garble the terminal, the HTML and the PDF)
_TEXT_CONTROLS_ALLOWED = "\n\t"


def _check_text(params: dict[str, Any]) -> None:
    for key, value in params.items():
        if isinstance(value, str) and any(
                unicodedata.category(ch) == "Cc" and ch not in _TEXT_CONTROLS_ALLOWED for ch in value):
            raise ParameterError(key, value, describe(key) + ", without control characters (but tab and line break)")


#: the memory the model may use for its Monte Carlo arrays, unless STARGATE_REPORT_MEMORY_LIMIT_MB says otherwise
MEMORY_LIMIT_ENV = "STARGATE_REPORT_MEMORY_LIMIT_MB"
DEFAULT_MEMORY_LIMIT_MB = 2048
#: what one row of the model's arrays costs, all its quantities and temporaries together (measured: about
#: 0.6 KiB a row, for the Monte Carlo's 100,000 samples as for Sobol's design; with a margin)
BYTES_PER_ROW = 1024


def memory_limit_bytes() -> int:

    text = os.environ.get(MEMORY_LIMIT_ENV, "")
    try:
        mb = float(text) if text.strip() else DEFAULT_MEMORY_LIMIT_MB
    except ValueError:
        raise ParameterError(MEMORY_LIMIT_ENV, text, "a number of MiB > 0") from None
    if not (math.isfinite(mb) and mb > 0):
        raise ParameterError(MEMORY_LIMIT_ENV, text, "a number of MiB > 0")
    return int(mb * 2**20)


def _size(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def check_samples(value: object, key: str = "samples", rows_per_sample: int = 1) -> int:
    """The one check of a number of Monte Carlo samples, wherever it comes from (``-p samples=``, a params
    file, ``evaluate --samples``, ``sensitivity --samples``): a whole number within the bounds of the
    scenario's ``samples``, and whose arrays (``rows_per_sample`` rows each, e.g. Saltelli's ``k + 2``) fit in
    the memory limit, estimated before anything is allocated. Returns it; raises :class:`ParameterError`."""
    info = Scenario.model_fields["samples"]
    lo = next(m.ge for m in info.metadata if getattr(m, "ge", None) is not None)
    hi = next(m.le for m in info.metadata if getattr(m, "le", None) is not None)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ParameterError(key, value, describe("samples"))
    need, limit = value * rows_per_sample * BYTES_PER_ROW, memory_limit_bytes()
    if need > limit:
        raise ParameterError(key, value, f"a number of samples whose arrays fit in {_size(limit)} "
                             f"(the limit; {MEMORY_LIMIT_ENV} sets it)", f"{value} would need about {_size(need)}")
    return value


def validate(params: dict[str, Any]) -> Scenario:
    """Validate a flat mapping of parameters into a :class:`Scenario`."""
    if not isinstance(params, dict):
        raise ParameterError("params", params, "a mapping of parameter: value")
    _check_names(params)
    _check_text(params)
    try:
        scenario = Scenario(**params)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = str(err["loc"][0]) if err["loc"] else "scenario"
        value = err.get("input", params.get(key))
        raise ParameterError(key, value, describe(key) if key in Scenario.model_fields else err["msg"]) from None
    scenario.sizing()
    check_samples(scenario.samples)
    _check_supply_possible(scenario)
    return scenario


def _check_supply_possible(scenario: Scenario) -> None:
    """A region with no solar profile needs wind: say so before anything runs."""
    from stargate_report.supply.profiles import region_profiles  # the profiles (numpy arrays) only when checked

    prof = region_profiles(scenario.region, scenario.site, scenario.pv_mount)
    solar, wind = prof.solar is not None, prof.wind is not None
    if not solar and not (wind and scenario.allow_wind):
        if wind:
            raise ParameterError("allow_wind", scenario.allow_wind,
                                 f"true in region '{scenario.region}': it has no solar profile, "
                                 "so only wind can supply the campus")
        raise ParameterError("region", scenario.region, "a region with a solar or wind profile")


def merge_layers(*layers: dict[str, Any]) -> dict[str, Any]:
    """Merge parameter layers; a layer that sizes the campus replaces earlier sizing keys."""
    out: dict[str, Any] = {}
    for layer in layers:
        if any(k in layer for k in SIZING_KEYS):
            for k in SIZING_KEYS:
                out.pop(k, None)
        out.update(layer)
    return out


def resolve(preset: str | None = None, params_file: str | Path | None = None,
            overrides: dict[str, Any] | None = None) -> Scenario:
    """Build and validate a scenario from a preset, a parameters file and overrides."""
    layers = [load_preset(DEFAULT_PRESET if preset is None else preset)]
    if params_file:
        layers.append(load_params_file(params_file))
    if overrides:
        layers.append(dict(overrides))
    return validate(merge_layers(*layers))


def parameter_table() -> list[dict[str, str]]:
    """Every parameter with type, unit, default, bounds and help (for ``stargate-report params``)."""
    rows = []
    defaults = load_preset(DEFAULT_PRESET)
    for name, info in Scenario.model_fields.items():
        extra = info.json_schema_extra or {}
        default = defaults.get(name, info.default)
        rows.append({"parameter": name, "unit": extra.get("unit", "-"),
                     "default": "none" if default is None else str(default),
                     "allowed": describe(name), "help": info.description or ""})
    return rows
