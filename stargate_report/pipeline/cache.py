"""Cache keys of a run: content hashes of everything a briefing derives from (scenario, code, data, chapters, templates)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from stargate_report import __version__
from stargate_report.catalog import files as datafiles
from stargate_report.pipeline.run_request import RunRequest, chapters


def cache_keys(req: RunRequest) -> dict[str, str]:
    """Content hashes that decide what an earlier run can serve.

    ``execute``: validated parameters, package version and code, data files, chapter notebooks, languages;
    ``render``: the execute key plus the templates and the formats.
    """
    books = chapters(req.notebooks_dir)
    exec_part = {"scenario": req.scenario.to_dict(), "version": __version__, "code": datafiles.package_hash(),
                 "data": datafiles.file_hashes(), "notebooks": hash_files(books), "langs": list(req.langs)}
    execute = hashlib.sha256(json.dumps(exec_part, sort_keys=True, default=str).encode()).hexdigest()
    templates = hash_files(p for p in datafiles.bundled("templates").rglob("*") if p.is_file())
    render = hashlib.sha256(json.dumps({"execute": execute, "templates": templates, "formats": list(req.formats)},
                                       sort_keys=True).encode()).hexdigest()
    return {"execute": execute, "render": render}


def cached_manifest(target: Path) -> dict | None:
    """The run folder's manifest, or ``None`` when there is none that a cache decision can rest on: missing,
    cut short, not JSON, or with fields of the wrong type (nulls). ``files`` and ``cache`` are then checked,
    ``sha256`` is a mapping (empty for manifests written before it) and ``written`` a list or ``None``."""
    try:
        data = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    files, cache = data.get("files"), data.get("cache")
    if not _strings(files) or not isinstance(cache, dict) or not all(isinstance(v, str) for v in cache.values()):
        return None
    sha = data.get("sha256")
    data["sha256"] = {k: v for k, v in sha.items() if isinstance(v, str)} if isinstance(sha, dict) else {}
    data["written"] = data.get("written") if _strings(data.get("written")) else None
    return data


def _strings(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verified(target: Path, manifest: dict, names) -> bool:
    """Whether each of ``names`` (paths relative to ``target``) is a regular file whose SHA-256 is the one
    the manifest recorded when it was written: a file edited, cut short or replaced since is not served."""
    recorded = manifest.get("sha256") or {}
    for name in names:
        path = target / name
        if name not in recorded or path.is_symlink() or not path.is_file():
            return False
        try:
            if sha256_file(path) != recorded[name]:
                return False
        except OSError:
            return False
    return True


def hash_files(paths) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(paths)}
