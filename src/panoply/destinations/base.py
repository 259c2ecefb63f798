"""The interface between the data-source runtime and the places it loads records into.

The runtime routes each record to a table and decides its key; a destination owns
everything about storage: table and column creation, type widening, nested values,
upserts, and keeping the checkpoint in the same transaction as the records.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Checkpoint", "Destination", "TableBatch"]


@dataclass
class TableBatch:
    """Records bound for one table.

    Attributes:
        table: the table name, already rendered from the routing template and
            lower-cased by the runtime.
        records: plain JSON-like dicts. Routing fields such as ``__state`` are
            already removed; ``__table`` and other ``__`` fields stay as data.
        key: the column that identifies a record (``"id"``) when writes to this
            table are upserts, or ``None`` for plain appends.
    """

    table: str
    records: list[dict[str, Any]]
    key: str | None = None


@dataclass
class Checkpoint:
    """What a run has safely loaded, stored with the records that it covers.

    Attributes:
        source_id: the stable identity of the source configuration, ``source["id"]``.
        state: the merged ``source-state`` object to resume from.
        source: the source dict to rebuild the data source with on the next run,
            with every secret value already removed by the runtime.
    """

    source_id: str
    state: dict[str, Any] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict)


class Destination(ABC):
    """A place a run loads into. Implementations are used from one thread."""

    @abstractmethod
    def write(self, batches: Sequence[TableBatch], checkpoint: Checkpoint | None) -> None:
        """Store every record of `batches` and `checkpoint` atomically, or nothing.

        When this returns, the records and the checkpoint are durable. When it
        raises, neither is stored.
        """

    @abstractmethod
    def read_checkpoint(self, source_id: str) -> Checkpoint | None:
        """Return the last checkpoint written for `source_id`, or ``None``."""

    @abstractmethod
    def close(self) -> None:
        """Release connections and files. Calling it twice is harmless."""

    def __enter__(self) -> Destination:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
