"""Fixtures of the runtime tests: source files, the CLI runner, a token server."""

from __future__ import annotations

import json
import textwrap
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import duckdb
import pytest
from click.testing import CliRunner, Result

from panoply.cli import main
from panoply.destinations.base import Checkpoint, Destination, TableBatch


@pytest.fixture
def list_destination() -> ListDestination:
    return ListDestination()


class ListDestination(Destination):
    """A destination that keeps each write in memory, in order."""

    def __init__(self, checkpoint: Checkpoint | None = None) -> None:
        self.writes: list[tuple[list[TableBatch], Checkpoint | None]] = []
        self.checkpoint = checkpoint

    def write(self, batches: Sequence[TableBatch], checkpoint: Checkpoint | None) -> None:
        self.writes.append((list(batches), checkpoint))
        if checkpoint is not None:
            self.checkpoint = checkpoint

    def read_checkpoint(self, source_id: str) -> Checkpoint | None:
        if self.checkpoint is not None and self.checkpoint.source_id == source_id:
            return self.checkpoint
        return None

    def close(self) -> None:
        pass

    def rows(self, table: str) -> list[dict[str, Any]]:
        return [
            record
            for batches, _ in self.writes
            for batch in batches
            if batch.table == table
            for record in batch.records
        ]


@pytest.fixture
def write_source(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a data source module and return its path."""

    def write(name: str, code: str) -> Path:
        path = tmp_path / f"{name}.py"
        path.write_text(textwrap.dedent(code), encoding="utf-8")
        return path

    return write


@pytest.fixture
def run_cli() -> Callable[..., Result]:
    def run(*arguments: str, input: str | None = None) -> Result:
        return CliRunner().invoke(
            main, ["run", *arguments], input=input, catch_exceptions=False, prog_name="panoply"
        )

    return run


@pytest.fixture
def query() -> Callable[[Path, str], list[tuple[Any, ...]]]:
    """Run SQL on a DuckDB file, read-only, and return its rows."""

    def run(path: Path, sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(path), read_only=True) as connection:
            return connection.execute(sql).fetchall()

    return run


@dataclass
class TokenServer:
    """A local OAuth2 token endpoint that returns scripted responses in order."""

    url: str
    responses: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    requests: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_response(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.requests.append(form)
            return self.responses.pop(0) if self.responses else (500, {"error": "no response"})


@pytest.fixture
def token_server() -> Iterator[TokenServer]:
    holder: dict[str, TokenServer] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length).decode("utf-8")
            form = {key: values[0] for key, values in parse_qs(body).items()}
            status, document = holder["server"].next_response(form)
            payload = json.dumps(document).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder["server"] = TokenServer(url=f"http://127.0.0.1:{server.server_port}/token")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder["server"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
