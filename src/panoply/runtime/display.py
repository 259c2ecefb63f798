"""Showing a run's progress: a rich progress bar on a terminal, log lines otherwise."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

__all__ = ["LogDisplay", "RichDisplay", "RunDisplay", "open_display"]

logger = logging.getLogger(__name__)

LOG_INTERVAL = 5.0
"""Seconds between two progress log lines when the output is not a terminal."""


class RunDisplay(Protocol):
    def progress(self, event: Any) -> None:
        """Show a ``progress`` event ``{loaded, total, msg}``; any field may be missing."""

    def records_read(self, count: int) -> None:
        """Add `count` records to the number read so far."""

    def close(self) -> None: ...


def open_display(console: Console, title: str, mask: Callable[[str], str]) -> RunDisplay:
    """Return a progress bar when `console` is a terminal, else a display that logs.

    `mask` hides secret values in the source's messages on the progress bar; log
    lines are masked by the logging filter instead.
    """
    if console.is_terminal:
        return RichDisplay(console, title, mask)
    return LogDisplay(title)


class LogDisplay:
    """Progress as INFO log lines, at most one every `LOG_INTERVAL` seconds."""

    def __init__(self, title: str, interval: float = LOG_INTERVAL) -> None:
        self.title = title
        self.interval = interval
        self.read = 0
        self._last_log = time.monotonic()
        self._lock = threading.Lock()

    def progress(self, event: Any) -> None:
        with self._lock:
            if not self._due():
                return
        loaded, total, message = _fields(event)
        logger.info(
            "%s: %s (loaded %s of %s, %d records read)",
            self.title,
            message or "reading",
            "?" if loaded is None else loaded,
            "?" if total is None else total,
            self.read,
        )

    def records_read(self, count: int) -> None:
        with self._lock:
            self.read += count
            if not self._due():
                return
        logger.info("%s: %d records read", self.title, self.read)

    def close(self) -> None:
        """Nothing to release: the summary is printed by the caller."""

    def _due(self) -> bool:
        now = time.monotonic()
        if now - self._last_log < self.interval:
            return False
        self._last_log = now
        return True


class RichDisplay:
    """A live progress bar: the source's message, loaded of total, and records read."""

    def __init__(self, console: Console, title: str, mask: Callable[[str], str]) -> None:
        self.read = 0
        self._mask = mask
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.fields[title]}[/] {task.description}"),
            BarColumn(),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._task: TaskID = self._progress.add_task(
            "", total=None, title=title, counts="", start=False
        )
        # Started by the first update, so a secret prompted for before the source runs
        # gets a line of its own instead of sharing one with the spinner.
        self._started = False

    def _start(self) -> None:
        if not self._started:
            self._started = True
            self._progress.start()
            self._progress.start_task(self._task)

    def progress(self, event: Any) -> None:
        self._start()
        loaded, total, message = _fields(event)
        known = isinstance(loaded, int | float) and isinstance(total, int | float) and total > 0
        self._progress.update(
            self._task,
            description=escape(self._mask(str(message or ""))),
            total=total if known else None,
            completed=loaded if known else 0,
        )

    def records_read(self, count: int) -> None:
        self._start()
        self.read += count
        self._progress.update(self._task, counts=f"{self.read:,} records")

    def close(self) -> None:
        if self._started:
            self._progress.stop()


def _fields(event: Any) -> tuple[Any, Any, Any]:
    if not isinstance(event, dict):
        return None, None, event
    return event.get("loaded"), event.get("total"), event.get("msg")
