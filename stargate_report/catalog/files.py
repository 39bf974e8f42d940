"""Where the package data lives, safe YAML reading and content hashes of the data files."""
from __future__ import annotations

import functools
import hashlib
from importlib import resources
from pathlib import Path

import yaml

from stargate_report.exceptions import DataError, ParameterError


def data_dir() -> Path:
    return Path(str(resources.files("stargate_report.catalog") / "data"))


def path(name: str) -> Path:
    return data_dir() / name


def read_yaml(p: Path) -> object:
    """Read YAML with the safe loader only: Python tags (``!!python/object``) are refused."""
    try:
        text = Path(p).read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(p, "-", "-", f"cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise DataError(p, f"byte {exc.start}", "-", "not UTF-8 text (save the file as UTF-8)") from None
    return _parse(p, text)


def _parse(p: str | Path, text: str) -> object:
    try:
        # libyaml's safe loader when PyYAML was built with it (about 10x faster), else the pure-Python one
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "-"
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())  # (one line)
        raise DataError(p, where, "-", f"not valid YAML ({problem})") from exc


def read_user_yaml(p: str | Path, key: str, allowed: str) -> object:
    """Read a YAML file the user gave (params, sweep): safe loader; problems become a ``ParameterError``."""

    path = Path(p)
    if not path.is_file():
        raise ParameterError(key, str(p), "an existing YAML file")
    try:
        if path.stat().st_size > USER_YAML_MAX_BYTES:
            raise DataError(p, "-", "-", f"larger than {USER_YAML_MAX_BYTES // 1024} KiB")
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DataError(p, f"byte {exc.start}", "-", "not UTF-8 text (save the file as UTF-8)") from None
        _refuse_aliases(p, text)
        return _parse(path, text)
    except OSError as exc:
        raise ParameterError(key, str(p), "an existing YAML file that can be read", exc.strerror or str(exc)) from None
    except DataError as exc:
        raise ParameterError(key, str(p), allowed, str(exc)) from None


#: the largest parameter or sweep file read (a sweep of hundreds of runs is a few KiB)
USER_YAML_MAX_BYTES = 1 << 20


def _refuse_aliases(p: str | Path, text: str) -> None:
    """Refuse YAML aliases (``*name``) in a user's file, before anything is built: nested aliases expand
    exponentially (a few lines made the loader work for minutes: an "alias bomb"), and parameter files
    never need them. Parsing the events is linear in the file's length."""
    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(event, yaml.AliasEvent):
                mark = getattr(event, "start_mark", None)
                where = f"line {mark.line + 1}" if mark else "-"
                raise DataError(p, where, "-", f"YAML aliases (*{event.anchor}) are not allowed in this file; "
                                "write the values out")
    except yaml.YAMLError:
        return  # (reported with its line by the loader)


#: what a package content hash covers: code, catalogues, data tables and derived arrays
PACKAGE_SUFFIXES = (".py", ".yaml", ".csv", ".json", ".npz", ".j2", ".css")


@functools.cache
def package_hash() -> str:
    """SHA-256 over every code and data file of the installed package (names and bytes).

    Any cached result derives from some part of the package: a run's chapters from the model and the
    presentation code, a least-cost mix from the dispatch code, the costs and the profiles. Hashing the
    whole package (about 60 files, a few milliseconds) is the one key that cannot miss a change."""
    pkg = Path(str(resources.files("stargate_report")))
    h = hashlib.sha256()
    for p in sorted(pkg.rglob("*")):
        if p.is_file() and p.suffix in PACKAGE_SUFFIXES and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(pkg)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def file_hashes() -> dict[str, str]:
    """SHA-256 of every package data file, for the run manifest and the cache key."""
    out = {}
    for p in sorted(data_dir().rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            out[str(p.relative_to(data_dir()))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def bundled(name: str) -> Path:
    """A top-level folder of the repository (``notebooks``, ``templates``).

    In a checkout (editable install) it is the folder beside the package; in a wheel the
    folders are carried inside the package under ``_bundled/``.
    """
    pkg = Path(str(resources.files("stargate_report")))
    for candidate in (pkg.parent / name, pkg / "_bundled" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"folder {name!r} not found beside the package nor in stargate_report/_bundled")
