"""One attempt at reading a data source: construct it, call read() until None, close it."""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable
from typing import Any

from panoply.errors import SourceError
from panoply.runtime.display import RunDisplay
from panoply.runtime.raw import is_raw, parse_raw
from panoply.runtime.routing import STATE_FIELD, Router
from panoply.runtime.state import PendingRecord, StateLedger

__all__ = ["SourceReader"]

logger = logging.getLogger(__name__)


class SourceReader:
    """Drive one instance of a source's `Stream` and feed its records to a ledger.

    Args:
        stream_class: the source's ``Stream``, called as ``Stream(source, options)``.
        source: the source dict, passed as is, so the source's changes stay visible.
        options: the options dict passed to the constructor.
        ledger: receives routed records and ``source-state`` events.
        display: receives ``progress`` events and record counts.
        on_source_change: called with the payload of each ``source-change`` event.
        after_batch: called after each batch, so the caller can commit.
    """

    def __init__(
        self,
        *,
        stream_class: Any,
        source: dict[str, Any],
        options: dict[str, Any],
        ledger: StateLedger,
        display: RunDisplay,
        on_source_change: Callable[[dict[str, Any]], None],
        after_batch: Callable[[Router], None],
    ) -> None:
        self.stream_class = stream_class
        self.source = source
        self.options = options
        self.ledger = ledger
        self.display = display
        self.on_source_change = on_source_change
        self.after_batch = after_batch
        self._events_lock = threading.Lock()

    def read_all(self, batch_size: int) -> Router:
        """Read until the source returns None; return the routing its settings define."""
        self.source["__batchSize"] = batch_size
        stream = self.stream_class(self.source, self.options)
        try:
            if callable(getattr(stream, "on", None)):
                stream.on("*", self._handle_event)
            # Sources set destination and idpattern in their constructor.
            router = Router.from_source(self.source)
            read = _reader_of(stream, batch_size)
            while (batch := read()) is not None:
                self._add_batch(batch, router)
                self.after_batch(router)
        finally:
            _close(stream)
        return router

    def _add_batch(self, batch: Any, router: Router) -> None:
        if isinstance(batch, str | bytes | dict) or not hasattr(batch, "__iter__"):
            raise SourceError(
                f"read() returned {type(batch).__name__}; a source must return a list of "
                "record dicts, [] when nothing is ready yet, or None at the end",
                retryable=False,
            )
        records: list[Any] = []
        for item in batch:
            if is_raw(item):
                records.extend(parse_raw(item))
            else:
                records.append(item)

        # One loop with local names: this runs once per record of the whole load.
        table_of, prepare = router.table_of, router.prepare
        pending = []
        for record in records:
            if not isinstance(record, dict):
                raise SourceError(
                    f"read() returned a record of type {type(record).__name__}; records "
                    "must be dicts",
                    retryable=False,
                )
            pending.append(
                PendingRecord(table_of(record), prepare(record), record.get(STATE_FIELD))
            )
        with self._events_lock:
            self.ledger.add_many(pending)
        self.display.records_read(len(pending))

    def _handle_event(self, name: str, data: Any) -> None:
        if name == "source-state":
            if not isinstance(data, dict) or not isinstance(data.get("state"), dict):
                logger.warning("ignored a source-state event without a state dict")
                return
            with self._events_lock:
                self.ledger.fire_state(data.get("stateId"), data["state"])
        elif name == "progress":
            self.display.progress(data)
        elif name == "source-change" and isinstance(data, dict):
            self.on_source_change(data)


def _reader_of(stream: Any, batch_size: int) -> Callable[[], Any]:
    """Return a call of ``stream.read``, with the batch size when read() accepts one."""
    read = stream.read
    try:
        parameters = inspect.signature(read).parameters.values()
    except (TypeError, ValueError):
        return read  # type: ignore[no-any-return]
    accepts_size = any(
        parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD,
                           parameter.VAR_POSITIONAL)
        for parameter in parameters
    )  # fmt: skip
    if accepts_size:
        return lambda: read(batch_size)
    return read  # type: ignore[no-any-return]


def _close(stream: Any) -> None:
    close = getattr(stream, "close", None)
    if not callable(close):
        return
    try:
        close()
    except Exception:
        logger.warning("%s.close() raised; ignored", type(stream).__name__, exc_info=True)
