"""Tests of the rest_api data source against a fake API on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from examples.sources._testing import drain, run_panoply, source_dir
from examples.sources.rest_api import CONFIG, Stream, TokenExpired
from examples.sources.rest_api.fake_api import FakeApi
from panoply.errors import AuthenticationError, PanoplyException

ITEMS = [{"id": number, "name": f"item {number}", "price": number * 1.5} for number in range(1, 26)]


@pytest.fixture
def api() -> Iterator[FakeApi]:
    server = FakeApi(ITEMS)
    server.start()
    yield server
    server.stop()


def new_source(api: FakeApi, **params: Any) -> dict[str, Any]:
    return {
        "type": "rest_api",
        "id": "rest-test",
        "database": "test",
        "base_url": api.base_url,
        "access_token": "access-1",
        "refresh_token": "refresh-1",
        "client_id": "client-7",
        "client_secret": "client-secret-7",
        "__batchSize": 10,
        **params,
    }


def list_requests(api: FakeApi) -> list[tuple[str, str | None, int]]:
    """The list requests as (query, token, status), in order."""
    return [
        (
            "&".join(f"{key}={value}" for key, value in request.query.items()),
            request.token,
            request.status,
        )
        for request in api.requests
        if request.method == "GET"
    ]


class TestPagination:
    """Cursor and page pagination over 25 items, 10 per page."""

    def test_cursor_pages(self, api: FakeApi) -> None:
        source = new_source(api)
        run = drain(Stream(source, {}))
        assert run.records == ITEMS
        assert run.batches == 3
        assert list_requests(api) == [
            ("limit=10", "access-1", 200),
            ("limit=10&cursor=10", "access-1", 200),
            ("limit=10&cursor=20", "access-1", 200),
        ]
        assert run.states == [
            {"stateId": "page@start", "state": {"next": "10"}},
            {"stateId": "page@10", "state": {"next": "20"}},
            {"stateId": "page@20", "state": {"next": None}},
        ]
        assert [event["loaded"] for event in run.progress] == [10, 20, 25]
        assert {event["total"] for event in run.progress} == {25}
        assert source["destination"] == "rest_api_items"

    def test_page_numbers(self, api: FakeApi) -> None:
        run = drain(Stream(new_source(api, endpoint="pages", pagination="page"), {}))
        assert run.records == ITEMS
        assert list_requests(api) == [
            ("page=1&per_page=10", "access-1", 200),
            ("page=2&per_page=10", "access-1", 200),
            ("page=3&per_page=10", "access-1", 200),
        ]
        assert run.merged_state() == {"next": None}
        assert run.progress[-1] == {"loaded": 25, "total": None, "msg": "pages: page 3"}

    def test_full_last_page_ends_with_empty_page(self, api: FakeApi) -> None:
        api.items = ITEMS[:20]
        run = drain(Stream(new_source(api, endpoint="pages", pagination="page"), {}))
        assert run.records == ITEMS[:20]
        assert run.batches == 3
        assert [query for query, _, _ in list_requests(api)] == [
            "page=1&per_page=10",
            "page=2&per_page=10",
            "page=3&per_page=10",
        ]

    def test_read_n_sets_page_size(self, api: FakeApi) -> None:
        run = drain(Stream(new_source(api), {}), n=20)
        assert run.batches == 2
        assert [query for query, _, _ in list_requests(api)] == ["limit=20", "limit=20&cursor=20"]

    def test_resume_from_state(self, api: FakeApi) -> None:
        source = new_source(api, state={"next": "20"})
        run = drain(Stream(source, {}))
        assert run.records == ITEMS[20:]
        assert list_requests(api) == [("limit=10&cursor=20", "access-1", 200)]

    def test_finished_state_starts_over(self, api: FakeApi) -> None:
        run = drain(Stream(new_source(api, state={"next": None}), {}))
        assert run.records == ITEMS


class TestTokenRefresh:
    """A 401 mid-way refreshes the token once, stores the rotated tokens and continues."""

    def test_refresh_mid_way_continues(self, api: FakeApi) -> None:
        api.expire_after = 2
        source = new_source(api)
        run = drain(Stream(source, {}))

        assert run.records == ITEMS
        assert list_requests(api) == [
            ("limit=10", "access-1", 200),
            ("limit=10&cursor=10", "access-1", 200),
            ("limit=10&cursor=20", "access-1", 401),
            ("limit=10&cursor=20", "access-2", 200),
        ]
        refreshes = [request for request in api.requests if request.method == "POST"]
        assert [request.form for request in refreshes] == [
            {
                "client_id": "client-7",
                "client_secret": "client-secret-7",
                "grant_type": "refresh_token",
                "refresh_token": "refresh-1",
            }
        ]

    def test_rotated_tokens_stored_and_announced(self, api: FakeApi) -> None:
        api.expire_after = 1
        source = new_source(api)
        run = drain(Stream(source, {}))

        assert run.changes == [{"access_token": "access-2", "refresh_token": "refresh-2"}]
        assert source["access_token"] == "access-2"
        assert source["refresh_token"] == "refresh-2"

    def test_rotated_refresh_token_used_next(self, api: FakeApi) -> None:
        api.refresh_grants["refresh-2"] = ("access-3", "refresh-3")
        source = new_source(api)
        stream = Stream(source, {})
        stream.read()
        api.expire_tokens()
        stream.read()  # 401, then a refresh with refresh-1
        api.expire_tokens()
        run = drain(stream)  # 401 again, then a refresh with refresh-2

        assert [
            request.form["refresh_token"] for request in api.requests if request.method == "POST"
        ] == [
            "refresh-1",
            "refresh-2",
        ]
        assert run.changes == [{"access_token": "access-3", "refresh_token": "refresh-3"}]
        assert source["refresh_token"] == "refresh-3"

    def test_refresh_without_rotation(self, api: FakeApi) -> None:
        api.refresh_grants["refresh-1"] = ("access-2", "refresh-1")
        api.expire_after = 1
        source = new_source(api)
        run = drain(Stream(source, {}))
        assert run.records == ITEMS
        assert run.changes == [{"access_token": "access-2"}]

    def test_options_refresh_overrides_source_client(self, api: FakeApi) -> None:
        api.expire_after = 1
        options = {"refresh": {"client_id": "from-runtime"}}
        drain(Stream(new_source(api), options))
        (refresh,) = [request for request in api.requests if request.method == "POST"]
        assert refresh.form["client_id"] == "from-runtime"
        assert refresh.form["client_secret"] == "client-secret-7"

    def test_invalid_grant_fails_without_token(
        self, api: FakeApi, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        api.expire_after = 1
        source = new_source(api, refresh_token="refresh-revoked-99")
        with pytest.raises(AuthenticationError) as raised:
            drain(Stream(source, {}))

        message = str(raised.value)
        assert message == (
            f"OAuth2 token refresh at {api.base_url}/oauth/token was rejected with HTTP "
            "status 400 (invalid_grant); authorize the source again to get a new refresh token"
        )
        assert raised.value.retryable is False
        for secret in ("refresh-revoked-99", "access-1", "client-secret-7"):
            assert secret not in message
            assert secret not in repr(raised.value)
            assert secret not in caplog.text

    def test_token_rejected_after_refresh(self, api: FakeApi) -> None:
        api.refresh_grants["refresh-1"] = ("access-unknown", "refresh-2")
        api.refreshed_tokens_work = False
        stream = Stream(new_source(api), {})
        stream.read()
        api.expire_tokens()
        with pytest.raises(TokenExpired) as raised:
            stream.read()
        stream.close()
        assert raised.value.retryable is False
        assert "access-unknown" not in str(raised.value)
        assert len([request for request in api.requests if request.method == "POST"]) == 1


class TestErrors:
    """HTTP faults surface as retryable or final errors that name the URL."""

    def test_server_error_is_retryable(self, api: FakeApi) -> None:
        api.failures = {2: 503}
        source = new_source(api)
        first = Stream(source, {})
        states: list[dict[str, Any]] = []
        first.on("source-state", states.append)
        page = first.read()
        with pytest.raises(PanoplyException) as raised:
            first.read()
        first.close()

        assert str(raised.value) == (
            f"GET {api.base_url}/items returned HTTP status 503; the API is failing or "
            "overloaded; the run retries"
        )
        assert raised.value.retryable is True

        # The runtime rebuilds the source with the state of the stored batch.
        rebuilt = drain(Stream({**new_source(api), "state": states[-1]["state"]}, {}))
        assert page is not None
        assert [record["id"] for record in page] + [record["id"] for record in rebuilt.records] == [
            item["id"] for item in ITEMS
        ]

    @pytest.mark.parametrize("status", [500, 502, 429])
    def test_retryable_statuses(self, api: FakeApi, status: int) -> None:
        api.failures = {1: status}
        with pytest.raises(PanoplyException) as raised:
            drain(Stream(new_source(api), {}))
        assert raised.value.retryable is True
        assert f"HTTP status {status}" in str(raised.value)

    def test_not_found_is_final(self, api: FakeApi) -> None:
        with pytest.raises(PanoplyException) as raised:
            drain(Stream(new_source(api, endpoint="missing"), {}))
        assert str(raised.value) == (
            f"GET {api.base_url}/missing returned HTTP status 404; check --base_url and "
            "--endpoint, and that the token grants access"
        )
        assert raised.value.retryable is False

    def test_body_not_json(self, api: FakeApi) -> None:
        api.raw_body = b"<html>login</html>"
        with pytest.raises(PanoplyException, match="without a JSON object") as raised:
            drain(Stream(new_source(api), {}))
        assert raised.value.retryable is False

    def test_wrong_records_key(self, api: FakeApi) -> None:
        with pytest.raises(PanoplyException) as raised:
            drain(Stream(new_source(api, records_key="results"), {}))
        assert str(raised.value) == (
            f"the response of {api.base_url}/items has no list of objects under 'results' "
            "(keys: data, next_cursor, total); check --records_key"
        )
        assert raised.value.retryable is False

    def test_refused_connection_is_retryable(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        source = {"type": "rest_api", "id": "x", "database": "d", "access_token": "access-1"}
        source["base_url"] = f"http://127.0.0.1:{port}/api"
        with pytest.raises(PanoplyException) as raised:
            drain(Stream(source, {}))
        assert str(raised.value).startswith(f"GET http://127.0.0.1:{port}/api/items failed: ")
        assert "access-1" not in str(raised.value)
        assert raised.value.retryable is True

    def test_missing_base_url(self) -> None:
        with pytest.raises(PanoplyException, match="param 'base_url' is missing") as raised:
            Stream({"type": "rest_api", "id": "x", "database": "d"}, {})
        assert raised.value.retryable is False

    def test_unknown_pagination(self, api: FakeApi) -> None:
        with pytest.raises(PanoplyException) as raised:
            Stream(new_source(api, pagination="offset"), {})
        assert str(raised.value) == "param 'pagination' is 'offset'; use one of: cursor, page"


def test_config_marks_tokens_secret() -> None:
    types = {param["name"]: param["type"] for param in CONFIG["params"]}
    assert types["access_token"] == "oauth"
    assert types["refresh_token"] == "password"
    assert types["client_secret"] == "password"
    assert CONFIG["icon"].startswith("data:image/svg+xml;")


class TestPanoplyRun:
    """`panoply run` pages through the API into DuckDB and keeps the rotated tokens."""

    def test_refresh_during_run(self, api: FakeApi, tmp_path: Path) -> None:
        # The runtime reads 1000 records per call, so 2500 items make three pages.
        items = [
            {"id": number, "name": f"item {number}", "price": number * 1.5}
            for number in range(1, 2501)
        ]
        api.items = items
        api.expire_after = 2
        config = tmp_path / "config.json"
        config.write_text(
            json.dumps(
                {
                    "base_url": api.base_url,
                    "access_token": "access-1",
                    "refresh_token": "refresh-1",
                    "client_id": "client-7",
                    "client_secret": "client-secret-7",
                }
            ),
            encoding="utf-8",
        )
        arguments = ["run", source_dir("rest_api"), "--config", "config.json"]
        arguments += ["--state", "state.json", "--to", "duckdb://api.duckdb"]
        result = run_panoply(*arguments, cwd=str(tmp_path))
        assert result.returncode == 0, result.stderr

        with duckdb.connect(str(tmp_path / "api.duckdb"), read_only=True) as connection:
            rows = connection.sql("SELECT id, name, price FROM rest_api_items ORDER BY id")
            assert rows.fetchall() == [(item["id"], item["name"], item["price"]) for item in items]
        assert [status for _, _, status in list_requests(api)] == [200, 200, 401, 200]

        saved = json.loads(config.read_text(encoding="utf-8"))
        assert saved["access_token"] == "access-2"
        assert saved["refresh_token"] == "refresh-2"
        assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
        for secret in ("access-1", "access-2", "refresh-1", "refresh-2", "client-secret-7"):
            assert secret not in result.stdout
            assert secret not in result.stderr
