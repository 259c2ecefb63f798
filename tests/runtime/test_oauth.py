"""validate_token against a local OAuth2 token endpoint."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from panoply import DataSource, validate_token
from panoply._retry import RetryPolicy
from panoply.errors import AuthenticationError, PanoplyException

FAST_RETRIES = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.01)


class Expired(Exception):
    """The API rejected the access token."""


def make_source(url: str, valid_token: str = "new-access-1", **decorator: Any) -> type[DataSource]:
    class Api(DataSource):
        calls = 0

        @validate_token(url, Expired, retry_policy=FAST_RETRIES, **decorator)
        def read(self, n: int | None = None) -> list[dict[str, Any]]:
            type(self).calls += 1
            if self.source["access_token"] != valid_token:
                raise Expired("401 from the API")
            return [{"ok": True}]

    return Api


def test_refresh_and_retry(token_server: Any) -> None:
    token_server.responses = [(200, {"access_token": "new-access-1", "expires_in": 3600})]
    Api = make_source(token_server.url)
    source = {"access_token": "old-access", "refresh_token": "refresh-1"}
    api = Api(source, {"refresh": {"client_id": "cid", "client_secret": "csecret"}})
    changes: list[Any] = []
    api.on("source-change", changes.append)

    assert api.read() == [{"ok": True}]

    assert token_server.requests == [
        {
            "grant_type": "refresh_token",
            "refresh_token": "refresh-1",
            "client_id": "cid",
            "client_secret": "csecret",
        }
    ]
    assert source == {"access_token": "new-access-1", "refresh_token": "refresh-1"}
    assert changes == [{"access_token": "new-access-1"}]
    assert "new-access-1" not in repr(changes[0])
    assert Api.calls == 2


def test_rotated_refresh_token_kept_and_announced(token_server: Any) -> None:
    token_server.responses = [
        (200, {"access_token": "new-access-1", "refresh_token": "refresh-2"}),
    ]
    callbacks: list[dict[str, Any]] = []
    Api = make_source(token_server.url, callback=lambda ds, response: callbacks.append(response))
    source = {"access_token": "old", "refresh_token": "refresh-1"}
    api = Api(source, {})
    changes: list[Any] = []
    api.on("source-change", changes.append)

    api.read()

    assert source["refresh_token"] == "refresh-2"
    assert changes == [{"access_token": "new-access-1", "refresh_token": "refresh-2"}]
    assert callbacks == [{"access_token": "new-access-1", "refresh_token": "refresh-2"}]


def test_custom_keys(token_server: Any) -> None:
    token_server.responses = [(200, {"access_token": "new-access-1"})]

    class Api(DataSource):
        @validate_token(
            token_server.url, Expired, access_key="token", refresh_key="renew",
            retry_policy=FAST_RETRIES,
        )  # fmt: skip
        def read(self, n: int | None = None) -> list[dict[str, Any]]:
            if self.source["token"] != "new-access-1":
                raise Expired("401")
            return []

    source = {"token": "old", "renew": "r-1"}
    Api(source, {}).read()
    assert token_server.requests[0]["refresh_token"] == "r-1"
    assert source == {"token": "new-access-1", "renew": "r-1"}


def test_invalid_grant_raises_authentication_error(
    token_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    token_server.responses = [
        (400, {"error": "invalid_grant", "error_description": "refresh-SECRET-1 revoked"}),
    ]
    Api = make_source(token_server.url)
    api = Api({"access_token": "access-SECRET-0", "refresh_token": "refresh-SECRET-1"}, {})

    with caplog.at_level(logging.DEBUG), pytest.raises(AuthenticationError) as caught:
        api.read()

    message = str(caught.value)
    assert message == (
        f"OAuth2 token refresh at {token_server.url} was rejected with HTTP status 400 "
        "(invalid_grant); authorize the source again to get a new refresh token"
    )
    assert caught.value.retryable is False
    assert "SECRET" not in caplog.text
    assert len(token_server.requests) == 1
    assert Api.calls == 1


def test_server_errors_retried(token_server: Any) -> None:
    token_server.responses = [
        (503, {"error": "busy"}),
        (500, {"error": "oops"}),
        (200, {"access_token": "new-access-1"}),
    ]
    Api = make_source(token_server.url)
    assert Api({"access_token": "old", "refresh_token": "r"}, {}).read() == [{"ok": True}]
    assert len(token_server.requests) == 3


def test_server_errors_exhaust_the_policy(token_server: Any) -> None:
    token_server.responses = [(500, {}), (502, {}), (503, {})]
    Api = make_source(token_server.url)
    with pytest.raises(PanoplyException) as caught:
        Api({"access_token": "old", "refresh_token": "r"}, {}).read()
    assert caught.value.retryable is True
    assert str(caught.value) == (
        f"OAuth2 token refresh at {token_server.url} failed after 3 attempts: "
        "HTTP status 503; check that the token endpoint is reachable"
    )


def test_unreachable_endpoint_retried() -> None:
    # A port that was just free: connecting is refused.
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    Api = make_source(f"http://127.0.0.1:{port}/token")
    with pytest.raises(PanoplyException, match="failed after 3 attempts: NewConnectionError"):
        Api({"access_token": "old", "refresh_token": "r"}, {}).read()


def test_second_failure_propagates(token_server: Any) -> None:
    token_server.responses = [(200, {"access_token": "still-wrong"})]
    Api = make_source(token_server.url)
    with pytest.raises(Expired):
        Api({"access_token": "old", "refresh_token": "r"}, {}).read()
    assert len(token_server.requests) == 1
    assert Api.calls == 2


def test_missing_refresh_token(token_server: Any) -> None:
    Api = make_source(token_server.url)
    with pytest.raises(AuthenticationError, match=r"source\['refresh_token'\] is missing"):
        Api({"access_token": "old"}, {}).read()
    assert token_server.requests == []


def test_concurrent_failures_refresh_once(token_server: Any) -> None:
    token_server.responses = [(200, {"access_token": "new-access-1"})]
    Api = make_source(token_server.url)
    api = Api({"access_token": "old", "refresh_token": "r"}, {})
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    results: list[Any] = []

    class Together(Api):  # type: ignore[valid-type, misc]
        @validate_token(token_server.url, Expired, retry_policy=FAST_RETRIES)
        def read(self, n: int | None = None) -> list[dict[str, Any]]:
            token = self.source["access_token"]
            if token != "new-access-1":
                barrier.wait(10)  # every thread fails with the old token
                raise Expired("401")
            return [{"ok": True}]

    together = Together(api.source, {})
    threads = [
        threading.Thread(target=lambda: results.append(together.read()))
        for _ in range(threads_count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert results == [[{"ok": True}]] * threads_count
    assert len(token_server.requests) == 1
