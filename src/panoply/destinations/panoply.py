"""The Panoply destination: records streamed to a Panoply account through `panoply.SDK`.

Each record is sent with ``__table`` set to its batch's table. `write` waits until the
queue acknowledged every record and only then saves the checkpoint, to a local JSON
file (mode 0600) because Panoply's intake has no place for it. Delivery is
at-least-once: a run that fails after some records were acknowledged sends them
again when it resumes from the previous checkpoint.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from panoply.destinations._checkpoint_file import CheckpointFile
from panoply.destinations.base import Checkpoint, Destination, TableBatch
from panoply.errors import ConfigurationError, PanoplyException

if TYPE_CHECKING:
    from panoply.sdk import SDK

__all__ = ["PanoplyDestination"]

DELIVERY_TIMEOUT = 60.0
"""Seconds the client retries a batch before the run fails."""

API_KEY_VARIABLE = "PANOPLY_API_KEY"
API_SECRET_VARIABLE = "PANOPLY_API_SECRET"  # noqa: S105 - a variable name, not a secret
ENDPOINT_URL_VARIABLE = "PANOPLY_ENDPOINT_URL"


class PanoplyDestination(Destination):
    """Send records to Panoply and keep checkpoints in a local file.

    Args:
        sdk: the client to send with; `close` closes it.
        checkpoint_path: the JSON file checkpoints are saved to.
        flush_timeout: seconds `write` waits for the queue to acknowledge a batch;
            None waits as long as the client's retries last.
    """

    def __init__(
        self,
        sdk: SDK,
        checkpoint_path: str | os.PathLike[str],
        *,
        flush_timeout: float | None = None,
    ) -> None:
        self.sdk = sdk
        self.flush_timeout = flush_timeout
        self._checkpoints = CheckpointFile(checkpoint_path)
        self._closed = False

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str], checkpoint_path: str | os.PathLike[str]
    ) -> PanoplyDestination:
        """Build the client from ``PANOPLY_API_KEY``, ``PANOPLY_API_SECRET`` and
        ``PANOPLY_ENDPOINT_URL`` (optional) in `environ`.

        Raises:
            ConfigurationError: when the key or the secret is missing or malformed.
        """
        from panoply.sdk import SDK

        missing = [
            name for name in (API_KEY_VARIABLE, API_SECRET_VARIABLE) if not environ.get(name)
        ]
        if missing:
            raise ConfigurationError(
                f"the panoply destination needs {' and '.join(missing)} in the environment: "
                f"set {API_KEY_VARIABLE} and {API_SECRET_VARIABLE} to your Panoply API key "
                "and secret"
            )
        sdk = SDK(
            environ[API_KEY_VARIABLE],
            environ[API_SECRET_VARIABLE],
            endpoint_url=environ.get(ENDPOINT_URL_VARIABLE) or None,
            # A run blocks on each batch's delivery, so an unreachable queue should fail
            # it within a minute rather than the client's default of five.
            delivery_timeout=DELIVERY_TIMEOUT,
        )
        return cls(sdk, checkpoint_path)

    def __repr__(self) -> str:
        return f"PanoplyDestination({self.sdk!r}, checkpoints={self._checkpoints!r})"

    def write(self, batches: Sequence[TableBatch], checkpoint: Checkpoint | None) -> None:
        """Send every record, wait for all to be acknowledged, then save `checkpoint`.

        Raises:
            PanoplyException: when some records were not acknowledged (retryable);
                the checkpoint is not saved then.
        """
        sent = 0
        for batch in batches:
            for record in batch.records:
                self.sdk.write(batch.table, record)
                sent += 1

        undelivered = self.sdk.flush(self.flush_timeout)
        if undelivered:
            raise PanoplyException(
                f"{undelivered} of the {sent} records written were not delivered to Panoply "
                f"(flush timeout {self.flush_timeout} s); the checkpoint was not saved, "
                "so the next attempt sends them again"
            )
        if checkpoint is not None:
            self._checkpoints.save(checkpoint)

    def read_checkpoint(self, source_id: str) -> Checkpoint | None:
        """Return the checkpoint last saved for `source_id`, or None."""
        return self._checkpoints.read(source_id)

    def close(self) -> None:
        """Flush and stop the client; calling it again does nothing."""
        if not self._closed:
            self._closed = True
            self.sdk.close(self.flush_timeout)
