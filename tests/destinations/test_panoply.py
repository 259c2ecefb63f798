"""The Panoply destination against moto's SQS server on 127.0.0.1."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import pytest
from tests.support.queues import PanoplyQueue

from panoply.destinations import Checkpoint, TableBatch, open_destination
from panoply.destinations.panoply import PanoplyDestination
from panoply.errors import PanoplyException
from panoply.sdk import SDK


def test_records_delivered_then_checkpoint_saved(
    moto_queue: PanoplyQueue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PANOPLY_API_KEY", moto_queue.apikey)
    monkeypatch.setenv("PANOPLY_API_SECRET", moto_queue.apisecret)
    monkeypatch.setenv("PANOPLY_ENDPOINT_URL", moto_queue.endpoint_url)
    checkpoints = tmp_path / "state" / "checkpoints.json"

    with open_destination(f"panoply://{checkpoints}") as destination:
        assert isinstance(destination, PanoplyDestination)
        batches = [
            TableBatch("users", [{"id": 1, "name": "Ann"}, {"id": 2, "__table": "ignored"}]),
            TableBatch("my events", [{"n": 1.5}], key="id"),
        ]
        destination.write(batches, Checkpoint("s1", {"page": 2}, {"id": "s1"}))

        received = moto_queue.receive_all(3)
        assert destination.read_checkpoint("s1") == Checkpoint("s1", {"page": 2}, {"id": "s1"})

    records = sorted((record for record, _ in received), key=repr)
    assert records == sorted(
        [
            {"id": 1, "name": "Ann", "__table": "users"},
            {"id": 2, "__table": "users"},
            {"n": 1.5, "__table": "my events"},
        ],
        key=repr,
    )
    assert {attributes["key"] for _, attributes in received} == {moto_queue.apikey}
    assert stat.S_IMODE(checkpoints.stat().st_mode) == 0o600
    assert moto_queue.apisecret not in checkpoints.read_text()


def test_undelivered_records_keep_old_checkpoint(moto_queue: PanoplyQueue, tmp_path: Path) -> None:
    # A port that refuses connections: bound, never listening, closed after the test.
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{unused.getsockname()[1]}"
        sdk = SDK(
            moto_queue.apikey,
            moto_queue.apisecret,
            endpoint_url=endpoint,
            delivery_timeout=0.5,
            flush_interval=0.05,
        )
        destination = PanoplyDestination(sdk, tmp_path / "c.json")
        try:
            with pytest.raises(PanoplyException, match="1 of the 1 records written were not"):
                destination.write([TableBatch("t", [{"a": 1}])], Checkpoint("s", {"n": 1}))
        finally:
            destination.close()

    assert destination.read_checkpoint("s") is None
    assert not (tmp_path / "c.json").exists()
