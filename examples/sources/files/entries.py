"""Turn the ``path`` param into an ordered list of entries: files and zip members to read.

An entry is one CSV or JSON lines document: a plain file, or one member of a zip
archive. The order is fixed (paths as given, glob matches sorted, zip members in
archive order) because the resume state points at an entry by file and member.
"""

from __future__ import annotations

import glob
import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from panoply.errors import PanoplyException

__all__ = ["FORMATS", "Entry", "list_entries", "split_paths"]

FORMATS = ("csv", "tsv", "jsonl")

_EXTENSION_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}

_GLOB_CHARACTERS = frozenset("*?[")


@dataclass(frozen=True)
class Entry:
    """One document to read: a plain file, or the member `member` of the zip archive `file`."""

    file: str
    member: str
    format: str
    size: int

    @property
    def name(self) -> str:
        """The entry as shown in progress messages and errors: ``file`` or ``file:member``."""
        return f"{self.file}:{self.member}" if self.member else self.file

    @contextmanager
    def open(self) -> Iterator[IO[bytes]]:
        """Open the entry for binary reading; zip members are decompressed on the fly."""
        if not self.member:
            with open(self.file, "rb") as stream:
                yield stream
            return

        with zipfile.ZipFile(self.file) as archive, archive.open(self.member) as stream:
            yield stream


def split_paths(value: object) -> list[str]:
    """Split the ``path`` param: a list, or a string of paths separated by commas."""
    if isinstance(value, (list, tuple)):
        parts = [str(item) for item in value]
    elif isinstance(value, str):
        parts = value.split(",")
    else:
        parts = []

    paths = [part.strip() for part in parts if part.strip()]
    if not paths:
        raise PanoplyException(
            f"param 'path' is missing or empty (got {value!r}); pass --path FILE: a CSV, "
            "JSON lines or zip file, several separated by commas, or a glob such as 'data/*.csv'",
            retryable=False,
        )
    return paths


def list_entries(paths: list[str], forced_format: str | None) -> list[Entry]:
    """Expand globs, check that every file exists and list the entries of each file in order."""
    entries: list[Entry] = []
    for file in _expand(paths):
        entries.extend(_file_entries(file, forced_format))
    return entries


def _expand(paths: list[str]) -> list[str]:
    files: list[str] = []
    for path in paths:
        expanded = os.path.expanduser(path)
        if not _GLOB_CHARACTERS.intersection(expanded):
            _check_file(expanded)
            files.append(expanded)
            continue

        matches = sorted(
            match for match in glob.glob(expanded, recursive=True) if os.path.isfile(match)
        )
        if not matches:
            raise PanoplyException(
                f"no file matches the pattern {path!r} (working directory {os.getcwd()}); "
                "check the pattern in --path",
                retryable=False,
            )
        files.extend(matches)
    return files


def _check_file(path: str) -> None:
    if os.path.isfile(path):
        return
    problem = "is a directory, not a file" if os.path.isdir(path) else "was not found"
    raise PanoplyException(
        f"file {path!r} {problem} (working directory {os.getcwd()}); "
        "check --path, or use a glob such as 'DIR/*.csv' for every file of a directory",
        retryable=False,
    )


def _file_entries(file: str, forced_format: str | None) -> list[Entry]:
    if os.path.splitext(file)[1].lower() != ".zip":
        document_format = forced_format or _format_of(file, file)
        return [Entry(file, "", document_format, os.path.getsize(file))]

    try:
        with zipfile.ZipFile(file) as archive:
            members = [info for info in archive.infolist() if _is_document(info, forced_format)]
    except zipfile.BadZipFile as error:
        raise PanoplyException(
            f"file {file!r} is not a valid zip archive ({error}); check the file or its extension",
            retryable=False,
        ) from error

    if not members:
        raise PanoplyException(
            f"zip archive {file!r} has no CSV or JSON lines member (.csv, .tsv, .jsonl, "
            ".ndjson, .json); check that it is the archive you meant",
            retryable=False,
        )
    return [
        Entry(file, info.filename, forced_format or _format_of(info.filename, file), info.file_size)
        for info in members
    ]


def _is_document(info: zipfile.ZipInfo, forced_format: str | None) -> bool:
    # Skip folders and the resource forks macOS adds to archives it creates. With
    # --format every other member counts; without it, members need a known extension.
    if info.is_dir() or info.filename.startswith("__MACOSX/"):
        return False
    extension = os.path.splitext(info.filename)[1].lower()
    return forced_format is not None or extension in _EXTENSION_FORMATS


def _format_of(name: str, file: str) -> str:
    document_format = _EXTENSION_FORMATS.get(os.path.splitext(name)[1].lower())
    if document_format is None:
        raise PanoplyException(
            f"cannot tell the format of {name!r} in {file!r} from its extension; name it "
            ".csv, .tsv, .jsonl or .zip, or pass --format csv, tsv or jsonl",
            retryable=False,
        )
    return document_format
