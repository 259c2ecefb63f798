"""Panoply's queue protocol: credentials, the queue URL, and SQS requests and responses.

Panoply's intake reads an Amazon SQS queue per account. Requests are unsigned
Query API calls to the queue URL; the API key and secret travel as message
attributes, which the queue's policy checks.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree

from panoply import __version__
from panoply.errors import ConfigurationError, CredentialsError

__all__ = [
    "SDK_NAME",
    "BatchResult",
    "Credentials",
    "EntryFailure",
    "ServiceError",
    "build_batch_request",
    "message_attributes_size",
    "parse_batch_response",
    "parse_error_response",
    "queue_url",
]

SDK_NAME = f"panoply-python-{__version__}"

MAX_BATCH_ENTRIES = 10
"""SQS accepts at most 10 entries in one SendMessageBatch request."""

_ATTRIBUTE_TYPE = "String"
_SQS_API_VERSION = "2012-11-05"
_REGION_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_AWS_ACCOUNT_PATTERN = re.compile(r"^\d{12}$")
_QUEUE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,80}$")

CREDENTIAL_ERROR_CODES = frozenset(
    {
        "AWS.SimpleQueueService.NonExistentQueue",
        "NonExistentQueue",
        "QueueDoesNotExist",
        "AccessDenied",
        "AccessDeniedException",
        "InvalidClientTokenId",
    }
)

THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "RequestThrottled",
        "Throttling",
        "AWS.SimpleQueueService.RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "SlowDown",
    }
)


@dataclass(frozen=True)
class Credentials:
    """A Panoply API key and secret, and what they name.

    The secret is kept because it must travel with every message, but it is left
    out of `repr` and of every error message.
    """

    apikey: str
    apisecret: str = field(repr=False)
    account: str
    aws_account: str
    region: str
    queue_name: str

    @classmethod
    def parse(cls, apikey: object, apisecret: object) -> Credentials:
        """Check and decode a key and secret, naming the malformed part on error."""
        apikey, account = _parse_apikey(apikey)
        apisecret, rand2, aws_account, region = _parse_apisecret(apisecret)

        queue_name = f"sdk-{account}-{rand2}"
        if not _QUEUE_NAME_PATTERN.match(queue_name):
            raise CredentialsError(
                f"the API key's account {account!r} and the API secret's first part give the "
                "queue name, which must be 1-80 letters, digits, '-' or '_'; copy the key and "
                "secret again from Panoply's settings"
            )
        return cls(apikey, apisecret, account, aws_account, region, queue_name)


def _parse_apikey(apikey: object) -> tuple[str, str]:
    if not isinstance(apikey, str):
        raise CredentialsError(
            f"the API key must be a str like 'ACCOUNT/KEY', got {type(apikey).__name__}"
        )
    if not apikey:
        raise CredentialsError("the API key is empty; copy it from Panoply's settings")
    account, slash, rest = apikey.partition("/")
    if not slash or not account or not rest:
        raise CredentialsError(
            "the API key must have the form 'ACCOUNT/KEY' with a non-empty account name "
            f"before the first '/', got {apikey!r}"
        )
    return apikey, account


def _parse_apisecret(apisecret: object) -> tuple[str, str, str, str]:
    if not isinstance(apisecret, str):
        raise CredentialsError(f"the API secret must be a str, got {type(apisecret).__name__}")
    if not apisecret:
        raise CredentialsError("the API secret is empty; copy it from Panoply's settings")
    try:
        decoded = base64.b64decode(apisecret, validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        raise CredentialsError(
            "the API secret is not valid base64 of ASCII text; copy it again from Panoply's "
            "settings (the secret is not shown here)"
        ) from None

    parts = decoded.split("/")
    if len(parts) != 4:
        raise CredentialsError(
            "the API secret decodes to "
            f"{len(parts)} '/'-separated parts, expected 4 (RAND/UUID/AWSACCOUNT/REGION); "
            "copy it again from Panoply's settings (the secret is not shown here)"
        )
    rand2, _uuid, aws_account, region = parts
    if not rand2:
        raise CredentialsError("the API secret's first part (the queue suffix) is empty")
    if not _AWS_ACCOUNT_PATTERN.match(aws_account):
        raise CredentialsError(
            "the API secret's third part must be a 12-digit AWS account id, "
            f"got {len(aws_account)} characters"
        )
    if not _REGION_PATTERN.match(region):
        raise CredentialsError(
            "the API secret's fourth part must be an AWS region such as 'us-east-1', "
            f"got {region!r}"
        )
    return apisecret, rand2, aws_account, region


def queue_url(credentials: Credentials, endpoint_url: str | None = None) -> str:
    """Build the account's queue URL, on `endpoint_url` when given (for local SQS servers)."""
    base = endpoint_url or f"https://sqs.{credentials.region}.amazonaws.com"
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(
            f"endpoint_url must be an http:// or https:// URL such as "
            f"'http://127.0.0.1:4566', got {base!r}"
        )
    path = f"/{credentials.aws_account}/{quote(credentials.queue_name)}"
    return base.rstrip("/") + path


def message_attributes_size(credentials: Credentials) -> int:
    """Return the bytes SQS counts for the three attributes of every message."""
    return sum(
        len(name.encode()) + len(_ATTRIBUTE_TYPE) + len(value.encode())
        for name, value in _attributes(credentials)
    )


def _attributes(credentials: Credentials) -> tuple[tuple[str, str], ...]:
    return (("key", credentials.apikey), ("secret", credentials.apisecret), ("sdk", SDK_NAME))


def build_batch_request(credentials: Credentials, url: str, bodies: Sequence[bytes]) -> bytes:
    """Encode a SendMessageBatch Query request whose entry ids are the body indexes."""
    if not 1 <= len(bodies) <= MAX_BATCH_ENTRIES:
        raise ValueError(
            f"a batch must contain 1 to {MAX_BATCH_ENTRIES} messages, got {len(bodies)}"
        )

    fields: list[tuple[str, str | bytes]] = [
        ("Action", "SendMessageBatch"),
        ("Version", _SQS_API_VERSION),
        ("QueueUrl", url),
    ]
    attributes = _attributes(credentials)
    for number, body in enumerate(bodies, start=1):
        prefix = f"SendMessageBatchRequestEntry.{number}"
        fields.append((f"{prefix}.Id", str(number - 1)))
        fields.append((f"{prefix}.MessageBody", body))
        for attribute_number, (name, value) in enumerate(attributes, start=1):
            attribute = f"{prefix}.MessageAttribute.{attribute_number}"
            fields.append((f"{attribute}.Name", name))
            fields.append((f"{attribute}.Value.DataType", _ATTRIBUTE_TYPE))
            fields.append((f"{attribute}.Value.StringValue", value))
    return "&".join(f"{name}={_form_escape(value)}" for name, value in fields).encode("ascii")


# Percent-encoding as botocore's Query serializer does it: every byte but the RFC 3986
# unreserved characters. A translation table over the bytes decoded as Latin-1 runs in
# C, about twice as fast as urllib.parse.quote on message-sized bodies.
_UNRESERVED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
_PERCENT_ENCODING = [chr(byte) if byte in _UNRESERVED else f"%{byte:02X}" for byte in range(256)]


def _form_escape(value: str | bytes) -> str:
    data = value.encode("utf-8") if isinstance(value, str) else value
    return data.decode("latin-1").translate(_PERCENT_ENCODING)


@dataclass(frozen=True)
class EntryFailure:
    """One batch entry that SQS did not accept."""

    index: int
    code: str
    message: str
    sender_fault: bool

    @property
    def retryable(self) -> bool:
        return not self.sender_fault or self.code in THROTTLING_CODES


@dataclass(frozen=True)
class BatchResult:
    """The outcome of a SendMessageBatch request that returned HTTP 200."""

    succeeded: tuple[int, ...]
    failed: tuple[EntryFailure, ...]


@dataclass(frozen=True)
class ServiceError:
    """An SQS error response: the HTTP status and the error code and message."""

    status: int
    code: str
    message: str

    @property
    def retryable(self) -> bool:
        return self.status >= 500 or self.status == 429 or self.code in THROTTLING_CODES

    @property
    def hint(self) -> str:
        """What to check for an error the caller can fix, or an empty string."""
        if self.code in CREDENTIAL_ERROR_CODES:
            return (
                "; check the API key and secret, which name the queue, and endpoint_url "
                "if one is set"
            )
        return ""


def _local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def _child_text(element: ElementTree.Element, name: str) -> str:
    for child in element:
        if _local_name(child.tag) == name:
            return (child.text or "").strip()
    return ""


def parse_batch_response(body: bytes, entry_count: int) -> BatchResult:
    """Read which entries succeeded and which failed from a SendMessageBatch response.

    Entries the response does not mention count as failed and retryable, so a
    truncated or odd response can never lose a message.
    """
    # The response comes from the configured SQS endpoint, and CPython's expat (2.4.1 and
    # later) rejects entity-expansion attacks, so the stdlib parser is enough here.
    root = ElementTree.fromstring(body)  # noqa: S314
    if _local_name(root.tag) != "SendMessageBatchResponse":
        raise ElementTree.ParseError(f"the root element is {_local_name(root.tag)!r}")
    succeeded: set[int] = set()
    failed: dict[int, EntryFailure] = {}
    for element in root.iter():
        kind = _local_name(element.tag)
        if kind not in ("SendMessageBatchResultEntry", "BatchResultErrorEntry"):
            continue
        index = _entry_index(_child_text(element, "Id"), entry_count)
        if index is None:
            continue
        if kind == "SendMessageBatchResultEntry":
            succeeded.add(index)
        else:
            failed[index] = EntryFailure(
                index,
                _child_text(element, "Code"),
                _child_text(element, "Message"),
                _child_text(element, "SenderFault").lower() == "true",
            )

    for index in range(entry_count):
        if index not in succeeded and index not in failed:
            failed[index] = EntryFailure(index, "MissingResult", "no result in the response", False)
    return BatchResult(tuple(sorted(succeeded - failed.keys())), tuple(failed.values()))


def _entry_index(text: str, entry_count: int) -> int | None:
    if not text.isdigit():
        return None
    index = int(text)
    return index if index < entry_count else None


def parse_error_response(status: int, body: bytes) -> ServiceError:
    """Read the error code and message from a non-200 SQS response."""
    try:
        root = ElementTree.fromstring(body)  # noqa: S314
    except ElementTree.ParseError:
        snippet = body[:200].decode("utf-8", "replace").strip()
        return ServiceError(status, f"HTTP{status}", snippet or "empty response")

    for element in root.iter():
        if _local_name(element.tag) == "Error":
            return ServiceError(
                status, _child_text(element, "Code"), _child_text(element, "Message")
            )
    return ServiceError(status, f"HTTP{status}", "error response without an Error element")
