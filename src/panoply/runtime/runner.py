"""Running a data source into a destination: attempts, commits and checkpoints.

The runner reads through `SourceReader`, buffers records in a `StateLedger` and
commits them with the state that covers them (see `panoply.runtime.state` for the
rule). An exception from the source's constructor or read() is retried with backoff
unless its ``retryable`` attribute is false. Each retry rebuilds the source with the
last committed state in ``source["state"]``.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from panoply._oauth import SecretChanges
from panoply._retry import RetryPolicy
from panoply.destinations.base import Checkpoint, Destination, TableBatch
from panoply.errors import PanoplyException, SourceError
from panoply.runtime.display import RunDisplay
from panoply.runtime.incremental import IncrementalTracker
from panoply.runtime.reader import SourceReader
from panoply.runtime.routing import Router
from panoply.runtime.secrets import SecretMasker, strip_secrets
from panoply.runtime.state import PendingRecord, StateLedger

__all__ = ["RunSettings", "RunSummary", "Runner"]

logger = logging.getLogger(__name__)

SOURCE_RETRY_POLICY = RetryPolicy(max_attempts=4, base_delay=1.0, max_delay=30.0)
"""The first try and 3 retries, as Panoply data sources expect."""

DEFAULT_BATCH_SIZE = 1000
MIN_TRANSACTION_RECORDS = 5000
"""Covered records worth one transaction; fewer wait unless `MAX_COMMIT_INTERVAL` passed."""
MAX_COMMIT_INTERVAL = 5.0
"""Seconds after which covered records are committed however few they are."""
MAX_BUFFERED_RECORDS = 200_000
"""Records held in memory before they are committed without a state."""

# Keys of the source dict that describe one run, not the configuration to keep.
_RUN_ONLY_KEYS = frozenset({"state", "__batchSize"})


@dataclass
class RunSettings:
    """Everything one run needs.

    Attributes:
        on_checkpoint: called after each commit with the committed state and the
            source dict, secrets included, to keep the --state file current.
        on_source_change: called with the keys of each ``source-change`` event,
            after the source dict was updated, to keep the --config file current.
    """

    name: str
    stream_class: Any
    source: dict[str, Any]
    options: dict[str, Any]
    destination: Destination
    masker: SecretMasker
    display: RunDisplay
    resume_state: dict[str, Any] = field(default_factory=dict)
    retry_policy: RetryPolicy = SOURCE_RETRY_POLICY
    batch_size: int = DEFAULT_BATCH_SIZE
    on_checkpoint: Callable[[dict[str, Any], dict[str, Any]], None] | None = None
    on_source_change: Callable[[dict[str, Any]], None] | None = None


@dataclass
class RunSummary:
    """The result of a run: rows loaded per table, attempts and elapsed seconds."""

    rows: dict[str, int]
    attempts: int
    elapsed: float

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def records_per_second(self) -> float:
        return self.total_rows / self.elapsed if self.elapsed > 0 else 0.0


class Runner:
    """Run one source to the end of its stream, or fail with `SourceError`."""

    def __init__(self, settings: RunSettings) -> None:
        self.settings = settings
        self.source = settings.source
        self.ledger = StateLedger(committed_state=copy.deepcopy(settings.resume_state))
        self.incremental = IncrementalTracker(datetime.now(timezone.utc))
        self.rows: dict[str, int] = {}
        self._router = Router.from_source(self.source)
        self._last_commit = time.monotonic()
        # Mid-run checkpoints keep the incremental values the run started with.
        self._start_values = {
            key: self.source.get(key) for key in ("incval", "incVal", "lastTimeSucceed")
        }

    def run(self) -> RunSummary:
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                self._attempt()
                break
            except Exception as error:
                self._recover(error, attempt, time.monotonic() - started)

        self._commit_final()
        return RunSummary(dict(self.rows), attempt, time.monotonic() - started)

    def _attempt(self) -> None:
        self.source["state"] = copy.deepcopy(self.ledger.committed_state)
        reader = SourceReader(
            stream_class=self.settings.stream_class,
            source=self.source,
            options=self.settings.options,
            ledger=self.ledger,
            display=self.settings.display,
            on_source_change=self._source_changed,
            after_batch=self._after_batch,
        )
        self._router = reader.read_all(self.settings.batch_size)

    def _recover(self, error: Exception, attempt: int, elapsed: float) -> None:
        """Commit what is safe, then wait for the next attempt or raise `SourceError`."""
        self._commit_covered()
        self.ledger.discard_uncommitted()

        policy = self.settings.retry_policy
        delay = policy.backoff(attempt)
        description = self.settings.masker.mask(f"{type(error).__name__}: {error}")
        if not getattr(error, "retryable", True):
            raise SourceError(
                f"data source {self.settings.name!r} failed with a non-retryable error "
                f"on attempt {attempt}: {description}",
                retryable=False,
            ) from error
        if not policy.allows_retry(attempt, elapsed, delay):
            raise SourceError(
                f"data source {self.settings.name!r} failed after {attempt} attempts; "
                f"last error: {description}",
                retryable=False,
            ) from error
        logger.warning(
            "data source %r failed on attempt %d (%s); retrying in %.1f s from the last "
            "committed state",
            self.settings.name,
            attempt,
            description,
            delay,
        )
        time.sleep(delay)

    def _after_batch(self, router: Router) -> None:
        self._router = router
        waited = time.monotonic() - self._last_commit
        if self.ledger.has_closed_state and (
            self.ledger.covered >= MIN_TRANSACTION_RECORDS or waited >= MAX_COMMIT_INTERVAL
        ):
            self._commit_covered()
        if self.ledger.buffered >= MAX_BUFFERED_RECORDS:
            logger.warning(
                "%d records arrived without a closed state; committing them without a "
                "state, so a crash before the next state loads them again",
                self.ledger.buffered,
            )
            self._commit_covered()
            self._write(self.ledger.take_all_uncovered(), None)

    def _commit_covered(self) -> None:
        records, state = self.ledger.take_covered()
        if state is None:
            self._write(records, None)
            return
        self._write(records, self._checkpoint(state, self._stored_source(final=False)))
        self.ledger.mark_committed(state)
        self._notify_checkpoint(state)

    def _commit_final(self) -> None:
        self.ledger.end_of_stream()
        records, _ = self.ledger.take_covered()
        # Observed before the write, because the checkpoint written with them contains the result.
        self.incremental.observe(self.source, (pending.record for pending in records))
        self.source.update(self.incremental.finish(self.source))

        # A run that reached the end starts over next time, so its state is cleared.
        self._write(records, self._checkpoint({}, self._stored_source(final=True)))
        self.ledger.mark_committed({})
        self._notify_checkpoint({})

    def _write(self, records: list[PendingRecord], checkpoint: Checkpoint | None) -> None:
        if not records and checkpoint is None:
            return
        self.incremental.observe(self.source, (pending.record for pending in records))
        batches = _table_batches(records, self._router)
        try:
            self.settings.destination.write(batches, checkpoint)
        except Exception as error:
            raise PanoplyException(
                self.settings.masker.mask(
                    f"writing {len(records)} records to the destination failed: "
                    f"{type(error).__name__}: {error}"
                ),
                retryable=False,
            ) from error

        for batch in batches:
            self.rows[batch.table] = self.rows.get(batch.table, 0) + len(batch.records)
        self._last_commit = time.monotonic()

    def _checkpoint(self, state: dict[str, Any], source: dict[str, Any]) -> Checkpoint:
        return Checkpoint(
            source_id=str(self.source["id"]),
            state=copy.deepcopy(state),
            source=strip_secrets(source, self.settings.masker),
        )

    def _stored_source(self, final: bool) -> dict[str, Any]:
        """Return the source dict to store, without run-only keys."""
        stored = {key: value for key, value in self.source.items() if key not in _RUN_ONLY_KEYS}
        if not final:
            for key, value in self._start_values.items():
                if value is None:
                    stored.pop(key, None)
                else:
                    stored[key] = value
        return copy.deepcopy(stored)

    def _notify_checkpoint(self, state: dict[str, Any]) -> None:
        if self.settings.on_checkpoint is not None:
            self.settings.on_checkpoint(copy.deepcopy(state), self._stored_source(final=True))

    def _source_changed(self, changes: dict[str, Any]) -> None:
        masker = self.settings.masker
        if isinstance(changes, SecretChanges):
            for key in changes:
                masker.add_key(key)
        self.source.update(changes)
        masker.collect(self.source)
        logger.info("the source changed %s", sorted(changes))
        if self.settings.on_source_change is not None:
            self.settings.on_source_change(dict(changes))


def _table_batches(records: list[PendingRecord], router: Router) -> list[TableBatch]:
    """Group `records` by table, keeping the order of records within each table."""
    by_table: dict[str, list[dict[str, Any]]] = {}
    for pending in records:
        by_table.setdefault(pending.table, []).append(pending.record)
    return [
        TableBatch(table=table, records=rows, key=router.key_of(rows))
        for table, rows in by_table.items()
    ]
