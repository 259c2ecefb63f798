"""The files data source: CSV and JSON lines records from local files and zip archives."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from contextlib import ExitStack
from typing import IO, Any

from panoply import DataSource
from panoply.errors import PanoplyException

from .entries import FORMATS, Entry, list_entries, split_paths
from .parsing import iter_csv_records, iter_jsonl_records, open_text, scan_csv_columns

__all__ = ["DEFAULT_BATCH_SIZE", "Stream"]

DEFAULT_BATCH_SIZE = 5000
"""Records per `Stream.read` call when neither ``read(n)`` nor ``source["__batchSize"]`` sets it."""

_DELIMITERS = {"csv": ",", "tsv": "\t"}


class Stream(DataSource):
    """Read every entry of the ``path`` param in order, a batch of records per `read` call.

    The state after each batch is ``{"file": ABSOLUTE_PATH, "member": ZIP_MEMBER or "",
    "row": RECORDS_READ_FROM_THAT_ENTRY}``; a source rebuilt with it as
    ``source["state"]`` skips everything up to that point.
    """

    def __init__(self, source: dict[str, Any], options: dict[str, Any] | None = None) -> None:
        super().__init__(source, options)
        self._entries = list_entries(split_paths(self.source.get("path")), self._format())
        self._null_values = frozenset({"", *_split_values(self.source.get("null_values", "NA"))})
        self._encoding = str(self.source.get("encoding") or "utf-8-sig")
        self._delimiter_override = self.source.get("delimiter") or None
        self._batch_size = int(self.source.get("__batchSize") or DEFAULT_BATCH_SIZE)
        if not self.source.get("destination"):
            self.source["destination"] = _table_name(self._entries[0])

        self._index, self._row = self._resume_position(self.source.get("state"))
        self._total_bytes = sum(entry.size for entry in self._entries)
        self._open_entry = ExitStack()
        self._records: Iterator[dict[str, Any]] | None = None
        self._binary: IO[bytes] | None = None

    def read(self, n: int | None = None) -> list[dict[str, Any]] | None:
        """Return up to `n` records (the batch size by default), or None after the last entry."""
        size = n if n and n > 0 else self._batch_size
        batch: list[dict[str, Any]] = []
        position = (self._index, self._row)
        while len(batch) < size and self._index < len(self._entries):
            record = self._next_record()
            if record is None:
                self._finish_entry()
                continue
            batch.append(record)
            self._row += 1
            position = (self._index, self._row)

        if not batch:
            self.progress(self._total_bytes, self._total_bytes, "all files read")
            return None

        self._tag_with_state(batch, *position)
        self.progress(self._loaded_bytes(), self._total_bytes, self._entries[position[0]].name)
        return batch

    def close(self) -> None:
        """Close the entry being read."""
        self._open_entry.close()
        self._records = None
        self._binary = None

    def _format(self) -> str | None:
        value = self.source.get("format") or "auto"
        if value == "auto":
            return None
        if value not in FORMATS:
            raise PanoplyException(
                f"param 'format' is {value!r}; use auto, {', '.join(FORMATS)}", retryable=False
            )
        return str(value)

    def _resume_position(self, state: Any) -> tuple[int, int]:
        if not isinstance(state, dict) or "file" not in state:
            return 0, 0

        for index, entry in enumerate(self._entries):
            if os.path.abspath(entry.file) == state["file"] and entry.member == state.get(
                "member", ""
            ):
                return index, int(state.get("row", 0))
        raise PanoplyException(
            f"the saved state points at {state['file']!r} member {state.get('member')!r}, "
            "which --path no longer lists; restore that file, or clear the saved state to "
            "load every file again",
            retryable=False,
        )

    def _next_record(self) -> dict[str, Any] | None:
        entry = self._entries[self._index]
        try:
            if self._records is None:
                self._records = self._start_entry(entry)
            return next(self._records, None)
        except UnicodeDecodeError as error:
            raise PanoplyException(
                f"{entry.name!r} is not valid {self._encoding} text ({error}); pass "
                "--encoding with the file's encoding, such as latin-1",
                retryable=False,
            ) from error
        except csv.Error as error:
            raise PanoplyException(
                f"{entry.name!r} is not valid CSV ({error}); fix the file or pass --format",
                retryable=False,
            ) from error

    def _start_entry(self, entry: Entry) -> Iterator[dict[str, Any]]:
        """Open `entry` and return its records after the first ``self._row``."""
        if entry.format == "jsonl":
            text = self._open_text(entry)
            return iter_jsonl_records(text, self._row, entry.name)

        delimiter = self._delimiter_override or _DELIMITERS[entry.format]
        with entry.open() as binary, open_text(binary, self._encoding) as text:
            layout = scan_csv_columns(text, delimiter, self._null_values, entry.name)
        return iter_csv_records(
            self._open_text(entry), layout, delimiter, self._null_values, self._row
        )

    def _open_text(self, entry: Entry) -> IO[str]:
        self._binary = self._open_entry.enter_context(entry.open())
        return self._open_entry.enter_context(open_text(self._binary, self._encoding))

    def _finish_entry(self) -> None:
        self.close()
        self._index += 1
        self._row = 0

    def _tag_with_state(self, batch: list[dict[str, Any]], index: int, row: int) -> None:
        """Fire the state after `batch`, which ends at `row` of entry `index`, and tag it."""
        entry = self._entries[index]
        state_id = f"{index}:{row}"
        state = {"file": os.path.abspath(entry.file), "member": entry.member, "row": row}
        self.state(state_id, state)
        for record in batch:
            record["__state"] = state_id

    def _loaded_bytes(self) -> int:
        done = sum(entry.size for entry in self._entries[: self._index])
        if self._binary is None or self._binary.closed:
            return done
        return done + self._binary.tell()


def _split_values(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return [item.strip() for item in str(value or "").split(",")]


def _table_name(entry: Entry) -> str:
    """Name the table after the first file without extensions: flights.csv.zip gives flights."""
    name = os.path.basename(entry.file).split(".")[0] or "files"
    return name.replace("{", "{{").replace("}", "}}")
