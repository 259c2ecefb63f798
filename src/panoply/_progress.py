"""Keep-alive progress for long calls: the `background_progress` decorator."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar, cast

__all__ = ["background_progress"]

logger = logging.getLogger(__name__)

Method = TypeVar("Method", bound=Callable[..., Any])


class background_progress:
    """Fire ``progress`` with a fixed message while a long call runs.

    As a decorator of a `DataSource` method, the events go to the instance the
    method is called on. As a context manager, pass that instance as `datasource`::

        @background_progress("Waiting for the export", waiting_interval=10)
        def read(self, n=None): ...

        with background_progress("Waiting for the export", datasource=self):
            ...

    A daemon thread fires ``{"loaded": None, "total": None, "msg": message}`` every
    `waiting_interval` seconds until the call ends or `timeout` seconds have passed;
    ``timeout=None`` means until the call ends.
    """

    def __init__(
        self,
        message: str,
        waiting_interval: float = 10.0,
        timeout: float | None = 3600.0,
        *,
        datasource: Any = None,
    ) -> None:
        if waiting_interval <= 0:
            raise ValueError(f"waiting_interval must be positive seconds, got {waiting_interval}")
        self.message = message
        self.waiting_interval = waiting_interval
        self.timeout = timeout
        self.datasource = datasource
        self._stopped: threading.Event | None = None
        self._thread: threading.Thread | None = None

    def __call__(self, method: Method) -> Method:
        @functools.wraps(method)
        def wrapper(datasource: Any, *args: Any, **kwargs: Any) -> Any:
            with background_progress(
                self.message, self.waiting_interval, self.timeout, datasource=datasource
            ):
                return method(datasource, *args, **kwargs)

        return cast(Method, wrapper)

    def __enter__(self) -> background_progress:
        if self.datasource is None:
            raise TypeError("background_progress used with 'with' needs datasource=")
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._report, args=(self._stopped,), name="panoply-progress", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._stopped is None or self._thread is None:
            return
        self._stopped.set()
        self._thread.join()
        self._stopped = self._thread = None

    def _report(self, stopped: threading.Event) -> None:
        elapsed = 0.0
        while self.timeout is None or elapsed < self.timeout:
            wait = self.waiting_interval
            if self.timeout is not None:
                wait = min(wait, self.timeout - elapsed)
            if stopped.wait(wait):
                return
            elapsed += wait
            if self.timeout is not None and elapsed >= self.timeout:
                logger.info("stopped progress reports of %r after %s s", self.message, elapsed)
                return
            self.datasource.fire("progress", {"loaded": None, "total": None, "msg": self.message})
