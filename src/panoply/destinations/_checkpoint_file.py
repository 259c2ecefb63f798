"""Checkpoints kept in a JSON file that is replaced atomically on every save.

The file maps each source id to ``{"state", "source", "updated_at"}``, with values
that JSON cannot hold tagged as `panoply.destinations._json` describes. A save writes
a temporary file in the same directory, fsyncs it, renames it over the old file and
fsyncs the directory, so a crash leaves either the old or the new file, never a mix.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

import orjson

from panoply.destinations._json import decode_checkpoint_value, encode_checkpoint_value
from panoply.destinations.base import Checkpoint
from panoply.errors import ConfigurationError

__all__ = ["CheckpointFile", "fsync_directory", "write_atomically"]

FILE_MODE = 0o600


class CheckpointFile:
    """The checkpoints of every source, stored in one JSON file (mode 0600)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"CheckpointFile({str(self.path)!r})"

    def read(self, source_id: str) -> Checkpoint | None:
        """Return the checkpoint saved for `source_id`, or None."""
        entry = self._load().get(source_id)
        if entry is None:
            return None
        return Checkpoint(
            source_id,
            decode_checkpoint_value(entry.get("state", {})),
            decode_checkpoint_value(entry.get("source", {})),
        )

    def save(self, checkpoint: Checkpoint) -> None:
        """Replace the checkpoint of `checkpoint.source_id`, keeping the others."""
        entries = self._load()
        entries[checkpoint.source_id] = {
            "state": encode_checkpoint_value(checkpoint.state),
            "source": encode_checkpoint_value(checkpoint.source),
            "updated_at": dt.datetime.now(dt.timezone.utc).isoformat(),
        }
        write_atomically(self.path, orjson.dumps(entries, option=orjson.OPT_INDENT_2))

    def _load(self) -> dict[str, Any]:
        try:
            content = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        try:
            entries = orjson.loads(content)
        except orjson.JSONDecodeError as error:
            raise ConfigurationError(
                f"the checkpoint file {self.path} is not valid JSON ({error}); "
                "restore it or delete it to load every source from the start"
            ) from error
        if not isinstance(entries, dict):
            raise ConfigurationError(
                f"the checkpoint file {self.path} does not contain a JSON object; "
                "restore it or delete it to load every source from the start"
            )
        return entries


def write_atomically(path: Path, content: bytes) -> None:
    """Replace `path` with `content` (mode 0600) so readers see the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as output:
            os.fchmod(output.fileno(), FILE_MODE)
            output.write(content)
            output.flush()
            os.fsync(output.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    fsync_directory(path.parent)


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new file in `directory` durable."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
