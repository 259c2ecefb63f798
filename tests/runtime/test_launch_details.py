"""Small rules of a run's setup: database names, raw records, numbers from --config."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from panoply.runtime.launch import database_name
from panoply.runtime.raw import is_raw


@pytest.mark.parametrize(
    ("url", "name"),
    [
        (None, "panoply"),
        ("duckdb://m.duckdb", "m"),
        ("duckdb:///data/warehouse.duckdb", "warehouse"),
        ("duckdb://rel/dir/sales.duckdb?nested=json", "sales"),
        ("duckdb://:memory:", "memory"),
        ("jsonl:///tmp/out", "out"),
        ("panoply", "panoply"),
    ],
)
def test_database_name_from_url(url: str | None, name: str) -> None:
    assert database_name(url) == name


def test_raw_needs_tag() -> None:
    assert is_raw({"type": "raw", "tag": "t", "raw": "e30="})
    assert not is_raw({"type": "raw", "raw": "hello", "name": "n"})
    assert not is_raw({"type": "other", "tag": "t", "raw": "e30="})


NUMBER_SOURCE = """
from panoply import DataSource

CONFIG = {"title": "Port", "params": [{"name": "port", "title": "Port", "type": "number"}]}


class Stream(DataSource):
    def read(self):
        if self.source.get("done"):
            return None
        self.source["done"] = True
        return [{"port": self.source["port"], "kind": type(self.source["port"]).__name__}]
"""


def test_number_from_config_converted(
    write_source: Callable[[str, str], Path],
    run_cli: Callable[..., Any],
    query: Callable[[Path, str], list[tuple[Any, ...]]],
    tmp_path: Path,
) -> None:
    source = write_source("port_source", NUMBER_SOURCE)
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"port": "6543"}))
    warehouse = tmp_path / "w.duckdb"

    result = run_cli(str(source), "--config", str(config), "--to", f"duckdb://{warehouse}")

    assert result.exit_code == 0, result.output
    assert query(warehouse, "select port, kind from port_source") == [(6543, "int")]


def test_number_from_config_invalid(
    write_source: Callable[[str, str], Path], run_cli: Callable[..., Any], tmp_path: Path
) -> None:
    source = write_source("port_source", NUMBER_SOURCE)
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"port": "sixty"}))

    result = run_cli(str(source), "--config", str(config), "--to", f"jsonl://{tmp_path}")

    assert result.exit_code == 2
    assert "invalid value 'sixty' for --port: expected a number" in result.output
