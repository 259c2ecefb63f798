"""A data source written the way published Panoply sources are, installed as `panoply.NAME`."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb

LEGACY_SOURCE = """
from panoply import DataSource, PanoplyException
from panoply.errors import PanoplyException as ErrorsPanoplyException

assert PanoplyException is ErrorsPanoplyException

CONFIG = {
    "title": "Legacy",
    "icon": "data:image/png;base64,iVBORw0KGgo=",
    "categories": ["test"],
    "params": [
        {"name": "count", "title": "Count", "type": "number", "required": True},
        {"name": "apiKey", "title": "API key", "type": "password", "required": True},
    ],
}


class Stream(DataSource):
    def __init__(self, source, options={}):
        super(Stream, self).__init__(source, options)
        source["destination"] = source.get("destination") or "legacy_{kind}"
        source["idpattern"] = "{kind}#{n}{missing}"
        if source["apiKey"] != "s3cret-api-key":
            raise PanoplyException("bad API key", retryable=False)
        self.total = int(source["count"])
        self.done = (source.get("state") or {}).get("done", 0)

    def read(self):
        if self.done >= self.total:
            return None
        end = min(self.done + 10, self.total)
        batch = [
            {"kind": "odd" if n % 2 else "even", "n": n, "tags": [n, n + 1]}
            for n in range(self.done, end)
        ]
        self.done = end
        self.log("read batch", len(batch), {"key": self.source["apiKey"]})
        self.progress(self.done, self.total, "reading")
        state_id = "done-%d" % self.done
        self.state(state_id, {"done": self.done})
        for record in batch:
            record["__state"] = state_id
        return batch
"""


def install_legacy_source(root: Path) -> None:
    # A separate sys.path entry, as a source installed by its own distribution would be.
    package = root / "panoply" / "legacysource"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(LEGACY_SOURCE), encoding="utf-8")


def run_legacy(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run `panoply run panoply.legacysource ARGUMENTS` in a subprocess that finds it."""
    install_legacy_source(tmp_path / "site")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    command = [sys.executable, "-m", "panoply.cli", "run", "panoply.legacysource", *arguments]
    return subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=120, check=False, cwd=tmp_path
    )


def test_legacy_source_runs_unchanged(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"

    result = run_legacy(
        tmp_path,
        "--count",
        "25",
        "--apiKey",
        "s3cret-api-key",
        "--to",
        f"duckdb://{warehouse}",
    )

    assert result.returncode == 0, result.stderr
    assert "s3cret-api-key" not in result.stdout + result.stderr
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        odd = connection.sql("select id, n from legacy_odd order by n").fetchall()
        even = connection.sql("select id, n from legacy_even order by n").fetchall()
        tags = connection.sql(
            "select p.n, t.value from legacy_odd_tags t join legacy_odd p "
            "on t.__parent_id = p.id order by p.n, t.__index"
        ).fetchall()
    assert odd == [(f"odd#{n}", n) for n in range(1, 25, 2)]
    assert even == [(f"even#{n}", n) for n in range(0, 25, 2)]
    assert tags[:4] == [(1, 1), (1, 2), (3, 3), (3, 4)]
    assert len(tags) == 24
    assert b"s3cret-api-key" not in warehouse.read_bytes()


def test_legacy_source_non_retryable_error(tmp_path: Path) -> None:

    result = run_legacy(
        tmp_path,
        "--count",
        "5",
        "--apiKey",
        "wrong-key-value",
        "--to",
        f"jsonl://{tmp_path / 'out'}",
    )

    assert result.returncode == 1
    assert result.stderr.count("bad API key") == 1
    assert "run the same command again to resume" in result.stderr
    assert "Traceback" not in result.stderr
    assert "wrong-key-value" not in result.stdout + result.stderr


def test_verbose_shows_traceback(tmp_path: Path) -> None:
    log_file = tmp_path / "run.log"

    result = run_legacy(
        tmp_path,
        "--count",
        "5",
        "--apiKey",
        "wrong-key-value",
        "--to",
        f"jsonl://{tmp_path / 'out'}",
        "--verbose",
        "--log-file",
        str(log_file),
    )

    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert 'raise PanoplyException("bad API key", retryable=False)' in result.stderr
    assert "Traceback" in log_file.read_text()
    assert "wrong-key-value" not in result.stderr + log_file.read_text()
