"""Smoke tests of the SQS session fixtures and the queue helper."""

from __future__ import annotations

import json

import pytest
from tests.support.localstack import AWS_ACCOUNT as LOCALSTACK_ACCOUNT
from tests.support.queues import PanoplyQueue, create_panoply_queue


def send_one(queue: PanoplyQueue, record: dict[str, object]) -> None:
    queue.sqs.send_message(
        QueueUrl=queue.queue_url,
        MessageBody=json.dumps(record) + "\n\n",
        MessageAttributes={"key": {"DataType": "String", "StringValue": queue.apikey}},
    )


def test_moto_queue_round_trips_record(moto_queue: PanoplyQueue) -> None:
    send_one(moto_queue, {"__table": "t", "n": 1})

    received = moto_queue.receive_all(1, timeout=10)

    assert received == [({"__table": "t", "n": 1}, {"key": moto_queue.apikey})]
    assert len(moto_queue.messages) == 1


def test_moto_queue_url_names_credentials(moto_queue: PanoplyQueue) -> None:
    credentials = moto_queue.credentials

    assert moto_queue.queue_url.endswith(
        f"/123456789012/sdk-{credentials.account}-{credentials.rand2}"
    )
    assert moto_queue.apikey.startswith(f"{credentials.account}/")


@pytest.mark.localstack
def test_localstack_queue_round_trips_record(localstack_sqs_url: str) -> None:
    queue = create_panoply_queue(localstack_sqs_url, LOCALSTACK_ACCOUNT)
    send_one(queue, {"__table": "t", "text": "żółw"})

    received = queue.receive_all(1, timeout=10)

    assert received == [({"__table": "t", "text": "żółw"}, {"key": queue.apikey})]
