"""What write() and the constructor accept, reject and report."""

from __future__ import annotations

import base64
import datetime
import logging
from typing import Any

import pytest
from tests.support.fault_sqs import Fault, FaultServer, fault_server
from tests.support.queues import make_credentials

from panoply import SDK
from panoply.errors import (
    BufferFullError,
    ClientClosedError,
    ConfigurationError,
    CredentialsError,
    RecordError,
    RecordTooLargeError,
)

SECRET_TEXT = "r4nd/0f8c6a6e-0000-4000-8000-000000000000/123456789012/us-east-1"
SECRET = base64.b64encode(SECRET_TEXT.encode()).decode()


@pytest.fixture
def server() -> Any:
    with fault_server() as running:
        yield running


def test_queue_url_from_credentials() -> None:
    sdk = SDK("acme/k3y", SECRET)
    assert sdk.queue_url == "https://sqs.us-east-1.amazonaws.com/123456789012/sdk-acme-r4nd"


def test_endpoint_url_keeps_queue_path(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (
        SDK("acme/k3y", SECRET, endpoint_url="http://127.0.0.1:9/").queue_url
        == "http://127.0.0.1:9/123456789012/sdk-acme-r4nd"
    )
    monkeypatch.setenv("PANOPLY_ENDPOINT_URL", "http://localhost:4566")
    assert SDK("acme/k3y", SECRET).queue_url == "http://localhost:4566/123456789012/sdk-acme-r4nd"


@pytest.mark.parametrize(
    ("apikey", "apisecret", "part"),
    [
        ("acme", SECRET, "API key must have the form 'ACCOUNT/KEY'"),
        ("/k3y", SECRET, "API key must have the form 'ACCOUNT/KEY'"),
        (None, SECRET, "API key must be a str like 'ACCOUNT/KEY', got NoneType"),
        ("", SECRET, "API key is empty"),
        ("acme/k3y", "not base64!", "API secret is not valid base64"),
        ("acme/k3y", base64.b64encode(b"a/b/c").decode(), "decodes to 3 '/'-separated parts"),
        (
            "acme/k3y",
            base64.b64encode(b"r/u/12345/us-east-1").decode(),
            "third part must be a 12-digit AWS account id",
        ),
        (
            "acme/k3y",
            base64.b64encode(b"r/u/123456789012/Mars").decode(),
            "fourth part must be an AWS region",
        ),
        ("acme/k3y", "", "API secret is empty"),
        ("acme/k3y", 42, "API secret must be a str, got int"),
    ],
)
def test_malformed_credentials_name_the_part(apikey: Any, apisecret: Any, part: str) -> None:
    with pytest.raises(CredentialsError) as caught:
        SDK(apikey, apisecret)
    assert part in str(caught.value)
    if isinstance(apisecret, str) and apisecret:
        assert apisecret not in str(caught.value)


def test_secret_absent_from_repr() -> None:
    sdk = SDK("acme/k3y", SECRET)
    assert SECRET not in repr(sdk)
    assert SECRET not in repr(sdk._credentials)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("flush_interval", 0),
        ("delivery_timeout", -1),
        ("max_message_bytes", 100),
        ("max_buffer_bytes", 10),
        ("overflow", "explode"),
        ("block_timeout", "x"),
        ("block_timeout", -5),
        ("block_timeout", float("nan")),
        ("max_connections", 0),
        ("endpoint_url", "ftp://127.0.0.1"),
    ],
)
def test_invalid_setting_fails_at_construction(setting: str, value: Any) -> None:
    with pytest.raises(ConfigurationError) as caught:
        SDK("acme/k3y", SECRET, **{setting: value})
    assert setting.split("_url", maxsplit=1)[0] in str(caught.value)


@pytest.mark.parametrize("table", ["", None, 7])
def test_bad_table_name_rejected(table: Any) -> None:
    sdk = SDK("acme/k3y", SECRET)
    with pytest.raises(RecordError, match="tablename must be a non-empty str"):
        sdk.write(table, {"a": 1})
    assert sdk.stats.written == 0


def test_unencodable_value_names_path() -> None:
    sdk = SDK("acme/k3y", SECRET)
    with pytest.raises(RecordError) as caught:
        sdk.write("t", {"user": {"tags": ["ok", object()]}})
    assert "['user']['tags'][1]" in str(caught.value)
    assert "type object" in str(caught.value)
    assert sdk.stats.written == 0


@pytest.mark.parametrize("depth", [300, 2000])
def test_deep_nesting_raises_record_error(depth: int) -> None:
    sdk = SDK("acme/k3y", SECRET)
    nested: list[object] = []
    for _ in range(depth):
        nested = [nested]
    with pytest.raises(RecordError, match="more than 254 levels deep"):
        sdk.write("t", {"deep": nested})
    assert sdk.stats.written == 0


def test_self_containing_record_rejected() -> None:
    sdk = SDK("acme/k3y", SECRET)
    record: dict[str, object] = {"a": 1}
    record["self"] = record
    with pytest.raises(RecordError, match="or contains itself"):
        sdk.write("t", record)


def test_non_mapping_record_rejected() -> None:
    sdk = SDK("acme/k3y", SECRET)
    with pytest.raises(RecordError, match="got list"):
        sdk.write("t", [1, 2])  # type: ignore[arg-type]


def test_oversized_record_gives_both_sizes() -> None:
    sdk = SDK("acme/k3y", SECRET, max_message_bytes=4096)
    with pytest.raises(RecordTooLargeError) as caught:
        sdk.write("big", {"text": "secret-looking-content" * 500})
    message = str(caught.value)
    assert "encodes to 11027 bytes" in message
    assert "over the 3950-byte limit" in message
    assert "secret-looking-content" not in message
    assert sdk.stats.written == 0


def test_mutation_after_write_is_ignored(server: FaultServer) -> None:
    credentials = make_credentials("123456789012")
    sdk = SDK(credentials.apikey, credentials.apisecret, endpoint_url=server.url)
    record = {"n": 1, "items": [1]}
    sdk.write("t", record)
    record["n"] = 2
    record["items"].append(2)

    assert sdk.flush(timeout=10) == 0
    assert server.records() == [{"n": 1, "items": [1], "__table": "t"}]
    sdk.close()


def test_write_after_close_raises(server: FaultServer) -> None:
    credentials = make_credentials("123456789012")
    sdk = SDK(credentials.apikey, credentials.apisecret, endpoint_url=server.url)
    sdk.write("t", {"n": 1})
    assert sdk.close(timeout=10) == 0
    assert sdk.close(timeout=10) == 0
    with pytest.raises(ClientClosedError):
        sdk.write("t", {"n": 2})
    assert len(server.records()) == 1


def test_no_thread_before_first_write() -> None:
    sdk = SDK("acme/k3y", SECRET)
    assert sdk._sender._thread is None
    assert sdk.flush(timeout=1) == 0
    assert sdk.close() == 0


def small_buffer_sdk(server: FaultServer, **settings: Any) -> SDK:
    """A client whose 4 KiB buffer fills while its one connection waits on `server`."""
    credentials = make_credentials("123456789012")
    return SDK(
        credentials.apikey,
        credentials.apisecret,
        endpoint_url=server.url,
        max_message_bytes=2048,
        max_batch_bytes=2048,
        max_buffer_bytes=4096,
        flush_interval=0.01,
        max_connections=1,
        **settings,
    )


def test_full_buffer_blocks_then_raises(server: FaultServer) -> None:
    server.faults.append(Fault(delay=2.0))
    sdk = small_buffer_sdk(server, block_timeout=0.2)
    accepted = 0
    with pytest.raises(BufferFullError, match="max_buffer_bytes or block_timeout"):
        for n in range(1000):
            sdk.write("t", {"n": n, "pad": "x" * 60})
            accepted += 1

    assert 40 < accepted < 1000
    assert sdk.flush(timeout=20) == 0
    assert sorted(r["n"] for r in server.records()) == list(range(accepted))  # type: ignore[type-var]
    sdk.close()


def test_full_buffer_drops_and_counts(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.faults.append(Fault(delay=1.0))
    sdk = small_buffer_sdk(server, overflow="drop")
    with caplog.at_level(logging.WARNING, logger="panoply"):
        for n in range(500):
            sdk.write("t", {"n": n, "pad": "x" * 60})

    dropped = sdk.stats.dropped
    assert dropped > 0
    assert sdk.flush(timeout=20) == dropped
    assert len(server.records()) == 500 - dropped
    assert sdk.stats.written == 500 - dropped
    warnings = [r for r in caplog.records if "dropped" in r.getMessage()]
    assert len(warnings) == 1
    assert "max_buffer_bytes" in warnings[0].getMessage()
    sdk.close()


def test_colliding_keys_rejected() -> None:
    sdk = SDK("acme/k3y", SECRET)
    with pytest.raises(RecordError, match="collide: '1' becomes the JSON key '1'"):
        sdk.write("t", {1: "int", "1": "str"})
    assert sdk.stats.written == 0


def test_key_and_time_mapping() -> None:
    from panoply._encoding import encode_record

    record = {None: "n", 7: "i", "t": datetime.time(1, 2, tzinfo=datetime.timezone.utc)}
    assert encode_record("t", record) == (
        b'{"null":"n","7":"i","t":"01:02:00+00:00","__table":"t"}'
    )
