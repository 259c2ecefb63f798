"""A small paginated JSON API with OAuth2 refresh, served on 127.0.0.1 for the tests.

Endpoints under ``/api``: ``GET items`` (cursor pagination: ``limit``, ``cursor``),
``GET pages`` (page pagination: ``page``, ``per_page``) and ``POST oauth/token``
(the ``refresh_token`` grant). Faults are set on the `FakeApi` object.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["FakeApi", "Request"]


@dataclass
class Request:
    """One request the API received."""

    method: str
    path: str
    query: dict[str, str]
    token: str | None
    form: dict[str, str] = field(default_factory=dict)
    status: int = 200


class FakeApi:
    """The API's data, tokens, faults and request log; `start` serves it on a free port.

    Attributes:
        items: the records that the list endpoints page through.
        access_tokens: the access tokens the API accepts.
        refresh_grants: refresh token -> (new access token, rotated refresh token).
        expire_after: after this many successful list requests, the access tokens
            accepted so far expire once.
        failures: list request number (1-based, counting every list request) ->
            HTTP status to return instead of the page.
        raw_body: when set, list requests return this body with status 200.
        refreshed_tokens_work: whether the API accepts the access tokens it issues
            on refresh.
    """

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.access_tokens = {"access-1"}
        self.refresh_grants = {"refresh-1": ("access-2", "refresh-2")}
        self.expire_after: int | None = None
        self.failures: dict[int, int] = {}
        self.raw_body: bytes | None = None
        self.refreshed_tokens_work = True
        self.requests: list[Request] = []
        self._list_requests = 0
        self._served_pages = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api"

    def start(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def expire_tokens(self) -> None:
        """Make every access token issued so far expire now."""
        with self._lock:
            self.access_tokens = set()

    def list_page(self, request: Request) -> tuple[int, Any]:
        with self._lock:
            self._list_requests += 1
            failure = self.failures.get(self._list_requests)
            if failure is not None:
                return failure, {"error": "server_error"}
            if request.token not in self.access_tokens:
                return 401, {"error": "invalid_token"}
            self._served_pages += 1
            if self._served_pages == self.expire_after:
                self.access_tokens = set()
        if request.path == "/api/items":
            return 200, self._cursor_page(request.query)
        return 200, self._numbered_page(request.query)

    def refresh(self, request: Request) -> tuple[int, Any]:
        refresh_token = request.form.get("refresh_token", "")
        grant = self.refresh_grants.get(refresh_token)
        if request.form.get("grant_type") != "refresh_token" or grant is None:
            # The description echoes the token, as some providers do, so tests can
            # check that it never reaches a message.
            return 400, {"error": "invalid_grant", "error_description": f"{refresh_token} revoked"}
        access_token, rotated = grant
        if self.refreshed_tokens_work:
            with self._lock:
                self.access_tokens.add(access_token)
        return 200, {"access_token": access_token, "refresh_token": rotated, "expires_in": 3600}

    def _cursor_page(self, query: dict[str, str]) -> dict[str, Any]:
        start = int(query.get("cursor", "0"))
        end = start + int(query["limit"])
        following = str(end) if end < len(self.items) else None
        return {"data": self.items[start:end], "next_cursor": following, "total": len(self.items)}

    def _numbered_page(self, query: dict[str, str]) -> dict[str, Any]:
        size = int(query["per_page"])
        start = (int(query["page"]) - 1) * size
        return {"data": self.items[start : start + size]}


def _handler_for(api: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            request = self._request()
            if api.raw_body is not None:
                self._answer(request, 200, api.raw_body)
            elif request.path in ("/api/items", "/api/pages"):
                self._answer(request, *api.list_page(request))
            else:
                self._answer(request, 404, {"error": "not_found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = {
                key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()
            }
            request = self._request(form)
            if request.path == "/api/oauth/token":
                self._answer(request, *api.refresh(request))
            else:
                self._answer(request, 404, {"error": "not_found"})

        def _request(self, form: dict[str, str] | None = None) -> Request:
            parts = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            authorization = self.headers.get("Authorization", "")
            token = authorization.removeprefix("Bearer ") if authorization else None
            return Request(self.command, parts.path, query, token, form or {})

        def _answer(self, request: Request, status: int, body: Any) -> None:
            request.status = status
            with api._lock:
                api.requests.append(request)
            content = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
