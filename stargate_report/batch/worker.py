"""A batch worker: runs briefings read from standard input, one after another, on kernels it keeps warm.

The batch runner (:mod:`stargate_report.batch.runner`) starts one worker process per local slot and sends it
one run at a time, one JSON object per line::

    in:  {"name": ..., "preset": ..., "params": {...}, "langs": "en", "formats": "html", "out": "...",
          "force": false, "jobs": 1}
    out: {"progress": "[en] running chapter 04_supply (4/8)"}   (any number, as the run goes)
         {"status": "ok" | "cached" | "rendered" | "failed", "message": "..."}   (the reply, last)

Each run is built exactly as ``stargate-report run`` builds it (its own folder, validated first, written
aside and renamed into place), but the kernels and the imported libraries stay warm from one run to the
next. A worker that dies fails only the run it had; the runner starts a new one for the next.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import threading

from stargate_report.exceptions import BuildError, StargateReportError
from stargate_report.pipeline import build, run_request
from stargate_report.runtime import kernels as warm_kernels
from stargate_report.runtime.process import keep_freed_memory, quick_exit


def run_spec(spec: dict, kernels: warm_kernels.SharedKernels, progress=None) -> dict:
    """Build one run of a sweep; never raises for a failed run (the reply says why). ``progress`` receives
    the run's progress lines (evaluation, each chapter, rendering)."""
    try:
        req = run_request.make_request(spec["preset"], None, spec["params"], spec["langs"], spec["formats"], spec["out"],
                                 name=spec["name"], jobs=spec.get("jobs"))
        result = build.run(req, progress=progress, warn=lambda msg: None, force=bool(spec.get("force")),
                           kernels=kernels)
    except BuildError as exc:
        return {"status": "failed", "message": f"stargate-report: build failed: {exc}"}
    except StargateReportError as exc:
        return {"status": "failed", "message": f"stargate-report: error: {exc}"}
    return {"status": result.status, "message": ""}


_interrupted = False


def _interrupt_once(signum, frame) -> None:
    """Ctrl-C reaches a worker twice (the terminal's SIGINT, then the runner's SIGTERM): the first stops
    the run, later ones must not cut short its clean-up (removing the half-built folder)."""
    global _interrupted
    if not _interrupted:
        _interrupted = True
        raise KeyboardInterrupt


def main() -> int:
    keep_freed_memory()
    signal.signal(signal.SIGTERM, _interrupt_once)
    signal.signal(signal.SIGINT, _interrupt_once)
    # replies go to the original standard output; anything else printed goes to standard error
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    kernels = warm_kernels.SharedKernels()
    lock = threading.Lock()  # progress comes from the kernels' threads

    def send(message: dict) -> None:
        with lock:
            replies.write(json.dumps(message) + "\n")
            replies.flush()

    try:
        for line in sys.stdin:
            if line.strip():
                send(run_spec(json.loads(line), kernels, progress=lambda msg: send({"progress": msg})))
    except KeyboardInterrupt:
        return 130
    finally:
        kernels.close()
    return 0


if __name__ == "__main__":
    quick_exit(main())  # no interpreter teardown (about 0.4 s) while the sweep waits for this worker
