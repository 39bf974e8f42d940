"""Chapters through papermill as shipped: one fresh kernel per chapter, one chapter at a time.

The fallback of :mod:`stargate_report.pipeline.execute` when the speed machinery is off
(``STARGATE_REPORT_RUNTIME=plain``) or no warm kernel could be started. It offers what the pipeline asks
of a chapter runner (:meth:`run`, :meth:`close`, :meth:`join`, :attr:`broken`) and nothing else.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


class PlainRunner:
    """Runs chapter jobs ``(lang, notebook, executed, parameters)`` with ``papermill.execute_notebook``."""

    def __init__(self, n: int, cell_timeout_s: int) -> None:
        self.n, self.timeout = max(1, n), cell_timeout_s
        self.failures: list = []
        self._lock = threading.Lock()

    @property
    def broken(self) -> bool:
        return bool(self.failures)

    def _one(self, job, say, counter) -> None:
        import papermill  # (imported by the runner only: the command's start-up does not need it)

        lang, nb_path, out, params = job
        if self.failures:  # a run stops at its first failure
            return
        with self._lock:
            counter[0] += 1
            say(f"[{lang}] running chapter {Path(nb_path).stem} ({counter[0]}/{counter[1]})")
        try:
            papermill.execute_notebook(str(nb_path), str(out), parameters=params, kernel_name="python3",
                                       cwd=str(Path(out).parent), execution_timeout=self.timeout,
                                       progress_bar=False, log_output=False)
        except BaseException as exc:  # noqa: BLE001 - reported with the chapter's name and cell
            with self._lock:
                self.failures.append((job, exc, None))

    def run(self, jobs: list, say) -> list:
        """Run the jobs one after the other; returns ``[(job, exception, cell)]`` (the first failure stops the
        rest). Not in threads: papermill starts each kernel in its ``cwd`` by changing the process's working
        folder, which threads would change under each other (seen: a kernel started in another chapter's folder)."""
        counter = [0, len(jobs)]
        with ThreadPoolExecutor(max_workers=1) as pool:
            list(pool.map(lambda job: self._one(job, say, counter), jobs))
        return self.failures[:1]

    def close(self, wait: bool = True, kill: bool = False) -> None:
        """Nothing to shut down: each chapter's kernel ended with it."""

    def join(self, timeout_s: float | None = None) -> None:
        """Nothing to wait for."""
