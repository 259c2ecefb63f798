"""The client against LocalStack, which checks messages the way AWS SQS does.

LocalStack rejects a message over the queue's size limit (body plus attributes, in
UTF-8 bytes) and a body with characters outside the XML character range, so a
message the client sizes or escapes wrongly fails here where moto accepts it.
LocalStack parses Query requests slowly, so each test sends only a few requests.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.conformance.conftest import QUEUE_MAX_MESSAGE_BYTES
from tests.support.queues import PanoplyQueue

from panoply import SDK, __version__
from panoply.errors import RecordTooLargeError

pytestmark = pytest.mark.localstack

# Short enough that a rejected message fails the test quickly instead of retrying.
DELIVERY_TIMEOUT = 30.0
RECEIVE_TIMEOUT = 30.0
# Two-, three- and four-byte UTF-8 characters among ASCII ones.
MULTI_BYTE_TEXT = "zażółć gęślą jaźń, € 5, 東京, 𝄞 🙂 "
# Every character SQS rejects in a body: C0 controls other than tab, LF and CR, then
# U+FFFE, U+FFFF and lone surrogates (never a high one followed by a low one, which
# JSON would read back as one astral character).
REJECTED_CONTROLS = "".join(chr(code) for code in range(0x20) if chr(code) not in "\t\n\r")
REJECTED_NONCHARACTERS_SURROGATES = "\ufffe\uffff\udfff\ud800\udbff"
REJECTED_CHARACTERS = REJECTED_CONTROLS + REJECTED_NONCHARACTERS_SURROGATES


def open_client(queue: PanoplyQueue, **settings: Any) -> tuple[SDK, list[dict[str, Any]]]:
    """Return a client for `queue` and the list its `send` and `error` events land in."""
    sdk = SDK(
        queue.apikey,
        queue.apisecret,
        endpoint_url=queue.endpoint_url,
        delivery_timeout=DELIVERY_TIMEOUT,
        **settings,
    )
    events: list[dict[str, Any]] = []
    sdk.on("send", lambda payload: events.append({"event": "send", **payload}))
    sdk.on(
        "error", lambda payload: events.append({"event": "error", "message": payload["message"]})
    )
    return sdk, events


def expected_attributes(queue: PanoplyQueue) -> dict[str, str]:
    return {"key": queue.apikey, "secret": queue.apisecret, "sdk": f"panoply-python-{__version__}"}


def attributes_size(queue: PanoplyQueue) -> int:
    """Bytes SQS counts for the client's attributes: name, data type and value of each."""
    return sum(
        len(name.encode()) + len("String") + len(value.encode())
        for name, value in expected_attributes(queue).items()
    )


def message_size(queue: PanoplyQueue, message: dict[str, Any]) -> int:
    return len(message["Body"].encode()) + attributes_size(queue)


def multi_byte_text(length: int, rng: random.Random) -> str:
    start = rng.randrange(len(MULTI_BYTE_TEXT))
    repeated = MULTI_BYTE_TEXT * (length // len(MULTI_BYTE_TEXT) + 2)
    return repeated[start : start + length]


def test_records_arrive_exactly(localstack_queue: PanoplyQueue) -> None:
    records = [
        {"id": 1, "name": "plain", "score": 0.1, "active": True, "missing": None},
        {"id": 2, "name": "żółw 東京 🙂", "tags": ["a", "b"], "nested": {"x": [1, {"y": None}]}},
        {"id": 3, "big": 2**63 - 1, "negative": -(2**63), "tiny": 5e-324, "empty": ""},
        {"id": 4, "quote": 'say "hi"\\ now', "lines": "one\ntwo\r\nthree\ttab"},
    ]
    sdk, events = open_client(localstack_queue)

    with sdk:
        for record in records:
            sdk.write("events", record)
        sdk.write("other_table", {"id": 5})

    received = localstack_queue.receive_all(5, timeout=RECEIVE_TIMEOUT)
    by_id = {record["id"]: (record, attributes) for record, attributes in received}

    assert [event for event in events if event["event"] == "error"] == []
    assert len(received) == 5
    for record in records:
        assert by_id[record["id"]] == (
            {**record, "__table": "events"},
            expected_attributes(localstack_queue),
        )
    assert by_id[5] == ({"id": 5, "__table": "other_table"}, expected_attributes(localstack_queue))


def test_full_messages_stay_within_limit(localstack_queue: PanoplyQueue) -> None:
    rng = random.Random(20240521)
    records = [
        {"id": index, "text": multi_byte_text(rng.randrange(1_000, 12_000), rng)}
        for index in range(60)
    ]
    sdk, events = open_client(localstack_queue, max_message_bytes=QUEUE_MAX_MESSAGE_BYTES)

    for record in records:
        sdk.write("texts", record)
    undelivered = sdk.close()

    received = localstack_queue.receive_all(60, timeout=RECEIVE_TIMEOUT)
    sizes = [message_size(localstack_queue, message) for message in localstack_queue.messages]

    assert [event for event in events if event["event"] == "error"] == []
    assert undelivered == 0
    assert sorted((record for record, _ in received), key=lambda record: record["id"]) == [
        {**record, "__table": "texts"} for record in records
    ]
    assert max(sizes) <= QUEUE_MAX_MESSAGE_BYTES
    # Near the limit, so a client counting characters instead of bytes would overshoot.
    assert max(sizes) > 0.9 * QUEUE_MAX_MESSAGE_BYTES


@pytest.mark.parametrize(
    "record",
    [
        pytest.param({"text": f"before {REJECTED_CHARACTERS} after"}, id="value"),
        pytest.param({"list": list(REJECTED_CHARACTERS)}, id="list-items"),
        pytest.param({f"key {REJECTED_CONTROLS}": "value"}, id="key-controls"),
        pytest.param(
            {f"key {REJECTED_NONCHARACTERS_SURROGATES}": "value"}, id="key-noncharacters-surrogates"
        ),
    ],
)
def test_rejected_characters_round_trip(
    localstack_queue: PanoplyQueue, record: dict[str, Any]
) -> None:
    sdk, events = open_client(localstack_queue)

    with sdk:
        sdk.write("controls", record)

    received = localstack_queue.receive_all(1, timeout=RECEIVE_TIMEOUT)

    assert [event for event in events if event["event"] == "error"] == []
    assert received == [({**record, "__table": "controls"}, expected_attributes(localstack_queue))]


def test_batches_carry_ten_messages(localstack_queue: PanoplyQueue) -> None:
    # A 2 KiB message limit and 1.5 KB records leave one record per message, so 30
    # records make 30 messages, which fill three SendMessageBatch requests of 10.
    records = [{"id": index, "padding": "p" * 1_500} for index in range(30)]
    sdk, events = open_client(localstack_queue, max_message_bytes=2_048)

    for record in records:
        sdk.write("padded", record)
    undelivered = sdk.close()

    received = localstack_queue.receive_all(30, timeout=RECEIVE_TIMEOUT)

    assert undelivered == 0
    assert [event["messages"] for event in events if event["event"] == "send"] == [10, 10, 10]
    assert len(localstack_queue.messages) == 30
    assert sorted(record["id"] for record, _ in received) == list(range(30))


def test_record_over_limit_rejected_at_write(localstack_queue: PanoplyQueue) -> None:
    # The record's compact JSON line is all a one-record message body holds, so a record
    # of exactly limit - attributes bytes fills a message to the queue's limit.
    max_line_bytes = QUEUE_MAX_MESSAGE_BYTES - attributes_size(localstack_queue)
    empty_line = json.dumps({"pad": "", "__table": "big"}, separators=(",", ":"))
    largest = {"pad": "x" * (max_line_bytes - len(empty_line))}
    too_large = {"pad": "x" * (max_line_bytes - len(empty_line) + 1)}
    sdk, events = open_client(localstack_queue, max_message_bytes=QUEUE_MAX_MESSAGE_BYTES)

    with sdk:
        with pytest.raises(RecordTooLargeError, match=f"{max_line_bytes + 1} bytes"):
            sdk.write("big", too_large)
        sdk.write("big", largest)

    received = localstack_queue.receive_all(1, timeout=RECEIVE_TIMEOUT)

    assert [event for event in events if event["event"] == "error"] == []
    assert received == [({**largest, "__table": "big"}, expected_attributes(localstack_queue))]
    assert message_size(localstack_queue, localstack_queue.messages[0]) == QUEUE_MAX_MESSAGE_BYTES
    assert sdk.stats.written == 1


def test_server_rejects_control_character(localstack_queue: PanoplyQueue) -> None:
    # Shows the server under test is strict: without the client's escaping this fails.
    with pytest.raises(ClientError) as raised:
        localstack_queue.sqs.send_message(
            QueueUrl=localstack_queue.queue_url, MessageBody='{"text":"\u0001"}'
        )

    assert raised.value.response["Error"]["Code"] == "InvalidMessageContents"
