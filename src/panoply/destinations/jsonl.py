"""The JSON-lines destination: one ``<table>.jsonl`` file per table in a directory.

Records are appended as they are, one JSON object per line, with the encodings of
`panoply.destinations._json` for values JSON has no type for. Keys do not upsert:
a record written twice appears twice, and readers keep the last line per key.

Delivery is at-least-once, not atomic: `write` appends and fsyncs every data file
first and then replaces ``_panoply_checkpoints.json``. A crash between the two leaves
records that the stored checkpoint does not cover, so a resumed run writes them again.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote as percent_encode

import orjson

from panoply.destinations._checkpoint_file import CheckpointFile, fsync_directory
from panoply.destinations._json import encode_record_value
from panoply.destinations.base import Checkpoint, Destination, TableBatch

__all__ = ["CHECKPOINTS_FILE", "JsonLinesDestination", "table_file_name"]

CHECKPOINTS_FILE = "_panoply_checkpoints.json"


def table_file_name(table: str) -> str:
    """Return the file name for `table`: spaces stay; ``/``, ``%`` and NUL are %-encoded."""
    name = percent_encode(table, safe=" !#$&'()+,;=@[]^`{}~")
    if name in ("", ".", ".."):
        name = name.replace(".", "%2E")
    return f"{name}.jsonl"


class JsonLinesDestination(Destination):
    """Append records to JSON-lines files, one per table, in `directory`."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._checkpoints = CheckpointFile(self.directory / CHECKPOINTS_FILE)

    def __repr__(self) -> str:
        return f"JsonLinesDestination({str(self.directory)!r})"

    def write(self, batches: Sequence[TableBatch], checkpoint: Checkpoint | None) -> None:
        """Append and fsync every batch, then save `checkpoint`."""
        created = False
        for table, lines in _encode_batches(batches).items():
            path = self.directory / table_file_name(table)
            created = created or not path.exists()
            with path.open("ab") as output:
                output.write(b"".join(lines))
                output.flush()
                os.fsync(output.fileno())
        if created:
            fsync_directory(self.directory)
        if checkpoint is not None:
            self._checkpoints.save(checkpoint)

    def read_checkpoint(self, source_id: str) -> Checkpoint | None:
        """Return the checkpoint last saved for `source_id`, or None."""
        return self._checkpoints.read(source_id)

    def close(self) -> None:
        """Do nothing: every write closes its files."""


def _encode_batches(batches: Sequence[TableBatch]) -> dict[str, list[bytes]]:
    """Encode every record before any file is touched, so a bad value writes nothing."""
    lines: dict[str, list[bytes]] = {}
    for batch in batches:
        table_lines = lines.setdefault(batch.table, [])
        for record in batch.records:
            encoded = orjson.dumps(encode_record_value(record), option=orjson.OPT_APPEND_NEWLINE)
            table_lines.append(encoded)
    return lines
