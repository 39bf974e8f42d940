"""A sweep's progress in the terminal (rich): a line per finished run, a bar of the runs done, and each
running run's current step."""
from __future__ import annotations

import re
import threading


class SweepStatus:
    """A sweep's progress on ``stream``.

    On a terminal, rich draws a live block at the bottom: the bar of the runs done and one line per running
    run with its step (``texas: [en] 04_supply 4/8``); each finished run's line is printed above it and
    stays. In a log (not a terminal) each step is a plain line of its own, prefixed with its run. Once the
    stream is gone (a closed terminal, or a pipe into ``head`` that has closed) nothing more is written,
    and the sweep goes on without its status.
    """

    #: a chapter step in the status line: "[en] running chapter 04_supply (4/8)" -> "[en] 04_supply 4/8"
    SHORT = re.compile(r"running chapter (\S+) \((\d+/\d+)\)")

    def __init__(self, stream, total: int) -> None:
        from rich.console import Console  # rich only for a terminal
        from rich.progress import (  # rich only for a terminal
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.stream, self.total, self.done = stream, total, 0
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.lock = threading.Lock()
        self.console = Console(file=stream, force_terminal=self.tty, highlight=False, soft_wrap=True)
        self.progress = None
        self.tasks: dict[str, int] = {}
        if self.tty:
            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), console=self.console, transient=True, auto_refresh=False)
            self.sweep = self.progress.add_task("runs", total=total)
            self._guard(self.progress.start)

    def _guard(self, fn, *args) -> None:
        """(under the lock, or at the start) ``fn(*args)`` unless the stream is gone; a stream that fails
        is given up for good."""
        if self.stream is None:
            return
        try:
            fn(*args)
        except (OSError, ValueError):
            self.stream = None

    def _refresh(self) -> None:
        self.progress.refresh()

    def line(self, text: str) -> None:
        """A run is over: its line (written by the batch after :meth:`step` ``(run, None)``)."""
        with self.lock:
            if self.progress is not None:
                self._guard(lambda: self.progress.console.print(text, markup=False))
                self._guard(self._refresh)
            else:
                self._guard(self._plain, text)

    def _plain(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def step(self, run: str, text: str | None) -> None:
        """``run`` is at step ``text``; ``None``: it is over."""
        from rich.markup import escape  # rich only for a terminal

        with self.lock:
            if text is None:  # the run's own line follows (:meth:`line`)
                self.done += 1
                if self.progress is not None:
                    if run in self.tasks:
                        self.progress.remove_task(self.tasks.pop(run))
                    self.progress.update(self.sweep, completed=self.done)
                    self._guard(self._refresh)
                return
            if self.progress is None:
                self._guard(self._plain, f"{run}: {text}")
                return
            label = escape(run + ": " + self.SHORT.sub(r"\1 \2", text))  # "[en]" is text, not rich markup
            if run in self.tasks:
                self.progress.update(self.tasks[run], description=label)
            else:
                self.tasks[run] = self.progress.add_task(label, total=None)
            self._guard(self._refresh)

    def close(self) -> None:
        """Take the live block away (on a terminal), so what follows starts on a clean line."""
        with self.lock:
            if self.progress is not None:
                self._guard(self.progress.stop)
