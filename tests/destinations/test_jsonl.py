"""The JSON-lines destination: exact lines per table and the checkpoint file."""

from __future__ import annotations

import datetime as dt
import math
import stat
from decimal import Decimal
from pathlib import Path

import orjson

from panoply.destinations import Checkpoint, TableBatch
from panoply.destinations.jsonl import JsonLinesDestination, table_file_name


def test_lines_appended_per_table(tmp_path: Path) -> None:
    destination = JsonLinesDestination(tmp_path / "out")
    destination.write(
        [
            TableBatch("my table", [{"id": 1, "__table": "my table", "n": {"a": [1, None]}}]),
            TableBatch("other", [{"x": True}], key="x"),
        ],
        None,
    )
    destination.write([TableBatch("my table", [{"id": 1}])], None)

    assert (tmp_path / "out" / "my table.jsonl").read_bytes() == (
        b'{"id":1,"__table":"my table","n":{"a":[1,null]}}\n{"id":1}\n'
    )
    assert (tmp_path / "out" / "other.jsonl").read_bytes() == b'{"x":true}\n'


def test_values_json_lacks_are_encoded(tmp_path: Path) -> None:
    record = {
        "when": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
        "day": dt.date(2024, 1, 2),
        "price": Decimal("1.50"),
        "raw": b"\x00\xff",
        "nan": math.nan,
        "inf": [math.inf, -math.inf],
        "big": 2**70,
    }
    destination = JsonLinesDestination(tmp_path)
    destination.write([TableBatch("t", [record])], None)

    assert (tmp_path / "t.jsonl").read_text() == (
        '{"when":"2024-01-02T03:04:05+00:00","day":"2024-01-02","price":"1.50",'
        '"raw":"AP8=","nan":"NaN","inf":["Infinity","-Infinity"],'
        '"big":"1180591620717411303424"}\n'
    )


def test_checkpoint_file_round_trip(tmp_path: Path) -> None:
    destination = JsonLinesDestination(tmp_path)
    state = {"since": dt.datetime(2024, 1, 2, 3, 4), "price": Decimal("9.99")}
    destination.write([TableBatch("t", [{"a": 1}])], Checkpoint("s1", state, {"id": "s1"}))
    destination.write([], Checkpoint("s2", {"page": 3}))

    reopened = JsonLinesDestination(tmp_path)
    assert reopened.read_checkpoint("s1") == Checkpoint("s1", state, {"id": "s1"})
    assert reopened.read_checkpoint("s2") == Checkpoint("s2", {"page": 3})
    assert reopened.read_checkpoint("s3") is None

    path = tmp_path / "_panoply_checkpoints.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = orjson.loads(path.read_bytes())
    assert stored["s1"]["state"] == {
        "since": {"$panoply": "datetime", "value": "2024-01-02T03:04:00"},
        "price": {"$panoply": "decimal", "value": "9.99"},
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_panoply_checkpoints.json", "t.jsonl"]


def test_unsafe_table_names_stay_in_directory() -> None:
    assert table_file_name("a/b") == "a%2Fb.jsonl"
    assert table_file_name("..") == "%2E%2E.jsonl"
    assert table_file_name("50% off") == "50%25 off.jsonl"
    assert table_file_name("Mixed Case") == "Mixed Case.jsonl"
