"""Benchmark the streaming client: write() cost on the caller's thread, and end-to-end rate.

Usage: .venv/bin/python benchmarks/sdk_write.py [--records N]

Starts moto's SQS server in a subprocess on 127.0.0.1 and measures, in one run:

1. caller cost: seconds per `SDK.write()` with the sender running, next to
   `orjson.dumps` of the same records (the bare encoding cost) in the same process;
2. end-to-end: records per second from the first write until `flush()` returns 0,
   next to the rate of the same server taking pre-built SendMessageBatch
   requests of the same bodies sent with urllib3 alone (the server's ceiling).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import urllib3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.moto_sqs import AWS_ACCOUNT, MotoSqsServer
from tests.support.queues import create_panoply_queue

from panoply import SDK
from panoply._encoding import encode_record
from panoply._wire import Credentials, build_batch_request

REPEATS = 5


def small_records(count: int) -> list[dict[str, Any]]:
    """Records of about 100 bytes of JSON, like typical product events."""
    return [
        {
            "user_id": 100_000 + n,
            "event": "page_view",
            "path": f"/pricing/{n % 17}",
            "ts": "2026-12-04T20:13:12.345Z",
            "ok": n % 3 == 0,
        }
        for n in range(count)
    ]


def best_of(function: Any) -> float:
    return min(function() for _ in range(REPEATS))


def time_dumps(records: list[dict[str, Any]]) -> float:
    dumps = orjson.dumps
    started = time.perf_counter()
    for record in records:
        dumps(record)
    return time.perf_counter() - started


def time_stdlib_dumps(records: list[dict[str, Any]]) -> float:
    dumps = json.dumps
    started = time.perf_counter()
    for record in records:
        dumps(record)
    return time.perf_counter() - started


def time_writes(sdk: SDK, records: list[dict[str, Any]]) -> float:
    write = sdk.write
    started = time.perf_counter()
    for record in records:
        write("events", record)
    return time.perf_counter() - started


def measure_caller_cost(
    server_url: str, records: list[dict[str, Any]]
) -> tuple[float, float, float]:
    queue = create_panoply_queue(server_url, AWS_ACCOUNT)
    sdk = SDK(queue.apikey, queue.apisecret, endpoint_url=server_url)
    sdk.write("events", records[0])  # starts the sender thread outside the timing

    write_times: list[float] = []
    dumps_times: list[float] = []
    stdlib_times: list[float] = []
    for _ in range(REPEATS):
        dumps_times.append(time_dumps(records))
        stdlib_times.append(time_stdlib_dumps(records))
        write_times.append(time_writes(sdk, records))
        if sdk.flush(timeout=120) != 0:
            raise RuntimeError("records were not delivered during the benchmark")
    sdk.close()
    count = len(records)
    return min(dumps_times) / count, min(stdlib_times) / count, min(write_times) / count


def measure_end_to_end(server_url: str, records: list[dict[str, Any]]) -> float:
    queue = create_panoply_queue(server_url, AWS_ACCOUNT)
    sdk = SDK(queue.apikey, queue.apisecret, endpoint_url=server_url)
    started = time.perf_counter()
    for record in records:
        sdk.write("events", record)
    if sdk.flush(timeout=300) != 0:
        raise RuntimeError("records were not delivered during the benchmark")
    elapsed = time.perf_counter() - started
    sdk.close()
    return len(records) / elapsed


def measure_server_ceiling(server_url: str, records: list[dict[str, Any]]) -> float:
    """Send the same records as full messages with bare urllib3: the server's own rate."""
    queue = create_panoply_queue(server_url, AWS_ACCOUNT)
    credentials = Credentials.parse(queue.apikey, queue.apisecret)
    lines = [encode_record("events", record) for record in records]
    per_message = 2_000  # about 250 KiB of these records
    bodies = [b"\n".join(lines[i : i + per_message]) for i in range(0, len(lines), per_message)]
    requests = [build_batch_request(credentials, queue.queue_url, [body]) for body in bodies]
    pool = urllib3.PoolManager(retries=False)
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}

    started = time.perf_counter()
    for request in requests:
        response = pool.request("POST", queue.queue_url, body=request, headers=headers)
        if response.status != 200:
            raise RuntimeError(f"the server returned HTTP {response.status}")
    return len(records) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    records = small_records(args.records)
    mean_size = statistics.mean(len(orjson.dumps(r)) for r in records[:1000])

    server = MotoSqsServer()
    server.start()
    try:
        dumps_cost, stdlib_cost, write_cost = measure_caller_cost(server.url, records)
        end_to_end = statistics.median(measure_end_to_end(server.url, records) for _ in range(3))
        ceiling = statistics.median(measure_server_ceiling(server.url, records) for _ in range(3))
    finally:
        server.stop()

    print(f"python {platform.python_version()}, {len(records):,} records of {mean_size:.0f} bytes")
    print(f"orjson.dumps per record      {dumps_cost * 1e6:8.2f} us")
    print(f"json.dumps per record        {stdlib_cost * 1e6:8.2f} us")
    print(f"SDK.write per record         {write_cost * 1e6:8.2f} us")
    print(f"write / dumps                {write_cost / dumps_cost:8.2f} x")
    print(f"end to end                   {end_to_end:10,.0f} records/s")
    print(f"server ceiling (bare urllib3) {ceiling:9,.0f} records/s")
    print(f"end to end / ceiling         {end_to_end / ceiling:8.2f}")


if __name__ == "__main__":
    main()
