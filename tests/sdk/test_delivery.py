"""The client against moto's SQS server: every record comes back exactly."""

from __future__ import annotations

import datetime
import decimal
import threading
import uuid

import pytest
from tests.support.queues import PanoplyQueue

from panoply import SDK, __version__


def test_records_arrive_with_attributes(moto_queue: PanoplyQueue) -> None:
    records = [{"n": n, "text": f"row {n}", "ok": n % 2 == 0} for n in range(25)]
    with SDK(moto_queue.apikey, moto_queue.apisecret, endpoint_url=moto_queue.endpoint_url) as sdk:
        for record in records:
            sdk.write("events", record)
        assert sdk.flush(timeout=30) == 0

    received = moto_queue.receive_all(25)
    assert [record for record, _ in received] == [{**r, "__table": "events"} for r in records]
    for _, attributes in received:
        assert attributes == {
            "key": moto_queue.apikey,
            "secret": moto_queue.apisecret,
            "sdk": f"panoply-python-{__version__}",
        }


def test_value_mapping_round_trip(moto_queue: PanoplyQueue) -> None:
    record = {
        "when": datetime.datetime(2026, 1, 2, 3, 4, 5, 600000),
        "aware": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
        "day": datetime.date(2026, 1, 2),
        "clock": datetime.time(7, 8, 9),
        "price": decimal.Decimal("19.990"),
        "id": uuid.UUID("0f8c6a6e-0000-4000-8000-000000000000"),
        "blob": b"\x00\xff",
        "tags": {"b", "a"},
        "pair": (1, 2),
        "nan": float("nan"),
        "huge": 2**70,
        "controls": "tab\there\x01\x1f\ufffe\uffff end",
        7: "int key",
    }
    with SDK(moto_queue.apikey, moto_queue.apisecret, endpoint_url=moto_queue.endpoint_url) as sdk:
        sdk.write("types", record)
        assert sdk.flush(timeout=30) == 0

    [(received, _)] = moto_queue.receive_all(1)
    assert received == {
        "when": "2026-01-02T03:04:05.600000",
        "aware": "2026-01-02T03:04:05+00:00",
        "day": "2026-01-02",
        "clock": "07:08:09",
        "price": 19.99,
        "id": "0f8c6a6e-0000-4000-8000-000000000000",
        "blob": "AP8=",
        "tags": ["a", "b"],
        "pair": [1, 2],
        "nan": None,
        "huge": 2**70,
        "controls": "tab\there\x01\x1f\ufffe\uffff end",
        "7": "int key",
        "__table": "types",
    }


def test_many_threads_write_once_each(moto_queue: PanoplyQueue) -> None:
    sdk = SDK(moto_queue.apikey, moto_queue.apisecret, endpoint_url=moto_queue.endpoint_url)
    start = threading.Barrier(8)

    def write_some(thread: int) -> None:
        start.wait()
        for n in range(250):
            sdk.write("threads", {"thread": thread, "n": n})

    threads = [threading.Thread(target=write_some, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sdk.close(timeout=60) == 0

    received = moto_queue.receive_all(2000, timeout=30)
    pairs = sorted((record["thread"], record["n"]) for record, _ in received)
    assert pairs == [(t, n) for t in range(8) for n in range(250)]
    assert sdk.stats.sent == 2000
    assert sdk.stats.queued == 0


@pytest.mark.parametrize("limit", [2048, 8192])
def test_messages_stay_under_limit(moto_queue: PanoplyQueue, limit: int) -> None:
    with SDK(
        moto_queue.apikey,
        moto_queue.apisecret,
        endpoint_url=moto_queue.endpoint_url,
        max_message_bytes=limit,
        max_batch_bytes=limit * 10,
    ) as sdk:
        for n in range(300):
            sdk.write("sized", {"n": n, "text": "é" * 40})
        assert sdk.flush(timeout=30) == 0

    received = moto_queue.receive_all(300)
    assert sorted(record["n"] for record, _ in received) == list(range(300))
    attributes = sum(
        len(name) + len("String") + len(value.encode()) for name, value in received[0][1].items()
    )
    sizes = [len(message["Body"].encode()) + attributes for message in moto_queue.messages]
    assert max(sizes) <= limit
    assert max(sizes) > limit - 200
