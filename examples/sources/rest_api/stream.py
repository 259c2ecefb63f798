"""The rest_api data source: records from a paginated JSON API with OAuth2 bearer tokens.

A page is a GET of ``{base_url}/{endpoint}`` that returns a JSON object with the
records in a list under ``records_key`` (``data`` by default) and, optionally, the
number of records in all pages under ``total``. Two pagination styles are supported:

- ``cursor``: the query has ``limit`` and, after the first page, ``cursor``; the
  response names the next page's cursor in ``next_cursor``. A missing, null or
  empty cursor ends the stream.
- ``page``: the query has ``page`` (from 1) and ``per_page``; a page with fewer
  records than ``per_page`` ends the stream.
"""

from __future__ import annotations

import logging
import types
from typing import Any

from panoply import DataSource, validate_token
from panoply.errors import PanoplyException

from .client import ApiClient, TokenExpired

__all__ = ["DEFAULT_PAGE_SIZE", "PAGINATIONS", "Stream"]

logger = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 100
"""Records per page when neither ``read(n)`` nor ``source["__batchSize"]`` sets it."""

PAGINATIONS = ("cursor", "page")

_TOKEN_PATH = "oauth/token"  # noqa: S105 - a URL path, not a secret


class Stream(DataSource):
    """Fetch one page per `read` call, refreshing the access token once when it expires.

    Each batch fires the state ``{"next": CURSOR_OR_PAGE}``: where the page after it
    starts, or None after the last page, so a retry continues at the failed page and
    the next run starts again from the first page.
    """

    def __init__(self, source: dict[str, Any], options: dict[str, Any] | None = None) -> None:
        super().__init__(source, options)
        self._base_url = _required(self.source, "base_url").rstrip("/")
        self._endpoint = str(self.source.get("endpoint") or "items").strip("/")
        self._pagination = _pagination(self.source.get("pagination"))
        self._records_key = str(self.source.get("records_key") or "data")
        self._page_size = int(self.source.get("__batchSize") or DEFAULT_PAGE_SIZE)
        token_url = str(self.source.get("token_url") or f"{self._base_url}/{_TOKEN_PATH}")
        self._set_refresh_client()
        if not self.source.get("destination"):
            self.source["destination"] = "rest_api_" + self._endpoint.replace("/", "_")

        # The refresh URL is a param, so the decorator is applied per source, not per class.
        refresh = validate_token(token_url, exceptions=(TokenExpired,))
        self._fetch_with_refresh = types.MethodType(refresh(type(self)._fetch), self)

        # A saved position of None means the last run finished: start from the first page.
        saved = (self.source.get("state") or {}).get("next")
        self._next: Any = saved if saved is not None else self._first_page()
        self._done = False
        self._loaded = 0
        self._client = ApiClient()

    def read(self, n: int | None = None) -> list[dict[str, Any]] | None:
        """Return the records of the next page, or None after the last page."""
        if self._done:
            return None

        size = n if n and n > 0 else self._page_size
        page = self._fetch_with_refresh(self._next, size)
        records = self._records(page)
        following = self._following(page, records, size)

        state_id = f"page@{self._next or 'start'}"
        self.state(state_id, {"next": following})
        for record in records:
            record["__state"] = state_id

        self._loaded += len(records)
        self.progress(self._loaded, page.get("total"), f"{self._endpoint}: page {self._next}")
        self._next = following
        self._done = following is None
        return records

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    def _fetch(self, position: Any, size: int) -> dict[str, Any]:
        """GET the page at `position` with the current access token."""
        if self._pagination == "cursor":
            fields = {"limit": size, "cursor": position or None}
        else:
            fields = {"page": position, "per_page": size}
        url = f"{self._base_url}/{self._endpoint}"
        return self._client.get_json(url, fields, self.source.get("access_token"))

    def _first_page(self) -> Any:
        return "" if self._pagination == "cursor" else 1

    def _following(self, page: dict[str, Any], records: list[dict[str, Any]], size: int) -> Any:
        if self._pagination == "cursor":
            return page.get("next_cursor") or None
        return int(self._next) + 1 if len(records) >= size else None

    def _records(self, page: dict[str, Any]) -> list[dict[str, Any]]:
        records = page.get(self._records_key)
        if not isinstance(records, list) or not all(isinstance(item, dict) for item in records):
            raise PanoplyException(
                f"the response of {self._base_url}/{self._endpoint} has no list of objects "
                f"under {self._records_key!r} (keys: {', '.join(page) or 'none'}); "
                "check --records_key",
                retryable=False,
            )
        return records

    def _set_refresh_client(self) -> None:
        """Send the OAuth2 client credentials of the source with each refresh request."""
        client = {
            key: self.source[key] for key in ("client_id", "client_secret") if self.source.get(key)
        }
        if client:
            self.options["refresh"] = {**client, **self.options.get("refresh", {})}


def _required(source: dict[str, Any], name: str) -> str:
    value = source.get(name)
    if not value:
        raise PanoplyException(
            f"param {name!r} is missing; pass --{name} such as http://127.0.0.1:8000/api",
            retryable=False,
        )
    return str(value)


def _pagination(value: Any) -> str:
    pagination = str(value or "cursor")
    if pagination not in PAGINATIONS:
        raise PanoplyException(
            f"param 'pagination' is {pagination!r}; use one of: {', '.join(PAGINATIONS)}",
            retryable=False,
        )
    return pagination
