"""The files a run reads and writes: the --config file and the --state file.

Both may hold secrets, such as refreshed OAuth2 tokens, so they are written with
mode 0600, atomically through a temporary file in the same directory.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from panoply.errors import ConfigurationError

__all__ = ["StateFile", "read_config", "update_config", "write_private_json"]


@dataclass
class StateFile:
    """The contents of a --state file: where the source resumes.

    Attributes:
        source_id: the source these contents belong to.
        state: the merged state of the last commit.
        source: the source dict as the source left it, with the secrets that the
            source changed (refreshed tokens) but not those the user supplies.
    """

    source_id: str | None = None
    state: dict[str, Any] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> StateFile:
        """Read `path`; a missing file is an empty state."""
        if not path.exists():
            return cls()
        document = _read_json_object(path, "--state")
        return cls(
            source_id=document.get("source_id"),
            state=dict(document.get("state") or {}),
            source=dict(document.get("source") or {}),
        )

    def write(self, path: Path) -> None:
        write_private_json(
            path, {"source_id": self.source_id, "state": self.state, "source": self.source}
        )


def read_config(path: Path) -> dict[str, Any]:
    """Read a --config file: a JSON object, or TOML when the name ends in .toml."""
    if path.suffix == ".toml":
        return _read_toml(path)
    return _read_json_object(path, "--config")


def update_config(path: Path, changes: dict[str, Any]) -> None:
    """Write `changes` (such as refreshed tokens) into the JSON --config file at `path`.

    TOML files are left alone, because rewriting them would drop their comments.
    """
    if path.suffix == ".toml":
        return
    document = _read_json_object(path, "--config")
    document.update(changes)
    write_private_json(path, document)


def write_private_json(path: Path, document: dict[str, Any]) -> None:
    """Replace `path` with `document` as JSON, readable by the owner only (mode 0600)."""
    data = orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent or Path("."), prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data + b"\n")
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read_json_object(path: Path, option: str) -> dict[str, Any]:
    try:
        document = orjson.loads(path.read_bytes())
    except OSError as error:
        raise ConfigurationError(f"cannot read the {option} file {str(path)!r}: {error}") from error
    except orjson.JSONDecodeError as error:
        raise ConfigurationError(
            f"the {option} file {str(path)!r} is not valid JSON: {error}"
        ) from error
    if not isinstance(document, dict):
        raise ConfigurationError(
            f"the {option} file {str(path)!r} must contain a JSON object, "
            f"not {type(document).__name__}"
        )
    return document


def _read_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib

        try:
            with path.open("rb") as file:
                return tomllib.load(file)
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ConfigurationError(
                f"cannot read the --config file {str(path)!r}: {error}"
            ) from error
    raise ConfigurationError(
        f"reading the TOML --config file {str(path)!r} needs Python 3.11 or later; "
        "use a JSON file instead"
    )
