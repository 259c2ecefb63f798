"""The base class of Panoply data sources and its method decorators.

A data source subclasses `DataSource`, reads its configuration from ``self.source``
and returns batches of records from `DataSource.read`. The runtime listens to the
events it fires: ``progress``, ``source-state`` and ``source-change``.

Example::

    class Stream(DataSource):
        def read(self, n=None):
            if self.done:
                return None
            self.done = True
            return [{"id": 1, "name": "first"}]
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from typing import Any

from panoply._oauth import validate_token
from panoply._progress import background_progress
from panoply.events import EventEmitter

__all__ = ["DataSource", "background_progress", "validate_token"]

logger = logging.getLogger(__name__)

Record = dict[str, Any]


class DataSource:
    """A data source: configuration in, batches of records out.

    Args:
        source: the source configuration. It is kept as given, not copied, because
            sources set their defaults by mutating it and the runtime reads keys
            such as ``destination`` and ``idpattern`` after construction.
        options: runtime options. ``options["logger"]``, when given, receives the
            messages of each `log` call as one tuple; ``options["refresh"]`` holds
            the OAuth2 client fields that `validate_token` sends.
    """

    def __init__(
        self, source: dict[str, Any] | None = None, options: dict[str, Any] | None = None
    ) -> None:
        self.source: dict[str, Any] = source if source is not None else {}
        self.options: dict[str, Any] = options if options is not None else {}
        self._events = EventEmitter()

    def read(self, n: int | None = None) -> list[Record] | None:
        """Return the next batch of records, ``[]`` when none are ready, ``None`` at the end.

        `n` is the batch size the runtime suggests; sources may ignore it.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement read()")

    def close(self) -> None:
        """Release connections and files. The base class holds none."""

    def log(self, *msgs: Any) -> None:
        """Log `msgs` (strings, dicts or numbers) as one message.

        With ``options["logger"]`` the tuple goes to that callable unchanged;
        otherwise the messages are joined with spaces and logged at INFO level.
        """
        custom_logger = self.options.get("logger")
        if custom_logger is not None:
            custom_logger(msgs)
            return
        logger.info("%s", " ".join(str(message) for message in msgs))

    def progress(self, loaded: float | None, total: float | None, msg: str | None) -> None:
        """Fire ``progress`` with ``{"loaded", "total", "msg"}``; either number may be None."""
        self.fire("progress", {"loaded": loaded, "total": total, "msg": msg})

    def state(self, state_id: Any, state: dict[str, Any]) -> None:
        """Fire ``source-state``: `state` counts once every record tagged `state_id` is stored.

        Call it before returning the batch whose records carry ``"__state": state_id``.
        """
        self.fire("source-state", {"stateId": state_id, "state": state})

    def raw(self, tag: str, raw: bytes | str, metadata: dict[str, Any] | None = None) -> Record:
        """Build a raw record: content (JSON, JSON lines or CSV) that the runtime parses.

        The fields of `metadata` are added to every record parsed from `raw`.
        """
        content = raw.encode("utf-8") if isinstance(raw, str) else raw
        return {
            "type": "raw",
            "tag": tag,
            "raw": base64.b64encode(content).decode("ascii"),
            "metadata": metadata if metadata is not None else {},
        }

    def fire(self, type: str, data: Any = None) -> None:
        """Fire the event `type` with `data` to the handlers registered with `on`."""
        self._emitter().fire(type, data)

    def on(self, name: str, handler: Callable[..., Any]) -> Callable[..., Any]:
        """Register `handler` for `name`; ``"*"`` handlers are called as ``handler(name, data)``."""
        return self._emitter().on(name, handler)

    def _emitter(self) -> EventEmitter:
        # Subclasses that skip super().__init__() still get an emitter.
        emitter = self.__dict__.get("_events")
        if emitter is None:
            emitter = self.__dict__.setdefault("_events", EventEmitter())
        return emitter  # type: ignore[no-any-return]
