"""Build briefings: papermill runs the chapters, nbconvert renders, WeasyPrint prints.

The flow of one run::

    validate scenario  ->  evaluate once (ledger to data/)  ->  execute chapters (papermill, in parallel)
    ->  merge into one notebook  ->  HTML (our exporter)  ->  PDF (WeasyPrint)  ->  manifest.json

Everything is written into a hidden temporary folder beside the target and renamed into place
at the end, so a failed run never replaces an earlier good briefing. A chapter that raises is
reported with its name, cell and exception; its executed notebook is kept in ``<run>.failed/``.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from stargate_report import __version__, folders, runtime
from stargate_report.catalog import files as datafiles
from stargate_report.catalog.source_age import data_as_of, stale_sources
from stargate_report.exceptions import BuildError
from stargate_report.pipeline.cache import cache_keys, cached_manifest, hash_files, sha256_file, verified
from stargate_report.pipeline.execute import TITLE_LANGS, execute_all
from stargate_report.pipeline.publish import merge, render_languages
from stargate_report.pipeline.run_request import RunRequest, RunResult, chapters, make_output_folder, safe_target
from stargate_report.present.formatting import LOCALES
from stargate_report.present.subject import display_title
from stargate_report.runtime.cores import usable_cores
from stargate_report.runtime.kernels import KernelPool, SharedKernels


def source_age_warning(max_age_days: int, today: dt.date | None = None) -> str | None:
    """One line naming the knowledge-base sources older than ``max_age_days``, or None."""

    stale = stale_sources(max_age_days, today)
    if not stale:
        return None
    listed = ", ".join(f"{sid} ({d.isoformat()})" for sid, d in stale[:5])
    more = f" and {len(stale) - 5} more" if len(stale) > 5 else ""
    return (f"warning: {len(stale)} source(s) of the knowledge base are older than {max_age_days} days: "
            f"{listed}{more}; check them for updates (`stargate-report sources --stale {max_age_days}` lists "
            "them; --max-source-age sets the limit)")


def run(req: RunRequest, progress: Callable[[str], None] | None = None,
        warn: Callable[[str], None] | None = None, force: bool = False,
        kernels: SharedKernels | None = None) -> RunResult:
    """Build the briefing(s) of one request; see the module docstring for the flow.

    ``progress`` receives progress lines; ``warn`` receives warnings (default: ``warnings.warn``);
    ``kernels`` keeps warm kernels across calls (a batch worker); by default a run starts its own.
    """
    say = progress or (lambda msg: None)
    if warn is None:

        def warn(msg: str) -> None:
            warnings.warn(msg, UserWarning, stacklevel=3)

    stale_line = source_age_warning(req.max_source_age_days)
    if stale_line:
        warn(stale_line)
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    make_output_folder(req.out_dir)
    target = safe_target(req.out_dir, req.slug)
    keys = cache_keys(req)
    books = chapters(req.notebooks_dir)
    before = cached_manifest(target)  # (also with force: it says which files of the folder are the runs')
    previous = None if force else before
    wanted = [f"briefing.{lang}.{fmt}" for lang in req.langs for fmt in req.formats]
    if previous and previous["cache"].get("render") == keys["render"] and verified(target, previous, wanted):
        say(f"'{req.slug}' is unchanged: served from {target}")
        return RunResult(target, {f: target / f for f in wanted} | {"manifest.json": target / "manifest.json"},
                         {"total_s": time.perf_counter() - t0}, status="cached")
    # the executed notebooks and data are reused only as they were written (one cut short is run again)
    kept = [f"notebooks/{lang}/{nb.name}" for lang in req.langs for nb in books]
    kept += ["data/results.json", "data/results.npz"]
    reuse = bool(previous and previous["cache"].get("execute") == keys["execute"]
                 and verified(target, previous, kept))
    _remove_stale_builds(req.out_dir.resolve(), req.slug)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{req.slug}.tmp-", dir=req.out_dir.resolve()))
    except OSError as exc:
        raise BuildError(f"cannot write under {req.out_dir}: {exc.strerror or exc}; choose another --out") from exc
    os.chmod(tmp, 0o755)  # mkdtemp makes it private; the briefing folder is meant to be shared
    in_use = folders.claim(tmp)  # another run of the same name must not take it for a killed run's
    closing: KernelPool | None = None  # this run's kernels, shutting down while the briefing renders
    try:
        if reuse:
            say(f"'{req.slug}': chapters unchanged, re-rendering from the executed notebooks")
            # (links copied as links: never followed out of the run folder)
            shutil.copytree(target / "data", tmp / "data", symlinks=True)
            shutil.copytree(target / "notebooks", tmp / "notebooks", symlinks=True)
        else:
            (tmp / "data").mkdir()
            (tmp / "notebooks").mkdir()
            closing = execute_all(req, tmp, books, say, timings, kernels)
        files: dict[str, Path] = {}
        t = time.perf_counter()
        merged = {}
        for lang in req.langs:
            meta = {"title": display_title(req.preset, req.scenario, lang), "lang": lang, "preset": req.preset,
                    "title_key": f"/tables/titles/{TITLE_LANGS.index(lang)}/title",
                    "date": dt.date.today().isoformat(), "scenario": req.scenario.to_dict()}
            merged[lang] = merge([tmp / "notebooks" / lang / nb.name for nb in books], meta)
        # the cores this run may use (a sweep's workers share them): one lays out the first PDF, the
        # others the PDFs of the other languages
        helpers = (req.jobs or usable_cores()) - 1 if runtime.enabled() else 0
        for lang, payloads in render_languages(merged, req.formats, timings, say, helpers, kernels).items():
            for fmt in req.formats:
                name = f"briefing.{lang}.{fmt}"
                (tmp / name).write_bytes(payloads[fmt])
                files[name] = target / name
        timings["render_s"] = time.perf_counter() - t
        if closing is not None:  # the kernels' sockets live in the run's folder: gone before it moves
            closing.join()
            closing = None
        timings["total_s"] = time.perf_counter() - t0
        # what the folder holds besides this run's own output stays: the user's files, and the other
        # languages' and formats' briefings and notebooks (listed again in the manifest)
        carried = _carry_over(target, tmp, before, req)
        written = sorted({str(p.relative_to(tmp).as_posix()) for p in tmp.rglob("*")
                          if p.is_file() and not p.is_symlink()} - set(carried["theirs"]) | set(carried["ours"]))
        carried = set(carried["ours"])
        briefings = [rel for rel in written if "/" not in rel and rel.startswith("briefing.")]
        manifest = {
            "package": "stargate-report", "version": __version__, "created": dt.datetime.now(dt.timezone.utc)
            .isoformat(timespec="seconds"), "python": platform.python_version(), "preset": req.preset,
            "run": req.slug, "languages": list(req.langs), "formats": list(req.formats),
            "parameters": req.scenario.to_dict(), "given": req.params,
            "data_files": datafiles.file_hashes(), "notebooks": hash_files(books),
            "templates": hash_files(p for p in datafiles.bundled("templates").rglob("*") if p.is_file()),
            "timings_s": {k: round(v, 3) for k, v in timings.items()}, "files": sorted(briefings),
            "knowledge_as_of": _knowledge_as_of(), "source_age_warning": stale_line, "cache": keys,
            "reused_execution": reuse, "written": written,
            # what the runs wrote, as they wrote it: a cache hit checks it (an edited file is built again)
            "sha256": {rel: (before or {}).get("sha256", {}).get(rel) if rel in carried else sha256_file(tmp / rel)
                       for rel in written},
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
        _swap_into_place(tmp, target)
        files["manifest.json"] = target / "manifest.json"
        return RunResult(target, files, timings, status="rendered" if reuse else "ok")
    except OSError as exc:  # full disk, read-only folder, ...: nothing was replaced
        raise BuildError(f"cannot write the briefing under {req.out_dir}: {exc.strerror or exc}; free some space "
                         f"or choose another --out (the previous briefing, if any, is unchanged)") from exc
    finally:
        if closing is not None:
            closing.join()
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        if in_use is not None:
            os.close(in_use)


def _remove_stale_builds(out_dir: Path, slug: str) -> None:
    """Remove the temporary folders of earlier runs of ``slug`` that were killed outright, and the previous
    folders a killed run had moved aside (``.<slug>.old-*``), but not the one a run of the same name is
    building in or swapping right now (two terminals, two scripts): those are claimed."""
    folders.remove_unclaimed([*out_dir.glob(f".{slug}.tmp-*"), *out_dir.glob(f".{slug}.old-*")])


#: the names of the files a run writes at the top of its folder (manifests before ``written`` listed no more)
_BRIEFING = re.compile(r"briefing\.([A-Za-z_-]+)\.([a-z]+)")


def _ours(rel: str, manifest: dict | None) -> bool:
    """Whether ``rel`` (a path in the run folder) is a file the runs wrote: listed in the manifest's
    ``written``, or, for manifests before it (or none readable), one of the package's own layout."""
    if manifest is not None and manifest.get("written") is not None:
        return rel in manifest["written"] or rel == "manifest.json"
    return rel == "manifest.json" or rel.split("/")[0] in ("data", "notebooks") or bool(_BRIEFING.fullmatch(rel))


def _other_output(rel: str, req: RunRequest) -> bool:
    """Whether ``rel``, a file of the runs, is another language's or format's output, which this run does not
    build and must not delete."""
    m = _BRIEFING.fullmatch(rel)
    if m:
        return not (m.group(1) in req.langs and m.group(2) in req.formats)
    parts = rel.split("/")
    return parts[0] == "notebooks" and len(parts) > 2 and parts[1] not in req.langs


def _carry_over(target: Path, tmp: Path, manifest: dict | None, req: RunRequest) -> dict[str, list[str]]:
    """Copy into the new run folder ``tmp`` what the current one holds that this run did not write: the
    user's files and folders, and the runs' outputs of other languages and formats. Hard links (or copies),
    so that until the swap both folders are whole; symbolic links are carried as links, never followed. Returns the paths copied:
    ``{"ours": [...], "theirs": [...]}``."""
    out: dict[str, list[str]] = {"ours": [], "theirs": []}
    if not target.is_dir() or target.is_symlink():
        return out
    for dirpath, dirnames, filenames in os.walk(target):  # (does not descend into links)
        here = Path(dirpath)
        for name in [*dirnames, *filenames]:
            src = here / name
            rel = src.relative_to(target).as_posix()
            dst = tmp / rel
            if src.is_dir() and not src.is_symlink():
                dst.mkdir(exist_ok=True)  # (a folder of the user's stays, even an empty one)
                continue
            if dst.exists() or dst.is_symlink():
                continue  # this run wrote it anew
            ours = _ours(rel, manifest)
            if ours and not _other_output(rel, req):
                continue  # this run's own kind of output, from an earlier run: replaced
            dst.parent.mkdir(parents=True, exist_ok=True)
            try:  # a second name for the same file: instant, whatever its size
                os.link(src, dst, follow_symlinks=False)
            except OSError:  # (a file system without hard links)
                shutil.copy2(src, dst, follow_symlinks=False)
            out["ours" if ours else "theirs"].append(rel)
    return out


def _knowledge_as_of() -> str:

    return data_as_of().isoformat()


def _swap_into_place(tmp: Path, target: Path) -> None:
    """Replace ``target`` with ``tmp`` (which holds all of it that is to stay, :func:`_carry_over`): two
    renames, the old folder removed only after. The old folder is claimed while it is moved aside, so a
    run of the same name does not take it for one a killed run left (:func:`_remove_stale_builds`)."""
    old = None
    held = None
    if target.exists():
        held = folders.claim(target)  # (the lock is on the folder, so it moves with it)
        old = target.with_name(f".{target.name}.old-{os.getpid()}-{time.monotonic_ns()}")
        os.replace(target, old)
    try:
        os.replace(tmp, target)
    except OSError:
        if old is not None:
            os.replace(old, target)
        if held is not None:
            os.close(held)
        raise
    if old is not None:
        folders.release(old, held)
    failed = target.with_name(f"{target.name}.failed")
    # the failed notebooks an earlier run kept (<run>.failed/<lang>/<chapter>.ipynb), and nothing of anyone else's
    if failed.is_dir() and not failed.is_symlink() and all(
            p.is_dir() and p.name in LOCALES and not p.is_symlink()
            and all(f.is_file() and f.suffix == ".ipynb" for f in p.iterdir()) for p in failed.iterdir()):
        shutil.rmtree(failed, ignore_errors=True)
