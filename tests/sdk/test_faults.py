"""The client against a server that fails on purpose: nothing lost, nothing duplicated."""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

import pytest
from tests.support.fault_sqs import Fault, FaultServer, fault_server
from tests.support.queues import make_credentials

from panoply import SDK


@pytest.fixture
def server() -> Any:
    with fault_server() as running:
        yield running


class EventLog:
    """Collects every client event, and lets a test wait for one."""

    def __init__(self, sdk: SDK) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._changed = threading.Condition()
        sdk.on("*", self._record)

    def _record(self, name: str, payload: dict[str, Any]) -> None:
        with self._changed:
            self.events.append((name, payload))
            self._changed.notify_all()

    def named(self, name: str) -> list[dict[str, Any]]:
        with self._changed:
            return [payload for event, payload in self.events if event == name]

    def wait_for(self, name: str, timeout: float = 10.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: any(e == name for e, _ in self.events), timeout)


def make_sdk(server: FaultServer, **settings: Any) -> SDK:
    credentials = make_credentials("123456789012")
    settings.setdefault("delivery_timeout", 10.0)
    return SDK(credentials.apikey, credentials.apisecret, endpoint_url=server.url, **settings)


def write_numbered(sdk: SDK, count: int) -> None:
    for n in range(count):
        sdk.write("faults", {"n": n, "pad": "x" * 50})


def numbers(server: FaultServer) -> list[int]:
    return sorted(int(record["n"]) for record in server.records())  # type: ignore[call-overload]


@pytest.mark.parametrize(
    "fault",
    [
        Fault(status=500, code="InternalError"),
        Fault(status=503, code="ServiceUnavailable"),
        Fault(status=400, code="AWS.SimpleQueueService.RequestThrottled"),
        Fault(status=400, code="ThrottlingException"),
        Fault(status=429, code="TooManyRequests"),
        Fault(reset=True),
    ],
    ids=["500", "503", "throttled", "throttling", "429", "reset"],
)
def test_retryable_fault_delivers_once(server: FaultServer, fault: Fault) -> None:
    server.faults.extend([fault, fault])
    sdk = make_sdk(server)
    events = EventLog(sdk)

    write_numbered(sdk, 50)
    assert sdk.flush(timeout=20) == 0

    assert numbers(server) == list(range(50))
    assert server.requests == 3
    assert sdk.stats.retried == 100
    assert sdk.stats.sent == 50
    assert events.named("error") == []
    sdk.close()


def test_partial_batch_resends_failed_entries(server: FaultServer) -> None:
    server.faults.append(Fault(fail_entries=(1, 3)))
    sdk = make_sdk(server, max_message_bytes=2048, max_batch_bytes=20480)
    events = EventLog(sdk)

    write_numbered(sdk, 300)
    assert sdk.flush(timeout=20) == 0

    assert numbers(server) == list(range(300))
    sends = events.named("send")
    assert sends[0]["messages"] == 10
    [resend] = [send for send in sends if send["attempt"] == 2]
    assert resend["messages"] == 2
    assert sdk.stats.retried == resend["records"]
    sdk.close()


def test_sender_fault_entry_is_not_retried(server: FaultServer) -> None:
    server.faults.append(Fault(fail_entries=(0,), sender_fault=True))
    sdk = make_sdk(server, max_message_bytes=2048, max_batch_bytes=20480)
    events = EventLog(sdk)

    write_numbered(sdk, 100)
    undelivered = sdk.flush(timeout=20)

    [error] = events.named("error")
    assert error["code"] == "InternalError"
    assert undelivered == error["records"]
    assert sdk.stats.failed == error["records"]
    assert len(numbers(server)) == 100 - error["records"]
    assert server.requests == 1
    assert sdk.flush(timeout=5) == 0
    sdk.close()


def test_access_denied_fails_without_retry(server: FaultServer) -> None:
    server.faults.append(Fault(status=403, code="AccessDenied"))
    sdk = make_sdk(server)
    events = EventLog(sdk)

    write_numbered(sdk, 5)

    assert sdk.flush(timeout=20) == 5
    assert server.requests == 1
    [error] = events.named("error")
    assert error["records"] == 5
    assert error["code"] == "AccessDenied"
    assert "HTTP 403" in error["message"]
    assert "check the API key and secret" in error["message"]
    assert sdk.stats.failed == 5
    sdk.close()


def test_slow_answer_times_out_and_retries(server: FaultServer) -> None:
    server.faults.append(Fault(delay=1.5, reset=True))
    sdk = make_sdk(server, request_timeout=0.3)

    write_numbered(sdk, 20)

    assert sdk.flush(timeout=20) == 0
    assert numbers(server) == list(range(20))
    assert sdk.stats.retried == 20
    sdk.close()


def test_slow_answer_within_timeout_is_awaited(server: FaultServer) -> None:
    server.faults.append(Fault(delay=0.5))
    sdk = make_sdk(server, request_timeout=5)

    write_numbered(sdk, 20)

    assert sdk.flush(timeout=20) == 0
    assert server.requests == 1
    assert sdk.stats.retried == 0
    sdk.close()


def test_refused_port_reports_after_deadline(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    credentials = make_credentials("123456789012")
    sdk = SDK(
        credentials.apikey,
        credentials.apisecret,
        endpoint_url=f"http://127.0.0.1:{port}",
        delivery_timeout=1.0,
    )
    events = EventLog(sdk)

    with caplog.at_level(logging.DEBUG, logger="panoply"):
        write_numbered(sdk, 7)
        assert sdk.flush(timeout=20) == 7

    [error] = events.named("error")
    assert error["records"] == 7
    assert error["code"] == "NetworkError"
    assert sdk.stats.failed == 7
    assert credentials.apisecret not in caplog.text
    assert credentials.apisecret not in repr(events.events)
    assert credentials.apisecret not in repr(sdk)
    sdk.close()


def test_raising_handler_keeps_sender_alive(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    sdk = make_sdk(server)

    def broken(payload: dict[str, Any]) -> None:
        raise RuntimeError("handler bug")

    sdk.on("send", broken)
    sdk.on("flush", broken)
    with caplog.at_level(logging.ERROR, logger="panoply"):
        write_numbered(sdk, 3)
        assert sdk.flush(timeout=10) == 0
        write_numbered(sdk, 3)
        assert sdk.flush(timeout=10) == 0

    assert len(server.records()) == 6
    assert "handler bug" in caplog.text
    sdk.close()


@pytest.mark.parametrize(
    "body",
    [b"<html>proxy login</html", b"", b"<html><body>proxy login</body></html>"],
    ids=["broken-html", "empty", "well-formed-html"],
)
def test_unreadable_answer_retried(server: FaultServer, body: bytes) -> None:
    server.faults.extend([Fault(body=body)] * 4)
    sdk = make_sdk(server)
    events = EventLog(sdk)

    write_numbered(sdk, 30)

    assert sdk.flush(timeout=20) == 0
    assert numbers(server) == list(range(30))
    assert server.requests == 5
    assert sdk.stats.retried == 120
    assert events.named("error") == []
    write_numbered(sdk, 5)
    assert sdk.flush(timeout=10) == 0
    sdk.close()


def test_entry_error_masks_secret(server: FaultServer, caplog: pytest.LogCaptureFixture) -> None:
    credentials = make_credentials("123456789012")
    server.faults.append(
        Fault(
            fail_entries=(0,),
            sender_fault=True,
            entry_message=f"bad secret={credentials.apisecret}",
        )
    )
    sdk = SDK(credentials.apikey, credentials.apisecret, endpoint_url=server.url)
    events = EventLog(sdk)

    with caplog.at_level(logging.DEBUG, logger="panoply"):
        write_numbered(sdk, 1)
        assert sdk.flush(timeout=10) == 1

    [error] = events.named("error")
    assert "bad secret=***" in error["message"]
    assert credentials.apisecret not in repr(events.events)
    assert credentials.apisecret not in caplog.text
    sdk.close()


def test_handler_system_exit_is_skipped(server: FaultServer) -> None:
    sdk = make_sdk(server)

    def exits(payload: dict[str, Any]) -> None:
        raise SystemExit(1)

    sdk.on("send", exits)
    write_numbered(sdk, 3)

    assert sdk.flush(timeout=10) == 0
    assert len(server.records()) == 3
    sdk.close()


def test_flush_ignores_later_writes(server: FaultServer) -> None:
    sdk = make_sdk(server)
    stop = threading.Event()

    def keep_writing() -> None:
        n = 1000
        while not stop.is_set():
            sdk.write("faults", {"n": n})
            n += 1

    write_numbered(sdk, 200)
    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        assert sdk.flush(timeout=20) == 0
    finally:
        stop.set()
        writer.join()

    assert set(range(200)) <= set(numbers(server))
    assert sdk.close(timeout=20) == 0


def test_second_close_returns_at_once(server: FaultServer) -> None:
    server.faults.append(Fault(delay=3.0, reset=True))
    sdk = make_sdk(server, request_timeout=10, max_connections=1)
    write_numbered(sdk, 5)

    assert sdk.close(timeout=0.5) == 5
    started = time.monotonic()
    assert sdk.close(timeout=5) == 0
    assert sdk.flush(timeout=5) == 0
    assert time.monotonic() - started < 1.0
