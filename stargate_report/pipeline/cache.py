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
    try:
        return json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def hash_files(paths) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(paths)}
