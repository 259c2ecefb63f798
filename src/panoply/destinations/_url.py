"""Destination URLs parsed into opened destinations."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlsplit

from panoply.destinations.base import Destination
from panoply.errors import ConfigurationError

__all__ = ["ACCEPTED_FORMS", "DEFAULT_DUCKDB_PATH", "open_destination"]

DEFAULT_DUCKDB_PATH = "panoply.duckdb"
DEFAULT_PANOPLY_CHECKPOINTS = "panoply-checkpoints.json"

ACCEPTED_FORMS = (
    "duckdb:///PATH/TO/FILE.duckdb[?nested=tables|json&loader=arrow|json], "
    "jsonl:///PATH/TO/DIRECTORY, panoply or panoply:///PATH/TO/CHECKPOINTS.json"
)

_DUCKDB_OPTIONS = {"nested": ("tables", "json"), "loader": ("arrow", "json")}


def open_destination(url: str | None) -> Destination:
    """Open the destination that `url` names; None opens ``./panoply.duckdb``.

    Raises:
        ConfigurationError: when `url` is not one of `ACCEPTED_FORMS`.
    """
    if url is None:
        from panoply.destinations.duckdb import DuckDBDestination

        return DuckDBDestination(DEFAULT_DUCKDB_PATH)

    scheme, path, options = _parse(url)
    if scheme == "duckdb":
        return _open_duckdb(url, path, options)
    if options:
        raise _invalid(url, f"{scheme} URLs take no query parameters")
    if scheme == "jsonl":
        from panoply.destinations.jsonl import JsonLinesDestination

        return JsonLinesDestination(_require_path(url, path))
    from panoply.destinations.panoply import PanoplyDestination

    return PanoplyDestination.from_environment(
        os.environ, checkpoint_path=path or DEFAULT_PANOPLY_CHECKPOINTS
    )


def _parse(url: str) -> tuple[str, str, dict[str, str]]:
    if url.strip() == "panoply":
        return "panoply", "", {}
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("duckdb", "jsonl", "panoply") or "://" not in url:
        raise _invalid(url, "unknown destination")
    if parts.fragment:
        raise _invalid(url, "a destination URL has no #fragment")

    path = unquote(parts.netloc + parts.path)
    options: dict[str, str] = {}
    for name, values in parse_qs(parts.query, keep_blank_values=True, strict_parsing=False).items():
        if len(values) != 1:
            raise _invalid(url, f"query parameter {name!r} is given {len(values)} times")
        options[name] = values[0]
    return scheme, path, options


def _open_duckdb(url: str, path: str, options: dict[str, str]) -> Destination:
    from panoply.destinations.duckdb import DuckDBDestination

    for name, value in options.items():
        allowed = _DUCKDB_OPTIONS.get(name)
        if allowed is None:
            raise _invalid(url, f"unknown query parameter {name!r}, expected nested or loader")
        if value not in allowed:
            raise _invalid(url, f"{name}={value!r} is invalid, expected one of {allowed}")
    return DuckDBDestination(
        _require_path(url, path),
        nested_as_json=options.get("nested") == "json",
        use_arrow=None if options.get("loader", "arrow") == "arrow" else False,
    )


def _require_path(url: str, path: str) -> str:
    if not path or path == "/":
        raise _invalid(url, "the URL names no file or directory")
    return path


def _invalid(url: str, reason: str) -> ConfigurationError:
    return ConfigurationError(
        f"invalid destination URL {url!r}: {reason}. Accepted forms: {ACCEPTED_FORMS}"
    )
