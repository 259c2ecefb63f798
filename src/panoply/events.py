"""The event emitter shared by `SDK` and `DataSource`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["ALL_EVENTS", "EventEmitter"]

logger = logging.getLogger(__name__)

ALL_EVENTS = "*"
"""Subscribe with this name to receive every event as ``handler(name, data)``."""

Handler = Callable[..., Any]


class EventEmitter:
    """Named events with handlers that can never break the code that fires them.

    A handler registered for one name is called as ``handler(data)``; a handler
    registered for ``"*"`` is called as ``handler(name, data)``. A handler that
    raises is logged with its traceback and the next handler still runs.
    """

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {}
        self._handlers_lock = threading.Lock()

    def on(self, name: str, handler: Handler) -> Handler:
        """Register `handler` for the event `name` and return it, so it can decorate."""
        if not callable(handler):
            raise TypeError(f"event handler for {name!r} must be callable, got {handler!r}")
        with self._handlers_lock:
            self._handlers.setdefault(name, []).append(handler)
        return handler

    def off(self, name: str, handler: Handler) -> None:
        """Remove `handler` from the event `name`; unknown handlers are ignored."""
        with self._handlers_lock:
            handlers = self._handlers.get(name, [])
            if handler in handlers:
                handlers.remove(handler)

    def fire(self, name: str, data: Any = None) -> None:
        """Call the handlers of `name`, then the ``"*"`` handlers, in registration order."""
        with self._handlers_lock:
            named = list(self._handlers.get(name, ()))
            wildcard = list(self._handlers.get(ALL_EVENTS, ()))

        for handler in named:
            self._call(name, handler, (data,))
        for handler in wildcard:
            self._call(name, handler, (name, data))

    def _call(self, name: str, handler: Handler, arguments: tuple[Any, ...]) -> None:
        try:
            handler(*arguments)
        except (Exception, SystemExit):
            # SystemExit too: in a worker thread it would silently end the thread.
            logger.exception("handler %r of event %r raised; it was skipped", handler, name)
