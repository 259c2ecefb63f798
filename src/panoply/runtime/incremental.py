"""Incremental loads: the greatest value of the incremental key, and the last success time.

A source names its incremental key in ``source["inckey"]`` (one source spells it
``incKey``) and reads the greatest value loaded so far from ``incval`` (``incVal``).
Others read ``lastTimeSucceed``. Both advance only when a run reaches the end of its
stream, because a crashed run resumes from its state with the values it started with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

__all__ = ["IncrementalTracker", "format_utc"]

LAST_SUCCESS_KEY = "lastTimeSucceed"


def format_utc(moment: datetime) -> str:
    """Format `moment` as ISO 8601 UTC with milliseconds and ``Z``."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


class IncrementalTracker:
    """The greatest incremental-key value among the records committed in one run."""

    def __init__(self, started_at: datetime) -> None:
        self.started_at = started_at
        self.greatest: Any = None

    def observe(self, source: Mapping[str, Any], records: Iterable[Mapping[str, Any]]) -> None:
        key = source.get("inckey") or source.get("incKey")
        if not key:
            return
        for record in records:
            value = record.get(key)
            if value is not None and (self.greatest is None or _greater(value, self.greatest)):
                self.greatest = value

    def finish(self, source: dict[str, Any]) -> dict[str, Any]:
        """Return the keys to store after a successful run: the new incval and time."""
        changes: dict[str, Any] = {LAST_SUCCESS_KEY: format_utc(self.started_at)}
        value_key = "incVal" if "incKey" in source and "inckey" not in source else "incval"
        previous = source.get(value_key)
        if self.greatest is not None and (previous is None or _greater(self.greatest, previous)):
            changes[value_key] = self.greatest
        return changes


def _greater(value: Any, other: Any) -> bool:
    try:
        return bool(value > other)
    except TypeError:
        # Mixed types, such as a number against a string stored by an earlier run.
        return str(value) > str(other)
