"""`open_destination`: URLs to destinations, and errors for the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from panoply.destinations import TableBatch, open_destination
from panoply.destinations.duckdb import DuckDBDestination
from panoply.destinations.jsonl import JsonLinesDestination
from panoply.errors import ConfigurationError


def test_default_is_duckdb_in_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with open_destination(None) as destination:
        assert isinstance(destination, DuckDBDestination)
        destination.write([TableBatch("t", [{"a": 1}])], None)

    assert (tmp_path / "panoply.duckdb").is_file()


def test_duckdb_url_with_options(tmp_path: Path) -> None:
    path = tmp_path / "sub dir" / "w.duckdb"
    with open_destination(f"duckdb://{path}?nested=json&loader=json") as destination:
        assert isinstance(destination, DuckDBDestination)
        assert destination.path == str(path)
        assert destination.nested_as_json is True
        assert destination.use_arrow is False
    assert path.is_file()


def test_duckdb_relative_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with open_destination("duckdb://data/w.duckdb") as destination:
        assert isinstance(destination, DuckDBDestination)
        assert destination.nested_as_json is False
    assert (tmp_path / "data" / "w.duckdb").is_file()


def test_jsonl_url(tmp_path: Path) -> None:
    with open_destination(f"jsonl://{tmp_path}/out") as destination:
        assert isinstance(destination, JsonLinesDestination)
        assert destination.directory == tmp_path / "out"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("warehouse.duckdb", "unknown destination"),
        ("postgres://localhost/db", "unknown destination"),
        ("duckdb:", "unknown destination"),
        ("duckdb://", "names no file"),
        ("duckdb:///x.duckdb?nested=xml", "nested='xml' is invalid"),
        ("duckdb:///x.duckdb?colour=red", "unknown query parameter 'colour'"),
        ("duckdb:///x.duckdb?nested=json&nested=tables", "given 2 times"),
        ("jsonl:///tmp/x?nested=json", "take no query parameters"),
        ("duckdb:///x.duckdb#frag", "no #fragment"),
    ],
)
def test_invalid_url_rejected(url: str, reason: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        open_destination(url)

    message = str(caught.value)
    assert repr(url) in message
    assert reason in message
    assert "duckdb:///PATH/TO/FILE.duckdb" in message
    assert "jsonl:///PATH/TO/DIRECTORY" in message


def test_panoply_needs_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PANOPLY_API_KEY", raising=False)
    monkeypatch.setenv("PANOPLY_API_SECRET", "c2VjcmV0")

    with pytest.raises(ConfigurationError) as caught:
        open_destination("panoply")

    assert str(caught.value) == (
        "the panoply destination needs PANOPLY_API_KEY in the environment: "
        "set PANOPLY_API_KEY and PANOPLY_API_SECRET to your Panoply API key and secret"
    )
