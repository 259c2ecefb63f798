"""The exception hierarchy shared by the streaming client and the data-source runtime.

Every error the package raises on purpose derives from `PanoplyException`. Its
`retryable` attribute states whether retrying the failed call can help. The runtime
reads it with ``getattr(error, "retryable", True)``, so third-party exceptions count
as retryable unless a source marks them otherwise.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "BufferFullError",
    "ClientClosedError",
    "ConfigurationError",
    "CredentialsError",
    "DeliveryError",
    "PanoplyException",
    "RecordError",
    "RecordTooLargeError",
    "SourceError",
]


class PanoplyException(Exception):
    """Base class for errors raised by data sources and by this package.

    Data sources raise it with ``retryable=False`` when retrying cannot help, for
    example on rejected credentials.
    """

    def __init__(self, message: str = "", retryable: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable

    def __str__(self) -> str:
        return self.message


class ConfigurationError(PanoplyException, ValueError):
    """Invalid configuration: a client setting, a source param or a destination URL."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


class CredentialsError(ConfigurationError):
    """A malformed Panoply API key or secret. The message never contains the secret."""


class AuthenticationError(PanoplyException):
    """A server rejected the credentials, for example an OAuth2 refresh token."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


class SourceError(PanoplyException):
    """A data source failed for good: not retryable, or out of attempts."""


class RecordError(PanoplyException, ValueError):
    """A record passed to `SDK.write` cannot be sent. Nothing of it was queued."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


class RecordTooLargeError(RecordError):
    """An encoded record is larger than one SQS message may be."""


class BufferFullError(PanoplyException):
    """The client's buffer stayed full for longer than the write timeout."""


class ClientClosedError(PanoplyException):
    """`SDK.write` was called after `SDK.close`."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


class DeliveryError(PanoplyException):
    """A send to the queue failed: a network error, an HTTP error or a rejected entry.

    Attributes:
        code: the SQS error code, ``"NetworkError"`` or ``"HTTP<status>"``.
        status: the HTTP status, or ``None`` when no response arrived.
    """

    def __init__(
        self, message: str, *, code: str, status: int | None = None, retryable: bool = True
    ) -> None:
        super().__init__(message, retryable=retryable)
        self.code = code
        self.status = status
