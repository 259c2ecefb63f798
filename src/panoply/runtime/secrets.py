"""Secret values of a run: which source keys hold them, and masking them in text.

A run collects every value of a secret param (``password``, ``oauth``), of the OAuth2
token keys and of the keys a token refresh changes. Log lines pass through
`MaskingFilter` and error messages through `SecretMasker.mask`, so none of those
values reaches the terminal, a log file or the warehouse.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

__all__ = ["MASK", "TOKEN_KEYS", "MaskingFilter", "SecretMasker", "strip_secrets"]

MASK = "***"

TOKEN_KEYS = frozenset({"access_token", "refresh_token", "client_secret"})
"""Source keys that hold credentials whatever the source's CONFIG says."""

# Shorter values are not masked, because replacing every "1" or "ab" in a log line
# would hide more than it protects. Secrets are much longer in practice.
MIN_MASKED_LENGTH = 4


class SecretMasker:
    """The secret keys and values of one run, and the masking of text with them.

    Thread-safe: token refreshes add values from the source's threads while the
    logging filter reads them.
    """

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self._keys: set[str] = set(TOKEN_KEYS) | set(keys)
        self._values: set[str] = set()
        self._lock = threading.Lock()

    @property
    def keys(self) -> frozenset[str]:
        """Source keys whose values are secret."""
        with self._lock:
            return frozenset(self._keys)

    def add_key(self, key: str) -> None:
        with self._lock:
            self._keys.add(key)

    def add_value(self, value: Any) -> None:
        """Mask `value` from now on; lists and dicts are searched for strings."""
        for text in _strings_in(value):
            if len(text) >= MIN_MASKED_LENGTH:
                with self._lock:
                    self._values.add(text)

    def collect(self, source: dict[str, Any]) -> None:
        """Mask the current values of the secret keys of `source`."""
        for key in self.keys:
            if key in source:
                self.add_value(source[key])

    def mask(self, text: str) -> str:
        """Return `text` with every known secret value replaced by ``***``."""
        with self._lock:
            values = sorted(self._values, key=len, reverse=True)
        for value in values:
            if value in text:
                text = text.replace(value, MASK)
        return text


class MaskingFilter(logging.Filter):
    """A handler filter that masks secret values in each formatted log message."""

    def __init__(self, masker: SecretMasker) -> None:
        super().__init__()
        self.masker = masker

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = self.masker.mask(message)
        if masked != message:
            record.msg = masked
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.masker.mask(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = self.masker.mask(record.exc_text)
        return True


def strip_secrets(source: dict[str, Any], masker: SecretMasker) -> dict[str, Any]:
    """Return a shallow copy of `source` without its secret keys."""
    secret_keys = masker.keys
    return {key: value for key, value in source.items() if key not in secret_keys}


def _strings_in(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings_in(item)
