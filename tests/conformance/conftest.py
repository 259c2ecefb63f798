"""Fixtures for the LocalStack conformance suite."""

from __future__ import annotations

import pytest
from tests.support.localstack import AWS_ACCOUNT
from tests.support.queues import PanoplyQueue, create_panoply_queue

# The SQS message size limit of every queue until August 2025, which LocalStack enforces
# on body plus attributes in UTF-8 bytes like AWS does.
QUEUE_MAX_MESSAGE_BYTES = 262_144


@pytest.fixture
def localstack_queue(localstack_sqs_url: str) -> PanoplyQueue:
    """A fresh LocalStack queue with a 256 KiB message limit and credentials for it."""
    return create_panoply_queue(
        localstack_sqs_url,
        AWS_ACCOUNT,
        attributes={"MaximumMessageSize": str(QUEUE_MAX_MESSAGE_BYTES)},
    )
