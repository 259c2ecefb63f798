"""HTTP requests to a JSON API with a bearer token, and the errors they map to."""

from __future__ import annotations

import logging
from typing import Any

import orjson
import urllib3

from panoply.errors import PanoplyException

__all__ = ["REQUEST_TIMEOUT", "ApiClient", "TokenExpired"]

logger = logging.getLogger(__name__)

REQUEST_TIMEOUT = urllib3.Timeout(connect=10.0, read=60.0)
"""Seconds to wait for a connection and for each read of a response."""

# Statuses worth a retry: the server is overloaded or failing, not rejecting the request.
_RETRYABLE_STATUSES = frozenset({408, 425, 429})


class TokenExpired(PanoplyException):
    """The API rejected the access token with HTTP 401.

    `validate_token` catches it once to refresh the token. When the refreshed token
    is rejected too, it reaches the runtime, which must not retry: the
    authorization itself is broken.
    """

    def __init__(self, url: str) -> None:
        super().__init__(
            f"the API at {url} rejected the access token with HTTP status 401, also after "
            "refreshing it; authorize the source again",
            retryable=False,
        )


class ApiClient:
    """GET requests that return a JSON object, over one urllib3 connection pool."""

    def __init__(self) -> None:
        self._http = urllib3.PoolManager(timeout=REQUEST_TIMEOUT, retries=False)

    def get_json(self, url: str, fields: dict[str, Any], token: str | None) -> dict[str, Any]:
        """GET `url` with query `fields` and a bearer `token`; return the JSON object.

        Raises:
            TokenExpired: HTTP 401.
            PanoplyException: retryable on network errors, 5xx, 408, 425 and 429;
                not retryable on other 4xx and on a body that is not a JSON object.
        """
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        query = {key: str(value) for key, value in fields.items() if value is not None}
        try:
            response = self._http.request("GET", url, fields=query, headers=headers)
        except urllib3.exceptions.HTTPError as error:
            raise PanoplyException(
                f"GET {url} failed: {type(error).__name__}: {error}; check --base_url "
                "and that the API is reachable",
                retryable=True,
            ) from error

        _check_status(url, response)
        return _parse_object(url, response)

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.clear()


def _check_status(url: str, response: urllib3.BaseHTTPResponse) -> None:
    status = response.status
    if status < 400:
        return
    if status == 401:
        raise TokenExpired(url)

    retryable = status >= 500 or status in _RETRYABLE_STATUSES
    advice = (
        "the API is failing or overloaded; the run retries"
        if retryable
        else ("check --base_url and --endpoint, and that the token grants access")
    )
    raise PanoplyException(
        f"GET {url} returned HTTP status {status}; {advice}", retryable=retryable
    )


def _parse_object(url: str, response: urllib3.BaseHTTPResponse) -> dict[str, Any]:
    try:
        document = orjson.loads(response.data)
    except orjson.JSONDecodeError:
        document = None
    if not isinstance(document, dict):
        raise PanoplyException(
            f"GET {url} returned HTTP status {response.status} without a JSON object; "
            "check that --base_url points at the API",
            retryable=False,
        )
    return document
