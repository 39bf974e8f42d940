"""A run request: the validated scenario, languages, formats and output folder, checked before any kernel starts."""
from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stargate_report.catalog import files as datafiles
from stargate_report.exceptions import BuildError, ParameterError, UnknownNameError
from stargate_report.model.scenario import (
    DEFAULT_PRESET,
    Scenario,
    load_params_file,
    load_preset,
    merge_layers,
    validate,
)
from stargate_report.present.formatting import LOCALES

FORMATS = ("html", "pdf")


DEFAULT_CELL_TIMEOUT_S = 600


#: sources of the knowledge base published longer ago than this are named in a build warning
DEFAULT_MAX_SOURCE_AGE_DAYS = 730


@dataclass
class RunRequest:
    """A validated request for one briefing run."""

    scenario: Scenario
    preset: str
    params: dict[str, Any]  # the non-preset layers (params file + overrides), as given
    langs: tuple[str, ...] = ("en",)
    formats: tuple[str, ...] = FORMATS
    out_dir: Path = Path("output")
    cell_timeout_s: int = DEFAULT_CELL_TIMEOUT_S
    name: str | None = None
    notebooks_dir: Path | None = None  # default: the package's notebooks/
    max_source_age_days: int = DEFAULT_MAX_SOURCE_AGE_DAYS
    jobs: int | None = None  # chapters run at once, one kernel each (default: the number of cores)

    @property
    def slug(self) -> str:
        if self.name:
            return run_slug(self.name)
        if not self.params:
            return run_slug(self.preset)
        digest = hashlib.sha256(json.dumps(self.params, sort_keys=True, default=str).encode()).hexdigest()[:8]
        return run_slug(f"{self.preset}-{digest}")


@dataclass
class RunResult:
    folder: Path
    files: dict[str, Path] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    status: str = "ok"  # "ok" (built), "cached" (served as it was), "rendered" (re-rendered from the cache)
    warnings: list[str] = field(default_factory=list)


#: German letters spelled out as German does in addresses and file names (before accents are dropped)
_SPELLED = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def run_slug(text: str) -> str:
    """A safe folder name: lowercase letters, digits and dashes only (never ``..`` or ``/``), at most 80.

    Umlauts are spelled out (``Über Tage`` -> ``ueber-tage``), other accents dropped (``Évora`` -> ``evora``);
    a name in a script without Latin letters (``東京``) gets ``run-`` and a hash of it, so it still has a
    folder of its own."""

    text = str(text)
    spelled = unicodedata.normalize("NFKD", text.translate(_SPELLED))
    latin = spelled.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", latin.lower()).strip("-")
    cut = len(slug) > 80  # two long names that differ after 80 characters must not share a folder
    slug = slug[:80].rstrip("-")
    # letters or digits that have no Latin spelling were dropped ('Straße 東京' and 'Straße 大阪' would both be
    # 'strasse', '日本 1' would be '1'): a hash of the name keeps their folders apart
    dropped = any(ch.isalnum() and not ch.isascii() for ch in spelled)
    if dropped or cut or (not slug and any(ch.isalnum() for ch in text)):
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
        slug = f"{slug[:71].rstrip('-')}-{digest}" if slug else f"run-{digest}"
    if not slug:
        raise ParameterError("name", text, "a name with at least one letter or digit")
    return slug


def parse_list(key: str, value: str | list[str] | tuple[str, ...], allowed: tuple[str, ...]) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value)
    items = [i.strip() for i in items if i.strip()]
    if not items:
        raise ParameterError(key, value, "a comma-separated list of " + ", ".join(allowed))
    for i in items:
        if i not in allowed:
            raise UnknownNameError({"lang": "language", "format": "format"}.get(key, key), i, list(allowed))
    return tuple(dict.fromkeys(items))


def make_request(preset: str | None = None, params_file: str | None = None, overrides: dict | None = None,
                 langs="en", formats="html,pdf", out_dir: str | Path = "output",
                 cell_timeout_s: int = DEFAULT_CELL_TIMEOUT_S, name: str | None = None,
                 max_source_age_days: int = DEFAULT_MAX_SOURCE_AGE_DAYS, jobs: int | None = None) -> RunRequest:
    """Validate everything a run needs, before any kernel starts."""
    preset = DEFAULT_PRESET if preset is None else preset  # an empty name is an error, not the default
    base = load_preset(preset)
    layers: dict[str, Any] = {}
    if params_file:
        layers = merge_layers(layers, load_params_file(params_file))
    if overrides:
        layers = merge_layers(layers, dict(overrides))
    scenario = validate(merge_layers(base, layers))
    if not isinstance(cell_timeout_s, int) or isinstance(cell_timeout_s, bool) or cell_timeout_s < 1:
        raise ParameterError("cell-timeout", cell_timeout_s, "a whole number of seconds >= 1")
    if not isinstance(max_source_age_days, int) or isinstance(max_source_age_days, bool) or max_source_age_days < 0:
        raise ParameterError("max-source-age", max_source_age_days, "a whole number of days >= 0")
    if jobs is not None and (not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1):
        raise ParameterError("jobs", jobs, "a whole number of kernels >= 1")
    req = RunRequest(scenario=scenario, preset=preset, params=layers,
                     langs=parse_list("lang", langs, tuple(LOCALES)),
                     formats=parse_list("format", formats, FORMATS), out_dir=output_folder(out_dir),
                     cell_timeout_s=cell_timeout_s, name=name, max_source_age_days=max_source_age_days, jobs=jobs)
    # (checked again as the run starts; here it is part of validating the command)
    check_replaceable(req.out_dir.absolute() / req.slug, "name", req.slug)
    return req


#: what an output folder must be (the ``out`` parameter's rule, in its errors)
OUTPUT_FOLDER_RULE = "a folder that exists or can be created, and can be written"


def output_folder(out_dir: str | Path) -> Path:
    """``out_dir`` checked as an output folder, without creating anything: the deepest part of it that
    exists must be a folder this user can write to (a missing folder is created when the run starts).
    Raises :class:`ParameterError` (``out``) otherwise, naming the part that is in the way."""
    path = Path(out_dir)
    if not str(out_dir).strip():
        raise ParameterError("out", out_dir, OUTPUT_FOLDER_RULE)
    probe = path.absolute()
    while not probe.exists() and not probe.is_symlink() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise ParameterError("out", str(out_dir), OUTPUT_FOLDER_RULE, f"{probe} is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ParameterError("out", str(out_dir), OUTPUT_FOLDER_RULE, f"{probe} cannot be written by this user")
    return path


def make_output_folder(out_dir: Path) -> None:
    """Create ``out_dir`` (and its parents); an error names the ``out`` parameter (exit 2 on the command
    line), since a folder that cannot be made is the user's input, not a failed build."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ParameterError("out", str(out_dir), OUTPUT_FOLDER_RULE,
                             f"cannot create {out_dir}: {exc.strerror or exc}") from exc


def chapters(folder: Path | None = None) -> list[Path]:
    """The chapter notebooks (``NN_name.ipynb``), in file-name order."""
    found = sorted((folder or datafiles.bundled("notebooks")).glob("[0-9]*.ipynb"))
    if not found:
        raise BuildError("no chapter notebooks (NN_name.ipynb) found in notebooks/")
    return found


def safe_target(out_dir: Path, slug: str) -> Path:
    root = out_dir.resolve()
    if (root / slug).is_symlink():
        raise BuildError(f"{root / slug} is a symbolic link; refusing to replace it (remove it first)")
    target = (root / slug).resolve()
    if target.parent != root:
        raise ParameterError("out", str(out_dir), "a folder; the run folder must stay inside it")
    check_replaceable(target, "name", slug)
    failed = root / f"{slug}.failed"  # where a failed run keeps its notebooks: never through a link
    if failed.is_symlink() or (failed.exists() and not failed.is_dir()):
        raise ParameterError("name", slug, "a run whose <run>.failed is a folder or absent",
                             f"{failed} is a symbolic link or a file; refusing to write through it (remove it first)")
    return target


def is_briefing_folder(folder: Path) -> bool:
    """Whether ``folder`` is one a run wrote: its ``manifest.json`` says so. A manifest cut short (a full disk,
    a killed copy) or with nulls still does if its text names the package, or the run's results are there:
    it must not keep a rebuild from repairing the folder."""
    manifest = folder / "manifest.json"
    try:
        text = manifest.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    try:
        data = json.loads(text)
        if isinstance(data, dict) and data.get("package") == "stargate-report":
            return True
    except ValueError:
        pass
    return '"package": "stargate-report"' in text or (folder / "data" / "results.json").is_file()


#: what a run may replace: nothing, an empty folder, or a briefing folder it wrote itself
REPLACEABLE_RULE = "a folder name that is free, or a briefing folder of stargate-report (with its manifest.json)"


def check_replaceable(target: Path, key: str, value: object,
                      hint: str = "choose another --name or --out, or move it away") -> None:
    """A run replaces its folder as a whole. That must never be a file or folder of the user's that happens
    to have the run's name (``--out ~ --name projects``): only a briefing folder this package wrote (its
    ``manifest.json`` says so), or an empty folder. Otherwise a :class:`ParameterError` naming ``key``."""
    if target.is_symlink():  # (a link to somewhere else: never followed, never replaced)
        raise ParameterError(key, value, REPLACEABLE_RULE,
                             f"{target} is a symbolic link; refusing to replace it (remove it first)")
    if not target.exists():
        return
    if not target.is_dir():
        raise ParameterError(key, value, REPLACEABLE_RULE, f"{target} is a file of yours: {hint}")
    if not any(target.iterdir()):
        return
    if not is_briefing_folder(target):
        raise ParameterError(key, value, REPLACEABLE_RULE,
                             f"{target} holds files that are not a briefing, which a run would replace: {hint}")
