"""The HTTP side of the sender: one SendMessageBatch request over a pooled connection.

The sender talks to a `Transport`, so tests can put a different one in its place
without patching the sender. The real one posts unsigned Query requests with urllib3.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Protocol
from xml.etree import ElementTree

import urllib3

from panoply._wire import (
    BatchResult,
    Credentials,
    build_batch_request,
    parse_batch_response,
    parse_error_response,
)
from panoply.errors import DeliveryError

__all__ = ["HttpTransport", "Transport"]

_HEADERS = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


class Transport(Protocol):
    def send_batch(self, bodies: Sequence[bytes]) -> BatchResult:
        """Send one batch; raise DeliveryError when the request as a whole failed."""

    def close(self) -> None: ...


class HttpTransport:
    """Posts batches to one queue URL with keep-alive connections."""

    def __init__(
        self,
        credentials: Credentials,
        url: str,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        max_connections: int = 2,
    ) -> None:
        self._credentials = credentials
        self._url = url
        self._pool = urllib3.PoolManager(
            maxsize=max_connections,
            retries=False,
            timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
        )

    def send_batch(self, bodies: Sequence[bytes]) -> BatchResult:
        request_body = build_batch_request(self._credentials, self._url, bodies)
        try:
            response = self._pool.request("POST", self._url, body=request_body, headers=_HEADERS)
        except urllib3.exceptions.HTTPError as error:
            raise DeliveryError(
                self._mask(f"request to {self._url} failed: {error.__class__.__name__}: {error}"),
                code="NetworkError",
            ) from None

        if response.status == 200:
            return self._read_batch_result(response.data, len(bodies))

        failure = parse_error_response(response.status, response.data)
        raise DeliveryError(
            self._mask(
                f"{self._url} returned HTTP {failure.status} {failure.code}: {failure.message}"
                f"{failure.hint}"
            ),
            code=failure.code,
            status=failure.status,
            retryable=failure.retryable,
        )

    def _read_batch_result(self, body: bytes, entry_count: int) -> BatchResult:
        try:
            result = parse_batch_response(body, entry_count)
        except ElementTree.ParseError:
            # A proxy or captive portal can return 200 with a page of its own.
            snippet = body[:120].decode("utf-8", "replace").strip() or "an empty body"
            raise DeliveryError(
                self._mask(
                    f"{self._url} returned HTTP 200 with a body that is not an SQS "
                    f"response: {snippet!r}"
                ),
                code="InvalidResponse",
                status=200,
            ) from None
        failed = tuple(
            dataclasses.replace(failure, message=self._mask(failure.message))
            for failure in result.failed
        )
        return BatchResult(result.succeeded, failed)

    def close(self) -> None:
        self._pool.clear()

    def _mask(self, text: str) -> str:
        # A server may echo request fields back in its error text.
        return text.replace(self._credentials.apisecret, "***")
