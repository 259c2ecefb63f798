"""A log call that logs at most once per interval and counts the calls it suppressed."""

from __future__ import annotations

import logging
import threading
import time

__all__ = ["RateLimitedLog"]


class RateLimitedLog:
    """Logs one message per `interval` seconds, with the number of suppressed repeats."""

    def __init__(self, logger: logging.Logger, level: int, interval: float = 60.0) -> None:
        self._logger = logger
        self._level = level
        self._interval = interval
        self._lock = threading.Lock()
        self._last_logged: float | None = None
        self._suppressed = 0

    def __call__(self, message: str, *args: object) -> None:
        now = time.monotonic()
        with self._lock:
            if self._last_logged is not None and now - self._last_logged < self._interval:
                self._suppressed += 1
                return
            suppressed, self._suppressed = self._suppressed, 0
            self._last_logged = now

        if suppressed:
            message += " (%d similar messages suppressed)"
            args = (*args, suppressed)
        self._logger.log(self._level, message, *args)
