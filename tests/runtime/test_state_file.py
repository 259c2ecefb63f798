"""The --state file: it names its source, and changed secrets need it to survive."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

PARAM_SOURCE = """
from panoply import DataSource

CONFIG = {
    "title": "Hosts",
    "params": [
        {"name": "host", "title": "Host", "required": True},
        {"name": "password", "title": "Password", "type": "password", "required": True},
    ],
}


class Stream(DataSource):
    def __init__(self, source, options=None):
        super().__init__(source, options)
        source["destination"] = "hosts"
        self.done = False

    def read(self):
        if self.done:
            return None
        self.done = True
        self.fire("source-change", {"refresh_token": "rotated-refresh-token"})
        return [{"host": self.source["host"]}]
"""


def test_state_file_names_its_source(
    write_source: Callable[[str, str], Path],
    run_cli: Callable[..., Any],
    query: Callable[[Path, str], list[tuple[Any, ...]]],
    tmp_path: Path,
) -> None:
    source = write_source("hosts", PARAM_SOURCE)
    warehouse = tmp_path / "w.duckdb"
    state = tmp_path / "hosts.state"

    first = run_cli(
        str(source),
        "--host",
        "db1",
        "--password",
        "pw-first-run",
        "--state",
        str(state),
        "--to",
        f"duckdb://{warehouse}",
    )
    second = run_cli(
        str(source),
        "--password",
        "pw-second-run",
        "--state",
        str(state),
        "--to",
        f"duckdb://{warehouse}",
    )

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert query(warehouse, "select host from hosts") == [("db1",), ("db1",)]
    assert b"pw-first-run" not in state.read_bytes()
    assert b"rotated-refresh-token" in state.read_bytes()


def test_changed_secret_without_file_warns(
    write_source: Callable[[str, str], Path],
    run_cli: Callable[..., Any],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    source = write_source("hosts", PARAM_SOURCE)

    with caplog.at_level(logging.WARNING, logger="panoply"):
        result = run_cli(
            str(source),
            "--host",
            "db1",
            "--password",
            "pw-value",
            "--to",
            f"duckdb://{tmp_path / 'w.duckdb'}",
        )

    assert result.exit_code == 0, result.output
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "the source changed refresh_token, which this run cannot keep: the warehouse never "
        "stores secrets, so pass --state FILE (or --config FILE) to keep them for the next run"
    ]
    assert b"rotated-refresh-token" not in (tmp_path / "w.duckdb").read_bytes()
