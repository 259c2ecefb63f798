"""The background sender: buffers encoded records, packs them into messages and batches,
and delivers them with retries.

Locking: one condition variable guards the buffer and the counters. Writers take it
only to append a line, and the worker threads only to take lines out and to record
outcomes. HTTP requests and event handlers run without it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from panoply import _process_hooks
from panoply._ratelimit import RateLimitedLog
from panoply._retry import RetryPolicy
from panoply._transport import Transport
from panoply._wire import MAX_BATCH_ENTRIES, EntryFailure
from panoply.errors import BufferFullError, ClientClosedError, DeliveryError
from panoply.events import EventEmitter

__all__ = ["ClientStats", "Sender", "SenderSettings"]

logger = logging.getLogger(__name__)

OverflowPolicy = Literal["block", "drop"]


@dataclass(frozen=True)
class SenderSettings:
    """Limits and timings of one client's sender; see `SDK` for each meaning."""

    flush_interval: float
    max_message_bytes: int
    max_batch_bytes: int
    attributes_bytes: int
    max_buffer_bytes: int
    overflow: OverflowPolicy
    block_timeout: float | None
    exit_timeout: float
    retry: RetryPolicy
    max_connections: int = 2


@dataclass(frozen=True)
class ClientStats:
    """Counters of one client, in records unless named otherwise.

    Attributes:
        written: records accepted by `write()`.
        sent: records the server acknowledged.
        failed: records given up on after an error, reported through ``error``.
        dropped: records rejected by a full buffer under ``overflow="drop"``.
        retried: record sends repeated after a retryable error.
        bytes_sent: message bytes acknowledged, bodies and attributes.
        queued: records accepted and not yet acknowledged or failed.
    """

    written: int = 0
    sent: int = 0
    failed: int = 0
    dropped: int = 0
    retried: int = 0
    bytes_sent: int = 0
    queued: int = 0


@dataclass(eq=False)
class _Message:
    """One SQS message in flight; `first` is the write sequence number of its first record."""

    body: bytes
    records: int
    size: int
    first: int
    settled: bool = False


class Sender:
    """The buffer and the worker threads that empty it, started by the first `put`."""

    def __init__(
        self,
        settings: SenderSettings,
        transport_factory: Callable[[], Transport],
        events: EventEmitter,
    ) -> None:
        self._settings = settings
        self._max_buffer_bytes = settings.max_buffer_bytes
        self._transport_factory = transport_factory
        self._events = events
        self._warn_overflow = RateLimitedLog(logger, logging.WARNING)
        self._warn_retry = RateLimitedLog(logger, logging.WARNING)
        self._reset_state()
        _process_hooks.track(self)

    def _reset_state(self) -> None:
        # `put` takes `_lock` directly: it is the condition's own lock, and entering
        # a Condition costs a Python-level call on every record.
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._lines: deque[bytes] = deque()
        self._pending_bytes = 0  # bytes in `_lines`, one newline per line included
        self._held_bytes = 0  # `_pending_bytes` plus the bytes of records in flight
        self._oldest_at = 0.0
        self._in_flight = 0  # records of the unsettled messages
        self._taken = 0  # records ever taken out of `_lines`, in write order
        self._unsettled: set[_Message] = set()
        self._flush_requests = 0
        self._closing = False
        self._abandon = threading.Event()
        self._thread: threading.Thread | None = None  # the first worker, set once started
        self._workers: list[threading.Thread] = []
        self._transport: Transport | None = None
        self._batch_trigger = self._settings.max_batch_bytes
        self._written = 0  # the hottest counter stays out of `_counts`
        self._counts = {
            name: 0
            for name in ClientStats.__dataclass_fields__
            if name not in ("queued", "written")
        }
        self._unreported = 0  # records failed or dropped since the last flush() returned

    # The caller's side.

    def put(self, line: bytes) -> None:
        """Queue one encoded record. Blocks or drops per the overflow policy when full."""
        size = len(line) + 1
        with self._lock:
            if self._closing:
                raise ClientClosedError("write() after close(); create a new SDK to send more")
            if self._held_bytes + size > self._max_buffer_bytes and not self._make_room(size):
                return

            lines = self._lines
            if not lines:
                self._oldest_at = time.monotonic()
            lines.append(line)
            self._pending_bytes += size
            self._held_bytes += size
            self._written += 1

            if self._thread is None:
                self._start()
            elif self._pending_bytes >= self._batch_trigger:
                self._batch_trigger = 1 << 62  # one wake-up per batch; _take_batch resets it
                self._changed.notify_all()

    def _make_room(self, size: int) -> bool:
        """Wait for buffer space or drop the record; True when the record may be queued."""
        settings = self._settings
        if settings.overflow == "drop":
            self._counts["dropped"] += 1
            self._unreported += 1
            self._warn_overflow(
                "the buffer is full (max_buffer_bytes=%d), so a record was dropped; raise "
                "max_buffer_bytes or use overflow='block' to wait instead",
                settings.max_buffer_bytes,
            )
            return False

        self._changed.notify_all()
        has_room = self._changed.wait_for(
            lambda: self._held_bytes + size <= settings.max_buffer_bytes or self._closing,
            settings.block_timeout,
        )
        if self._closing:
            raise ClientClosedError("the client was closed while write() waited for buffer space")
        if not has_room:
            raise BufferFullError(
                f"the buffer stayed full ({settings.max_buffer_bytes} bytes) for "
                f"block_timeout={settings.block_timeout} s, so the record was not accepted; "
                "the queue is not keeping up: raise max_buffer_bytes or block_timeout"
            )
        return True

    def flush(self, timeout: float | None) -> int:
        """Send everything now and wait; return the records not acknowledged.

        Counts records still queued when `timeout` runs out, plus records that
        failed or were dropped since the previous flush returned.
        """
        with self._changed:
            if self._closing:
                return 0  # close() already reported what it could not deliver
            target = self._written
            self._flush_requests += 1
            self._changed.notify_all()
            try:
                self._changed.wait_for(lambda: self._unsettled_before(target) == 0, timeout)
            finally:
                self._flush_requests -= 1
            undelivered = self._unsettled_before(target) + self._unreported
            self._unreported = 0
            return undelivered

    def close(self, timeout: float | None) -> int:
        """Send what is queued, stop the workers and return the records not acknowledged."""
        with self._changed:
            if self._closing:
                return 0
            self._closing = True
            self._changed.notify_all()
            workers = [w for w in self._workers if w is not threading.current_thread()]

        deadline = None if timeout is None else time.monotonic() + timeout
        for worker in workers:
            worker.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        if any(worker.is_alive() for worker in workers):
            self._abandon.set()

        with self._changed:
            undelivered = self._take_undelivered()
        if self._transport is not None and not any(worker.is_alive() for worker in workers):
            self._transport.close()
        return undelivered

    def close_at_exit(self) -> None:
        """Close with `exit_timeout`, logging what could not be delivered."""
        timeout = self._settings.exit_timeout
        undelivered = self.close(timeout)
        if undelivered:
            logger.error(
                "%d records were not delivered before the interpreter exited; raise "
                "exit_timeout (now %s s) or call flush() before exiting",
                undelivered,
                timeout,
            )

    def reset_after_fork(self) -> None:
        """Start over empty in a forked child; a closed sender stays closed.

        The parent's queued records stay the parent's to send, and locks held by
        parent threads at fork time would never be released here.
        """
        closed = self._closing
        self._reset_state()
        self._closing = closed

    def stats(self) -> ClientStats:
        with self._changed:
            return ClientStats(
                **self._counts, written=self._written, queued=len(self._lines) + self._in_flight
            )

    def _unsettled_before(self, sequence: int) -> int:
        """Count the records written before `sequence` that are neither sent nor failed."""
        queued = max(0, sequence - self._taken)
        in_flight = sum(
            max(0, min(message.first + message.records, sequence) - message.first)
            for message in self._unsettled
        )
        return queued + in_flight

    def _take_undelivered(self) -> int:
        undelivered = len(self._lines) + self._in_flight + self._unreported
        self._unreported = 0
        return undelivered

    # The worker threads.

    def _start(self) -> None:
        """Start the workers: each sends one request at a time, so a second one keeps the
        server busy while the first builds its next request."""
        _process_hooks.register()
        self._transport = self._transport_factory()
        for number in range(self._settings.max_connections):
            worker = threading.Thread(
                target=self._run, name=f"panoply-sender-{number}", daemon=True
            )
            self._workers.append(worker)
            worker.start()
        self._thread = self._workers[0]

    def _run(self) -> None:
        while True:
            messages = self._next_batch()
            if messages is None:
                return
            try:
                self._deliver(messages)
            except Exception as error:
                # A bug or a response no branch expected must not stop the worker and
                # strand its records, so they are reported like any other failure.
                logger.exception("the sender failed unexpectedly")
                failure = DeliveryError(
                    f"the sender failed unexpectedly: {error!r}", code="InternalError"
                )
                self._give_up([m for m in messages if not m.settled], failure, 0)

    def _next_batch(self) -> list[_Message] | None:
        """Wait until a batch is due, then take its lines; None once closed and empty."""
        interval = self._settings.flush_interval
        with self._changed:
            while True:
                if self._lines:
                    waited = time.monotonic() - self._oldest_at
                    if (
                        waited >= interval
                        or self._pending_bytes >= self._settings.max_batch_bytes
                        or self._flush_requests
                        or self._closing
                    ):
                        return self._take_batch()
                    self._changed.wait(interval - waited)
                elif self._closing:
                    return None
                else:
                    self._changed.wait()

    def _take_batch(self) -> list[_Message]:
        settings = self._settings
        message_budget = settings.max_message_bytes - settings.attributes_bytes + 1
        batch_budget = settings.max_batch_bytes
        messages: list[_Message] = []

        while self._lines and len(messages) < MAX_BATCH_ENTRIES:
            budget = min(message_budget, batch_budget - settings.attributes_bytes + 1)
            lines: list[bytes] = []
            used = 0
            while self._lines and used + len(self._lines[0]) + 1 <= budget:
                line = self._lines.popleft()
                lines.append(line)
                used += len(line) + 1
            if not lines:
                break
            self._pending_bytes -= used
            size = used - 1 + settings.attributes_bytes
            batch_budget -= size
            messages.append(_Message(b"\n".join(lines), len(lines), size, self._taken))
            self._taken += len(lines)

        self._unsettled.update(messages)
        self._in_flight += sum(message.records for message in messages)
        self._batch_trigger = settings.max_batch_bytes
        if self._lines:
            self._oldest_at = time.monotonic()
        return messages

    def _deliver(self, messages: list[_Message]) -> None:
        """Send `messages`, resending only failed entries until done or out of time."""
        policy = self._settings.retry
        started = time.monotonic()
        attempt = 0
        while messages:
            attempt += 1
            messages, error = self._attempt(messages, attempt)
            if not messages or error is None:
                return

            delay = policy.backoff(attempt)
            elapsed = time.monotonic() - started
            if not policy.allows_retry(attempt, elapsed, delay) or self._abandon.is_set():
                self._give_up(messages, error, attempt)
                return

            records = sum(message.records for message in messages)
            self._count("retried", records)
            self._warn_retry(
                "sending %d records failed (%s), retrying in %.2f s; delivery_timeout=%s s bounds "
                "the retries",
                records,
                error,
                delay,
                policy.deadline,
            )
            if self._abandon.wait(delay):
                self._give_up(messages, error, attempt)
                return

    def _attempt(
        self, messages: list[_Message], attempt: int
    ) -> tuple[list[_Message], DeliveryError | None]:
        """Send once; return the messages to retry and the error that calls for it."""
        records = sum(message.records for message in messages)
        size = sum(message.size for message in messages)
        self._events.fire(
            "send",
            {"records": records, "messages": len(messages), "bytes": size, "attempt": attempt},
        )

        assert self._transport is not None  # set by _start before any worker runs
        try:
            result = self._transport.send_batch([message.body for message in messages])
        except DeliveryError as error:
            if error.retryable:
                return messages, error
            self._give_up(messages, error, attempt)
            return [], None

        self._acknowledge([messages[index] for index in result.succeeded])
        retry: list[_Message] = []
        retry_error: DeliveryError | None = None
        for failure in result.failed:
            entry_error = _entry_error(failure)
            if failure.retryable:
                retry.append(messages[failure.index])
                retry_error = entry_error
            else:
                self._give_up([messages[failure.index]], entry_error, attempt)
        return retry, retry_error

    def _acknowledge(self, messages: list[_Message]) -> None:
        if not messages:
            return
        records = sum(message.records for message in messages)
        size = sum(message.size for message in messages)
        logger.debug("sent %d records in %d messages (%d bytes)", records, len(messages), size)
        self._settle(messages, "sent")
        self._count("bytes_sent", size)
        self._events.fire("flush", {"records": records, "messages": len(messages), "bytes": size})

    def _give_up(self, messages: list[_Message], error: DeliveryError, attempts: int) -> None:
        records = sum(message.records for message in messages)
        logger.error(
            "gave up on %d %s after %d %s: %s",
            records,
            "record" if records == 1 else "records",
            attempts,
            "attempt" if attempts == 1 else "attempts",
            error,
        )
        self._settle(messages, "failed")
        with self._changed:
            self._unreported += records
        self._events.fire(
            "error",
            {"error": error, "message": str(error), "code": error.code, "records": records},
        )

    def _settle(self, messages: list[_Message], outcome: str) -> None:
        with self._changed:
            for message in messages:
                if message.settled:
                    continue
                message.settled = True
                self._unsettled.discard(message)
                self._counts[outcome] += message.records
                self._in_flight -= message.records
                self._held_bytes -= message.size - self._settings.attributes_bytes + 1
            self._changed.notify_all()

    def _count(self, name: str, amount: int) -> None:
        with self._changed:
            self._counts[name] += amount


def _entry_error(failure: EntryFailure) -> DeliveryError:
    return DeliveryError(
        f"the queue rejected a message: {failure.code}: {failure.message}",
        code=failure.code,
        retryable=failure.retryable,
    )
