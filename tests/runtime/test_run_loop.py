"""`panoply run` end to end into DuckDB: retries, resume, routing, raw records, secrets."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result

# Pages of records; each read() fires the state to resume after the page, then
# returns the page tagged with it. `fail_pages` lists the pages whose read raises,
# `failures` how many times (per page, within one run). Each construction appends
# the state it received to `marker`.
PAGED_SOURCE = """
    import json, os, signal
    from panoply import DataSource, PanoplyException

    CONFIG = {"title": "Paged", "params": [
        {"name": "pages", "type": "number", "default": 5},
        {"name": "page_size", "type": "number", "default": 2},
        {"name": "fail_pages", "type": "list"},
        {"name": "failures", "type": "number", "default": 0},
        {"name": "retryable", "type": "select", "values": ["yes", "no"], "default": "yes"},
        {"name": "kill_page", "type": "number", "default": -1},
        {"name": "marker", "required": True},
    ]}

    class Stream(DataSource):
        failed = {}

        def __init__(self, source, options):
            super().__init__(source, options)
            with open(source["marker"], "a") as file:
                file.write(json.dumps(source.get("state")) + "\\n")
            self.page = (source.get("state") or {}).get("page", 0)

        def read(self):
            source = self.source
            if self.page >= source["pages"]:
                return None
            page = self.page
            self.state(page + 1, {"page": page + 1})
            if page == source["kill_page"]:
                os.kill(os.getpid(), signal.SIGKILL)
            if str(page) in (source.get("fail_pages") or []):
                done = Stream.failed.get(page, 0)
                if done < source["failures"]:
                    Stream.failed[page] = done + 1
                    raise PanoplyException(f"page {page} failed",
                                           retryable=source["retryable"] == "yes")
            self.page += 1
            size = source["page_size"]
            return [{"n": page * size + i, "page": page, "__state": page + 1}
                    for i in range(size)]
"""


def marker_states(marker: Path) -> list[Any]:
    return [json.loads(line) for line in marker.read_text().splitlines()]


def test_fails_twice_then_succeeds(
    write_source: Callable[..., Path], run_cli: Callable[..., Result], tmp_path: Path, query: Any
) -> None:
    source = write_source("paged", PAGED_SOURCE)
    marker, db = tmp_path / "marker", tmp_path / "w.duckdb"
    result = run_cli(
        str(source), "--marker", str(marker), "--fail_pages", "2", "--failures", "2",
        "--retry-delay", "0", "--to", f"duckdb:///{db}",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # Each failure commits the states that closed, and the retry resumes there.
    assert marker_states(marker) == [{}, {"page": 2}, {"page": 2}]
    assert query(db, "SELECT n FROM paged ORDER BY n") == [(n,) for n in range(10)]
    assert "Loaded 10 rows into 1 table " in result.stdout
    assert "attempts: 3" in result.stdout
    assert result.stderr.count("retrying in") == 2


def test_non_retryable_failure_one_attempt(
    write_source: Callable[..., Path], run_cli: Callable[..., Result], tmp_path: Path, query: Any
) -> None:
    source = write_source("paged", PAGED_SOURCE)
    marker, db = tmp_path / "marker", tmp_path / "w.duckdb"
    result = run_cli(
        str(source), "--marker", str(marker), "--fail_pages", "0", "--failures", "1",
        "--retryable", "no", "--retry-delay", "0", "--to", f"duckdb:///{db}",
    )  # fmt: skip
    assert result.exit_code == 1
    assert marker_states(marker) == [{}]
    assert (
        "Error: data source 'paged' failed with a non-retryable error on attempt 1: "
        "PanoplyException: page 0 failed" in result.stderr
    )


def test_out_of_attempts(
    write_source: Callable[..., Path], run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    source = write_source("paged", PAGED_SOURCE)
    marker = tmp_path / "marker"
    result = run_cli(
        str(source), "--marker", str(marker), "--fail_pages", "0", "--failures", "9",
        "--retry-delay", "0", "--to", f"duckdb:///{tmp_path}/w.duckdb",
    )  # fmt: skip
    assert result.exit_code == 1
    assert len(marker_states(marker)) == 4
    assert (
        "Error: data source 'paged' failed after 4 attempts; last error: "
        "PanoplyException: page 0 failed" in result.stderr
    )


def test_resume_after_failed_run(
    write_source: Callable[..., Path], run_cli: Callable[..., Result], tmp_path: Path, query: Any
) -> None:
    source = write_source("paged", PAGED_SOURCE)
    marker, db = tmp_path / "marker", tmp_path / "w.duckdb"
    common = ["--marker", str(marker), "--pages", "6", "--id", "paged-1", "--to", f"duckdb:///{db}"]

    failed = run_cli(
        str(source), *common, "--fail_pages", "3", "--failures", "1", "--retryable", "no"
    )
    assert failed.exit_code == 1
    # Page 3's state was fired but never closed: pages 0-2 are committed with state 3.
    assert query(db, "SELECT max(n), count(*) FROM paged") == [(5, 6)]

    # The stored source keeps the params of the failed run, so --failures is reset.
    resumed = run_cli(str(source), *common, "--failures", "0")
    assert resumed.exit_code == 0, resumed.output
    assert marker_states(marker) == [{}, {"page": 3}]
    assert query(db, "SELECT n FROM paged ORDER BY n") == [(n,) for n in range(12)]
    # A complete run clears the state, so the next run starts over.
    assert query(db, "SELECT state FROM _panoply_checkpoints WHERE source_id = 'paged-1'") == [
        ("{}",)
    ]


def test_resume_after_kill(write_source: Callable[..., Path], tmp_path: Path, query: Any) -> None:
    source = write_source("paged", PAGED_SOURCE)
    marker, db = tmp_path / "marker", tmp_path / "w.duckdb"
    command = [
        sys.executable, "-c", "from panoply.cli import main; main()", "run", str(source),
        "--marker", str(marker), "--page_size", "3000", "--id", "paged-kill",
        "--to", f"duckdb:///{db}",
    ]  # fmt: skip

    killed = subprocess.run([*command, "--kill_page", "3"], capture_output=True, check=False)
    assert killed.returncode == -9
    # State 3 closed when page 3 began but its 3000 records were below the
    # transaction size, so the last commit is pages 0-1 with state 2.
    assert query(db, "SELECT count(*), count(DISTINCT n), max(n) FROM paged") == [
        (6000, 6000, 5999)
    ]

    resumed = subprocess.run([*command, "--kill_page", "99"], capture_output=True, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert marker_states(marker) == [{}, {"page": 2}]
    assert query(db, "SELECT count(*), count(DISTINCT n), min(n), max(n) FROM paged") == [
        (15000, 15000, 0, 14999)
    ]


ROUTED_SOURCE = """
    from panoply import DataSource

    CONFIG = {"title": "Routed", "params": []}

    class Stream(DataSource):
        def __init__(self, source, options):
            super().__init__(source, options)
            source["destination"] = "Routed_{kind}"
            source["idpattern"] = "{kind}#{code}"
            self.done = False

        def read(self, n):
            if self.done:
                return None
            self.done = True
            assert n == self.source["__batchSize"]
            return [
                {"kind": "A", "code": 1, "v": "first"},
                {"kind": "A", "v": "no code"},
                {"kind": "B", "code": 2, "v": "second"},
                {"kind": "A", "code": 1, "v": "first again"},
            ]
"""


def test_routing_and_idpattern(
    write_source: Callable[..., Path], run_cli: Callable[..., Result], tmp_path: Path, query: Any
) -> None:
    source = write_source("routed", ROUTED_SOURCE)
    db = tmp_path / "w.duckdb"
    result = run_cli(str(source), "--to", f"duckdb:///{db}")
    assert result.exit_code == 0, result.output
    assert query(db, "SELECT id, v FROM routed_a ORDER BY id") == [
        ("A#", "no code"),
        ("A#1", "first again"),
    ]
    assert query(db, "SELECT id, v FROM routed_b") == [("B#2", "second")]


TABLE_FIELD_SOURCE = """
    from panoply import DataSource

    CONFIG = {"title": "Tables", "params": []}

    class Stream(DataSource):
        done = False

        def read(self):
            if self.done:
                return None
            self.done = True
            return [{"__table": "Events", "id": 7, "x": 1}, {"x": 2}]
"""


def test_table_field_and_type_default(
    write_source: Callable[..., Path], run_cli: Callable[..., Result], tmp_path: Path, query: Any
) -> None:
    source = write_source("tabled", TABLE_FIELD_SOURCE)
    db = tmp_path / "w.duckdb"
    result = run_cli(str(source), "--to", f"duckdb:///{db}")
    assert result.exit_code == 0, result.output
    assert query(db, "SELECT id, x FROM events") == [(7, 1)]
    assert query(db, "SELECT x FROM tabled") == [(2,)]


RAW_SOURCE = """
    from panoply import DataSource

    CONFIG = {"title": "Raw", "params": []}

    class Stream(DataSource):
        done = False

        def read(self):
            if self.done:
                return None
            self.done = True
            return [
                self.raw("people.csv", b"name,age\\nann,31\\nbob,42\\n", {"file": "people.csv"}),
                self.raw("items", b'[{"sku": "a1"}, {"sku": "b2"}]', {"file": "items.json"}),
                self.raw("log", b'{"sku": "c3"}\\n{"sku": "d4"}\\n', {"file": "log.jsonl"}),
            ]
"""


def test_raw_records_parsed(
    write_source: Callable[..., Path], run_cli: Callable[..., Result], tmp_path: Path, query: Any
) -> None:
    source = write_source("rawsrc", RAW_SOURCE)
    db = tmp_path / "w.duckdb"
    result = run_cli(str(source), "--to", f"duckdb:///{db}")
    assert result.exit_code == 0, result.output
    rows = query(db, "SELECT name, age, sku, file FROM rawsrc ORDER BY file, name, sku")
    assert rows == [
        (None, None, "a1", "items.json"),
        (None, None, "b2", "items.json"),
        (None, None, "c3", "log.jsonl"),
        (None, None, "d4", "log.jsonl"),
        ("ann", "31", None, "people.csv"),
        ("bob", "42", None, "people.csv"),
    ]


SECRET = "pw-SECRET-4711"

SECRET_SOURCE = """
    from panoply import DataSource, PanoplyException

    CONFIG = {"title": "Secretive", "params": [
        {"name": "password", "type": "password", "required": True},
        {"name": "fail", "type": "select", "values": ["yes", "no"], "default": "no"},
    ]}

    class Stream(DataSource):
        def __init__(self, source, options):
            super().__init__(source, options)
            self.pages = 0

        def read(self):
            self.log("connecting with", self.source["password"])
            if self.source["fail"] == "yes":
                raise PanoplyException("login failed for " + self.source["password"],
                                       retryable=False)
            if self.pages == 2:
                return None
            self.pages += 1
            self.state(self.pages, {"page": self.pages})
            return [{"page": self.pages, "__state": self.pages}]
"""


def test_password_never_written(
    write_source: Callable[..., Path], run_cli: Callable[..., Result], tmp_path: Path, query: Any
) -> None:
    source = write_source("secretive", SECRET_SOURCE)
    db, log, state = tmp_path / "w.duckdb", tmp_path / "run.log", tmp_path / "state.json"
    common = ["--password", SECRET, "--to", f"duckdb:///{db}", "--log-file", str(log)]

    ok = run_cli(str(source), *common, "--state", str(state))
    failed = run_cli(str(source), *common, "--fail", "yes")

    assert ok.exit_code == 0, ok.output
    assert failed.exit_code == 1
    assert "login failed for ***" in failed.stderr
    assert "connecting with ***" in log.read_text()
    for text in (ok.stdout, ok.stderr, failed.stdout, failed.stderr):
        assert SECRET not in text
    for path in (log, state, db):
        assert SECRET.encode() not in path.read_bytes()
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o600
    assert json.loads(state.read_text())["state"] == {}
    stored = query(db, "SELECT source FROM _panoply_checkpoints")
    assert len(stored) == 1
    assert "password" not in json.loads(stored[0][0])
    assert query(db, "SELECT page FROM secretive ORDER BY page") == [(1,), (2,)]


INCREMENTAL_SOURCE = """
    from panoply import DataSource

    CONFIG = {"title": "Incremental", "params": [{"name": "top", "type": "number"}]}

    class Stream(DataSource):
        def __init__(self, source, options):
            super().__init__(source, options)
            source["inckey"] = "updated"
            self.since = source.get("incval") or 0
            self.done = False

        def read(self):
            if self.done:
                return None
            self.done = True
            return [{"id": i, "updated": i} for i in range(self.since + 1, self.source["top"] + 1)]
"""


def test_incremental_value_supplied_next_run(
    write_source: Callable[..., Path], run_cli: Callable[..., Result], tmp_path: Path, query: Any
) -> None:
    source = write_source("incsrc", INCREMENTAL_SOURCE)
    db, state = tmp_path / "w.duckdb", tmp_path / "state.json"
    common = ["--to", f"duckdb:///{db}", "--id", "inc-1", "--state", str(state)]

    first = run_cli(str(source), *common, "--top", "3")
    assert first.exit_code == 0, first.output
    stored = json.loads(state.read_text())["source"]
    assert stored["incval"] == 3
    assert len(stored["lastTimeSucceed"]) == len("2024-01-02T03:04:05.678Z")
    assert stored["lastTimeSucceed"].endswith("Z")

    second = run_cli(str(source), *common, "--top", "5")
    assert second.exit_code == 0, second.output
    assert "Loaded 2 rows" in second.stdout
    assert query(db, "SELECT id FROM incsrc ORDER BY id") == [(1,), (2,), (3,), (4,), (5,)]
