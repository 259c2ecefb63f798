"""Source states and the records they cover: when a state may be committed.

The commit rule. A source fires ``source-state`` before the batch whose records
carry ``"__state": id``. A state fired after N records were read is *closed* when
the next state is fired, or when the stream ends, at the position M (>= N) reached
then. A closed state covers the first M records: its own records and every record
before it. It is committed in the same destination transaction as those M records,
and never before them. Records after the last closed state wait in the buffer, so
after a crash or a retry the source resumes from the last committed state and
reads them again, and nothing already committed is read again.

A record tagged with a state that is already closed breaks the source contract:
it is stored and a warning is logged, because a resumed run may skip it.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PendingRecord", "StateLedger"]

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class PendingRecord:
    """A record routed and ready to store, waiting for its state to close."""

    table: str
    record: dict[str, Any]
    state_id: Any = None


@dataclass
class _Boundary:
    """The merged state as of a closed state, and how many buffered records it covers."""

    covered: int
    state: dict[str, Any]


@dataclass
class StateLedger:
    """The buffered records of a run and the merged state that covers a prefix of them.

    Attributes:
        committed_state: the merged state as of the last commit; a retry resumes from it.
    """

    committed_state: dict[str, Any] = field(default_factory=dict)
    _records: list[PendingRecord] = field(default_factory=list)
    _merged: dict[str, Any] = field(default_factory=dict)
    _open_state_id: Any = None
    _has_open_state: bool = False
    _closed_ids: set[Any] = field(default_factory=set)
    _boundary: _Boundary | None = None
    _warned_late: bool = False

    def __post_init__(self) -> None:
        self._merged = copy.deepcopy(self.committed_state)

    @property
    def buffered(self) -> int:
        return len(self._records)

    @property
    def covered(self) -> int:
        """Buffered records that a closed state covers, so a commit may take them."""
        return self._boundary.covered if self._boundary else 0

    @property
    def has_closed_state(self) -> bool:
        return self._boundary is not None

    def fire_state(self, state_id: Any, state: dict[str, Any]) -> None:
        """Record a ``source-state`` event: it closes the previous state, then opens this one."""
        self._close_open_state()
        # A copy, because sources keep mutating the dicts they fired.
        self._merged.update(copy.deepcopy(state))
        self._open_state_id = state_id
        self._has_open_state = True

    def add(self, pending: PendingRecord) -> None:
        self.add_many([pending])

    def add_many(self, pending: list[PendingRecord]) -> None:
        if self._closed_ids:
            state_ids = {record.state_id for record in pending}
            for state_id in state_ids & self._closed_ids:
                self._warn_late(state_id)
        self._records.extend(pending)

    def end_of_stream(self) -> None:
        """Close the open state: every record read is now covered."""
        self._close_open_state()
        if self._boundary is None or self._boundary.covered < len(self._records):
            self._boundary = _Boundary(len(self._records), copy.deepcopy(self._merged))

    def take_covered(self) -> tuple[list[PendingRecord], dict[str, Any] | None]:
        """Remove and return the covered records and the state to commit with them.

        The state is None when no state closed since the last take.
        """
        if self._boundary is None:
            return [], None
        boundary, self._boundary = self._boundary, None
        taken = self._records[: boundary.covered]
        del self._records[: boundary.covered]
        return taken, boundary.state

    def take_all_uncovered(self) -> list[PendingRecord]:
        """Remove and return every buffered record, without a state.

        NOTE: records committed this way are read again after a crash before their
        state closes, so a table without a key gets them twice. The runner calls it
        only when the buffer outgrows its limit.
        """
        taken, self._records = self._records, []
        if self._boundary is not None:
            self._boundary.covered = 0
        return taken

    def mark_committed(self, state: dict[str, Any]) -> None:
        self.committed_state = copy.deepcopy(state)

    def discard_uncommitted(self) -> None:
        """Forget what is not committed, before the source resumes from `committed_state`."""
        self._records = []
        self._boundary = None
        self._merged = copy.deepcopy(self.committed_state)
        self._open_state_id = None
        self._has_open_state = False

    def _close_open_state(self) -> None:
        if not self._has_open_state:
            return
        self._closed_ids.add(self._open_state_id)
        self._boundary = _Boundary(len(self._records), copy.deepcopy(self._merged))
        self._has_open_state = False

    def _warn_late(self, state_id: Any) -> None:
        if self._warned_late:
            return
        self._warned_late = True
        logger.warning(
            "a record tagged with state %r arrived after a later state was fired; "
            "a resumed run may skip such records. The source should fire each state "
            "right before the records it tags",
            state_id,
        )
