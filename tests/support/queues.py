"""Panoply credentials and the matching SQS queue on a local server, for tests.

A Panoply API key is `ACCOUNT/RAND1` and the secret is base64 of
`RAND2/UUID/AWSACCOUNT/REGION`; the client sends to queue `sdk-ACCOUNT-RAND2` in that
AWS account. `create_panoply_queue` makes fresh credentials, creates their queue and
returns a `PanoplyQueue` that reads back what the client sent.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import boto3

REGION = "us-east-1"
# Long enough that a message never becomes visible again while a test drains the queue,
# so the helper needs no DeleteMessage requests.
VISIBILITY_TIMEOUT_SECONDS = 900
MAX_WAIT_SECONDS = 2


@dataclass(frozen=True)
class PanoplyCredentials:
    """A Panoply API key and secret that point at `queue_name` in `aws_account`."""

    account: str
    rand2: str
    aws_account: str
    region: str
    apikey: str
    apisecret: str = field(repr=False)

    @property
    def queue_name(self) -> str:
        return f"sdk-{self.account}-{self.rand2}"


def make_credentials(aws_account: str, region: str = REGION) -> PanoplyCredentials:
    """Build a fresh key and secret with random account and queue names."""
    account = f"acct{secrets.token_hex(4)}"
    rand2 = secrets.token_hex(6)
    apikey = f"{account}/{secrets.token_hex(8)}"
    plain_secret = f"{rand2}/{uuid.uuid4()}/{aws_account}/{region}"
    apisecret = base64.b64encode(plain_secret.encode("ascii")).decode("ascii")
    return PanoplyCredentials(account, rand2, aws_account, region, apikey, apisecret)


class PanoplyQueue:
    """A queue on a local SQS server and the credentials whose messages land in it.

    `messages` collects every SQS message `receive_all` has read, so a test can
    compare the message count with the record count.
    """

    def __init__(self, endpoint_url: str, credentials: PanoplyCredentials, sqs: Any) -> None:
        self.endpoint_url = endpoint_url
        self.credentials = credentials
        self.apikey = credentials.apikey
        self.apisecret = credentials.apisecret
        # Built from the endpoint as the client builds it, not taken from the server.
        self.queue_url = f"{endpoint_url}/{credentials.aws_account}/{credentials.queue_name}"
        self.sqs = sqs
        self.messages: list[dict[str, Any]] = []

    def __repr__(self) -> str:
        return f"PanoplyQueue({self.queue_url!r})"

    def receive_all(
        self, expected_count: int, timeout: float = 10.0
    ) -> list[tuple[dict[str, Any], dict[str, str]]]:
        """Receive until `expected_count` records arrived or `timeout` seconds passed.

        Returns one `(record, attributes)` pair per JSON line, in arrival order, where
        `attributes` maps each message attribute name to its string value. Returns
        fewer pairs on timeout, and may return more when the last message had more.
        """
        received: list[tuple[dict[str, Any], dict[str, str]]] = []
        deadline = time.monotonic() + timeout

        while len(received) < expected_count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            for message in self._receive_batch(min(MAX_WAIT_SECONDS, max(1, int(remaining)))):
                self.messages.append(message)
                received.extend(parse_message(message))

        return received

    def _receive_batch(self, wait_seconds: int) -> list[dict[str, Any]]:
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=wait_seconds,
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        return messages


def parse_message(message: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, str]]]:
    """Split one SQS message into its JSON-line records, each with the attributes."""
    attributes = {
        name: value["StringValue"] for name, value in message.get("MessageAttributes", {}).items()
    }
    lines = [line for line in message["Body"].split("\n") if line.strip()]
    return [(json.loads(line), attributes) for line in lines]


def sqs_client(endpoint_url: str, region: str = REGION) -> Any:
    """Return a boto3 SQS client for a local server, with dummy AWS credentials."""
    return boto3.client(
        "sqs",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def create_panoply_queue(
    endpoint_url: str, aws_account: str, attributes: dict[str, str] | None = None
) -> PanoplyQueue:
    """Create fresh credentials and their queue on the server at `endpoint_url`."""
    credentials = make_credentials(aws_account)
    sqs = sqs_client(endpoint_url, credentials.region)
    queue_attributes = {"VisibilityTimeout": str(VISIBILITY_TIMEOUT_SECONDS), **(attributes or {})}
    sqs.create_queue(QueueName=credentials.queue_name, Attributes=queue_attributes)
    return PanoplyQueue(endpoint_url, credentials, sqs)
