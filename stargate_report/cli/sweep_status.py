"""A sweep's progress in the terminal: a line per finished run and each running run's current step."""
from __future__ import annotations

import re


class SweepStatus:
    """A sweep's progress on ``stream``: a line for each finished run (a bar of the runs done), and each
    running run's current step (evaluation, chapter i of n, rendering).

    On a terminal the steps share one status line at the bottom, rewritten in place
    (``[##......] 2/8 | texas: [en] running chapter 04_supply (4/8) | germany: evaluating ...``); in a
    log (not a terminal) each step is a line of its own, prefixed with its run.
    """

    #: a chapter step in the status line: "[en] running chapter 04_supply (4/8)" -> "[en] 04_supply 4/8"
    SHORT = re.compile(r"running chapter (\S+) \((\d+/\d+)\)")

    def __init__(self, stream, total: int) -> None:
        import threading

        self.stream, self.total, self.done = stream, total, 0
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.active: dict[str, str] = {}
        self.lock = threading.Lock()

    def _status(self) -> str:
        import shutil

        bar = "#" * self.done + "." * (self.total - self.done)
        steps = [run + ": " + self.SHORT.sub(r"\1 \2", step) for run, step in self.active.items()]
        text = " | ".join([f"[{bar}] {self.done}/{self.total}", *steps])
        width = shutil.get_terminal_size().columns
        return text if len(text) < width else text[:max(1, width - 4)] + "..."

    def _write(self, text: str) -> None:
        """(under the lock) ``text`` on the stream; once the stream is gone (a closed terminal, or a pipe
        into ``head`` that has closed) nothing more is written, and the sweep goes on without its status."""
        if self.stream is None or not text:
            return
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self.stream = None

    def _emit(self, text: str | None) -> None:
        """(under the lock) ``text`` as a line of its own, then the status line again on a terminal."""
        if self.tty:
            self._write("\r\033[K" + (text + "\n" if text is not None else "") + self._status())
        elif text is not None:
            self._write(text + "\n")

    def line(self, text: str) -> None:
        """A run is over: its line (written by the batch after :meth:`step` ``(run, None)``)."""
        with self.lock:
            self._emit(text)

    def step(self, run: str, text: str | None) -> None:
        """``run`` is at step ``text``; ``None``: it is over."""
        with self.lock:
            if text is None:  # the run's own line follows (:meth:`line`)
                self.active.pop(run, None)
                self.done += 1
                return
            if self.tty:
                self.active[run] = text
                self._emit(None)
            else:
                self._emit(f"{run}: {text}")

    def close(self) -> None:
        """Clear the status line (on a terminal), so what follows starts on a clean line."""
        with self.lock:
            if self.tty:
                self._write("\r\033[K")
