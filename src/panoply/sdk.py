"""`SDK`: the streaming client that sends records to a Panoply account's queue."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from panoply._encoding import encode_record
from panoply._retry import RetryPolicy
from panoply._sender import ClientStats, OverflowPolicy, Sender, SenderSettings
from panoply._transport import HttpTransport, Transport
from panoply._wire import Credentials, message_attributes_size, queue_url
from panoply.errors import ConfigurationError, RecordError, RecordTooLargeError
from panoply.events import EventEmitter, Handler

__all__ = ["DEFAULT_MAX_MESSAGE_BYTES", "SDK", "ClientStats"]

logger = logging.getLogger(__name__)

ENDPOINT_URL_VARIABLE = "PANOPLY_ENDPOINT_URL"

DEFAULT_MAX_MESSAGE_BYTES = 250 * 1024
"""250 KiB of UTF-8 body plus attributes: under the 256 KiB SQS message limit that
applied to every queue until August 2025. Panoply's queues' own limit is unknown."""

DEFAULT_MAX_BATCH_BYTES = 256 * 1024
"""The SendMessageBatch payload limit that applied until August 2025."""

EVENTS = ("send", "flush", "error")


class SDK:
    """Buffers records and sends them to Panoply from a background thread.

    Example::

        with panoply.SDK(apikey, apisecret) as sdk:
            sdk.write("signups", {"user": 42, "plan": "pro"})

    Args:
        apikey: the Panoply API key, ``ACCOUNT/KEY``.
        apisecret: the Panoply API secret. It is sent with every message and shown
            nowhere else: not in `repr`, logs, errors or event payloads.
        endpoint_url: base URL of an SQS-compatible server to use instead of
            ``https://sqs.REGION.amazonaws.com``; the queue path stays
            ``/AWSACCOUNT/sdk-ACCOUNT-RAND``. Defaults to the
            ``PANOPLY_ENDPOINT_URL`` environment variable when set.
        flush_interval: seconds a record may wait for more records to join its
            message before it is sent.
        max_message_bytes: the largest message, counted in UTF-8 bytes of body
            plus attributes as SQS counts it. Also the largest record.
        max_batch_bytes: the largest SendMessageBatch payload, all entries together.
        max_buffer_bytes: memory for records not yet acknowledged, in bytes of
            encoded JSON. When it is full, `overflow` decides.
        overflow: ``"block"`` makes `write` wait up to `block_timeout` seconds
            for space, then raise BufferFullError (``None`` waits forever);
            ``"drop"`` discards the new record, counts it in ``stats.dropped``
            and logs a rate-limited warning.
        delivery_timeout: seconds to keep retrying a failed send before its
            records are reported through the ``error`` event and counted as failed.
        exit_timeout: seconds the interpreter's exit waits for queued records.
        request_timeout: seconds to wait for the server's response to one request
            before the request counts as failed and is retried.
        max_connections: requests in flight at once, each on its own sender thread
            and keep-alive connection.
    """

    def __init__(
        self,
        apikey: str,
        apisecret: str,
        *,
        endpoint_url: str | None = None,
        flush_interval: float = 2.0,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
        max_buffer_bytes: int = 64 * 1024 * 1024,
        overflow: OverflowPolicy = "block",
        block_timeout: float | None = 30.0,
        delivery_timeout: float = 300.0,
        exit_timeout: float = 10.0,
        request_timeout: float = 30.0,
        max_connections: int = 2,
    ) -> None:
        self._credentials = Credentials.parse(apikey, apisecret)
        self._url = queue_url(
            self._credentials, endpoint_url or os.environ.get(ENDPOINT_URL_VARIABLE)
        )

        attributes_bytes = message_attributes_size(self._credentials)
        settings = SenderSettings(
            flush_interval=_positive("flush_interval", flush_interval),
            max_message_bytes=_message_limit(max_message_bytes, attributes_bytes),
            max_batch_bytes=_batch_limit(max_batch_bytes, max_message_bytes),
            attributes_bytes=attributes_bytes,
            max_buffer_bytes=_buffer_limit(max_buffer_bytes, max_message_bytes),
            overflow=_overflow_policy(overflow),
            block_timeout=_block_timeout(block_timeout),
            exit_timeout=_positive("exit_timeout", exit_timeout),
            max_connections=_connection_count(max_connections),
            retry=RetryPolicy(
                max_attempts=None,
                base_delay=0.2,
                max_delay=20.0,
                deadline=_positive("delivery_timeout", delivery_timeout),
            ),
        )

        # The largest record: one line alone in a message, attributes counted.
        self._attributes_bytes = attributes_bytes
        self._max_record_bytes = max_message_bytes - attributes_bytes
        self._request_timeout = _positive("request_timeout", request_timeout)
        self._sender_connections = settings.max_connections

        self._events = EventEmitter()
        self._sender = Sender(settings, self._new_transport, self._events)
        self._put = self._sender.put

    def _new_transport(self) -> Transport:
        return HttpTransport(
            self._credentials,
            self._url,
            read_timeout=self._request_timeout,
            max_connections=self._sender_connections,
        )

    def __repr__(self) -> str:
        return f"<SDK apikey={self._credentials.apikey!r} queue={self._url!r}>"

    @property
    def queue_url(self) -> str:
        """The URL requests go to."""
        return self._url

    @property
    def stats(self) -> ClientStats:
        """A snapshot of the client's counters."""
        return self._sender.stats()

    def on(self, event: str, handler: Handler) -> Handler:
        """Call `handler(payload)` on ``send``, ``flush`` or ``error``, on the sender thread.

        ``send`` fires before each request, ``flush`` after records were
        acknowledged and ``error`` when records are given up on. Each payload is a
        dict with ``records``. The ``error`` payload adds ``error``, ``message`` and ``code``.
        A handler that raises is logged and skipped.
        """
        if event not in EVENTS and event != "*":
            raise ValueError(f"unknown event {event!r}; the events are {', '.join(EVENTS)}")
        return self._events.on(event, handler)

    def write(self, tablename: str, data: Mapping[str, Any]) -> None:
        """Queue one record for the table `tablename`.

        The record is checked and encoded right here, so later changes to `data`
        do not matter and a bad record raises RecordError before anything is queued.
        """
        if type(tablename) is not str or not tablename:
            raise RecordError(f"tablename must be a non-empty str, got {tablename!r}")
        if type(data) is not dict and not isinstance(data, Mapping):
            raise RecordError(
                f"data must be a dict of column names to values, got {type(data).__name__}"
            )

        line = encode_record(tablename, data)
        if len(line) > self._max_record_bytes:
            raise RecordTooLargeError(
                f"a record for table {tablename!r} encodes to {len(line)} bytes, over the "
                f"{self._max_record_bytes}-byte limit (max_message_bytes minus "
                f"{self._attributes_bytes} bytes of message attributes); split the "
                "record or raise max_message_bytes if the queue accepts larger messages"
            )
        self._put(line)

    def flush(self, timeout: float | None = None) -> int:
        """Send every queued record now and wait for the responses.

        Returns the number of records written before this call and not
        acknowledged: those still queued when `timeout` seconds ran out, plus
        those that failed or were dropped since the previous flush. 0 means
        everything was acknowledged. ``timeout=None`` waits as long as the
        retries last (`delivery_timeout`).
        """
        return self._sender.flush(timeout)

    def close(self, timeout: float | None = None) -> int:
        """Flush, then stop the sender threads; return what `flush` would.

        Calling it again returns 0 and does nothing. `write` raises after it.
        """
        return self._sender.close(timeout)

    def __enter__(self) -> SDK:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        undelivered = self.close()
        if undelivered and exc is None:
            logger.error("%d records were not delivered when the client closed", undelivered)


def _positive(name: str, value: float) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
        raise ConfigurationError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


def _block_timeout(block_timeout: float | None) -> float | None:
    if block_timeout is None:
        return None
    if isinstance(block_timeout, bool) or not isinstance(block_timeout, (int, float)):
        raise ConfigurationError(
            f"block_timeout must be a number of seconds or None, got {block_timeout!r}"
        )
    if not block_timeout >= 0 or block_timeout == float("inf"):
        raise ConfigurationError(
            f"block_timeout must be 0 or more seconds (None waits forever), got {block_timeout!r}"
        )
    return float(block_timeout)


def _message_limit(max_message_bytes: int, attributes_bytes: int) -> int:
    floor = attributes_bytes + 1024
    if not isinstance(max_message_bytes, int) or max_message_bytes < floor:
        raise ConfigurationError(
            f"max_message_bytes must be an int of at least {floor} (the message attributes "
            f"take {attributes_bytes} bytes), got {max_message_bytes!r}"
        )
    return max_message_bytes


def _batch_limit(max_batch_bytes: int, max_message_bytes: int) -> int:
    if not isinstance(max_batch_bytes, int) or max_batch_bytes < max_message_bytes:
        raise ConfigurationError(
            f"max_batch_bytes must be an int of at least max_message_bytes "
            f"({max_message_bytes}), got {max_batch_bytes!r}"
        )
    return max_batch_bytes


def _buffer_limit(max_buffer_bytes: int, max_message_bytes: int) -> int:
    if not isinstance(max_buffer_bytes, int) or max_buffer_bytes < max_message_bytes:
        raise ConfigurationError(
            f"max_buffer_bytes must be an int of at least max_message_bytes "
            f"({max_message_bytes}), got {max_buffer_bytes!r}"
        )
    return max_buffer_bytes


def _connection_count(max_connections: int) -> int:
    if type(max_connections) is not int or not 1 <= max_connections <= 16:
        raise ConfigurationError(
            f"max_connections must be an int from 1 to 16, got {max_connections!r}"
        )
    return max_connections


def _overflow_policy(overflow: str) -> OverflowPolicy:
    if overflow == "block":
        return "block"
    if overflow == "drop":
        return "drop"
    raise ConfigurationError(f"overflow must be 'block' or 'drop', got {overflow!r}")
