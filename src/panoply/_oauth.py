"""OAuth2 token refresh for data-source methods: the `validate_token` decorator.

A wrapped method that raises one of the given exceptions gets the access token
refreshed with the ``refresh_token`` grant (RFC 6749, section 6) and is called once
more. Tokens never appear in logs, exception messages or event reprs.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import orjson
import urllib3

from panoply._retry import RetryPolicy
from panoply.errors import AuthenticationError, PanoplyException

__all__ = ["REFRESH_RETRY_POLICY", "SecretChanges", "validate_token"]

logger = logging.getLogger(__name__)

REFRESH_RETRY_POLICY = RetryPolicy(max_attempts=5, base_delay=0.5, max_delay=8.0, deadline=60.0)
"""Retries of a refresh request that failed on the network or with a 5xx or 429 status."""

REFRESH_TIMEOUT = urllib3.Timeout(connect=10.0, read=30.0)

# Error codes a token endpoint may return (RFC 6749, section 5.2). Only these are
# copied into messages, because the rest of an error response may echo a token.
_STANDARD_ERROR_CODES = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
    }
)

_http = urllib3.PoolManager(timeout=REFRESH_TIMEOUT, retries=False)
_locks_guard = threading.Lock()

Method = TypeVar("Method", bound=Callable[..., Any])


class SecretChanges(dict[str, Any]):
    """The ``source-change`` payload of a token refresh: source keys and their new values.

    Its repr hides the values, so logging the event shows no token. The runtime
    treats every key of it as a secret.
    """

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{key!r}: '***'" for key in self) + "}"

    __str__ = __repr__


def validate_token(
    refresh_url: str,
    exceptions: type[BaseException] | tuple[type[BaseException], ...],
    callback: Callable[[Any, dict[str, Any]], Any] | None = None,
    access_key: str = "access_token",
    refresh_key: str = "refresh_token",
    *,
    retry_policy: RetryPolicy = REFRESH_RETRY_POLICY,
) -> Callable[[Method], Method]:
    """Decorate a `DataSource` method to refresh the OAuth2 token once when it fails.

    When the method raises one of `exceptions`, the token is refreshed by POSTing
    ``grant_type=refresh_token`` and ``source[refresh_key]``, merged with the client
    fields of ``options["refresh"]``, to `refresh_url`. The new access token (and a
    rotated refresh token, when the response has one) is stored in ``self.source``,
    ``source-change`` is fired with the changed keys, `callback(self, response)` runs,
    and the method is called once more. A second failure propagates.

    Threads that fail together refresh once: the others wait for the refresh and
    retry with its token.

    Raises:
        AuthenticationError: the endpoint rejected the refresh (4xx other than 429),
            or its response has no access token. Not retryable.
        PanoplyException: the endpoint stayed unreachable or kept answering 5xx or
            429 through `retry_policy`. Retryable.
    """

    refresh = _Refresh(refresh_url, callback, access_key, refresh_key, retry_policy)

    def decorate(method: Method) -> Method:
        @functools.wraps(method)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            failed_token = self.source.get(access_key)
            try:
                return method(self, *args, **kwargs)
            except exceptions as error:
                logger.info(
                    "%s.%s raised %s; refreshing the OAuth2 token at %s",
                    type(self).__name__,
                    method.__name__,
                    type(error).__name__,
                    refresh_url,
                )
            refresh.run_unless_done(self, failed_token)
            return method(self, *args, **kwargs)

        return cast(Method, wrapper)

    return decorate


@dataclass(frozen=True)
class _Refresh:
    """One `validate_token` configuration: where and how to refresh."""

    url: str
    callback: Callable[[Any, dict[str, Any]], Any] | None
    access_key: str
    refresh_key: str
    retry_policy: RetryPolicy

    def run_unless_done(self, datasource: Any, failed_token: Any) -> None:
        """Refresh the token of `datasource` unless it changed since `failed_token` failed."""
        with _refresh_lock(datasource):
            if datasource.source.get(self.access_key) != failed_token:
                return  # Another thread refreshed while this one waited.

            response = _post_refresh(self.url, self._form_fields(datasource), self.retry_policy)
            _store_tokens(datasource, response, self.url, self.access_key, self.refresh_key)

        if self.callback is not None:
            self.callback(datasource, response)

    def _form_fields(self, datasource: Any) -> dict[str, Any]:
        refresh_token = datasource.source.get(self.refresh_key)
        if not refresh_token:
            raise AuthenticationError(
                f"cannot refresh the OAuth2 token: source[{self.refresh_key!r}] is missing or "
                "empty; authorize the source again to get a refresh token"
            )
        return {
            **datasource.options.get("refresh", {}),
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        }


def _refresh_lock(datasource: Any) -> threading.Lock:
    with _locks_guard:
        lock = datasource.__dict__.get("_token_refresh_lock")
        if lock is None:
            lock = datasource.__dict__["_token_refresh_lock"] = threading.Lock()
    return cast(threading.Lock, lock)


def _post_refresh(url: str, fields: dict[str, Any], policy: RetryPolicy) -> dict[str, Any]:
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        problem = _try_refresh(url, fields)
        if isinstance(problem, dict):
            return problem

        delay = policy.backoff(attempt)
        if not policy.allows_retry(attempt, time.monotonic() - started, delay):
            raise PanoplyException(
                f"OAuth2 token refresh at {url} failed after {attempt} attempts: {problem}; "
                "check that the token endpoint is reachable"
            )
        logger.warning(
            "OAuth2 token refresh at %s failed (%s); retry %d in %.1f s",
            url,
            problem,
            attempt,
            delay,
        )
        time.sleep(delay)


def _try_refresh(url: str, fields: dict[str, Any]) -> dict[str, Any] | str:
    """Return the token response, or a description of a failure worth retrying."""
    try:
        response = _http.request(
            "POST",
            url,
            fields={key: str(value) for key, value in fields.items()},
            encode_multipart=False,
            headers={"Accept": "application/json"},
        )
    except urllib3.exceptions.HTTPError as error:
        return f"{type(error).__name__}: {error}"

    if response.status >= 500 or response.status == 429:
        return f"HTTP status {response.status}"
    if response.status >= 400:
        raise AuthenticationError(_rejection_message(url, response))
    return _parse_token_response(url, response)


def _rejection_message(url: str, response: urllib3.BaseHTTPResponse) -> str:
    message = f"OAuth2 token refresh at {url} was rejected with HTTP status {response.status}"
    code = _error_code(response.data)
    if code:
        message += f" ({code})"
    return message + "; authorize the source again to get a new refresh token"


def _error_code(body: bytes) -> str | None:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    code = document.get("error") if isinstance(document, dict) else None
    return code if code in _STANDARD_ERROR_CODES else None


def _parse_token_response(url: str, response: urllib3.BaseHTTPResponse) -> dict[str, Any]:
    try:
        document = orjson.loads(response.data)
    except orjson.JSONDecodeError:
        document = None
    if not isinstance(document, dict) or not document.get("access_token"):
        raise AuthenticationError(
            f"OAuth2 token refresh at {url} returned HTTP status {response.status} without "
            "an access_token in a JSON object; check the refresh URL"
        )
    return document


def _store_tokens(
    datasource: Any, response: dict[str, Any], url: str, access_key: str, refresh_key: str
) -> None:
    changes = SecretChanges({access_key: response["access_token"]})
    rotated = response.get("refresh_token")
    if rotated and rotated != datasource.source.get(refresh_key):
        changes[refresh_key] = rotated

    datasource.source.update(changes)
    logger.info("refreshed the OAuth2 token at %s; changed %s", url, sorted(changes))
    datasource.fire("source-change", changes)
