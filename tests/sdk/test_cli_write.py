"""`panoply write` end to end: a subprocess sending files to moto's SQS server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.queues import PanoplyQueue

PANOPLY = [sys.executable, "-m", "panoply.cli"]


def run_cli(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `panoply write ARGS` with exactly the environment `env`."""
    return subprocess.run(
        [*PANOPLY, "write", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def run_write(
    queue: PanoplyQueue, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PANOPLY_API_KEY": queue.apikey,
        "PANOPLY_API_SECRET": queue.apisecret,
        "PANOPLY_ENDPOINT_URL": queue.endpoint_url,
    }
    return run_cli(env, *args, stdin=stdin)


def test_json_lines_file_delivered(moto_queue: PanoplyQueue, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"n": 1}\n\n{"n": 2, "s": "ü"}\n')

    result = run_write(moto_queue, "events", str(path))

    assert result.returncode == 0, result.stderr
    assert "2 records sent, 0 not delivered, 0 rejected" in result.stderr
    records = [record for record, _ in moto_queue.receive_all(2)]
    assert records == [{"n": 1, "__table": "events"}, {"n": 2, "s": "ü", "__table": "events"}]


def test_bad_lines_reported_and_exit_one(moto_queue: PanoplyQueue, tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"n": 1}\n{"n": \n[1, 2]\n{"n": 4}\n')

    result = run_write(moto_queue, "mixed", str(path))

    assert result.returncode == 1
    assert f"rejected {path}:2: invalid JSON" in result.stderr
    assert f"rejected {path}:3: expected a JSON object, got list" in result.stderr
    assert "2 records sent, 0 not delivered, 2 rejected" in result.stderr
    records = sorted(record["n"] for record, _ in moto_queue.receive_all(2))
    assert records == [1, 4]


def test_csv_from_stdin(moto_queue: PanoplyQueue) -> None:
    result = run_write(moto_queue, "people", "--csv", stdin="name,age\nAda,36\nBob,\n")

    assert result.returncode == 0, result.stderr
    records = [record for record, _ in moto_queue.receive_all(2)]
    assert records == [
        {"name": "Ada", "age": "36", "__table": "people"},
        {"name": "Bob", "age": None, "__table": "people"},
    ]


def test_missing_credentials_usage_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANOPLY_")}
    result = run_cli(env, "t")
    assert result.returncode == 2
    assert "missing the Panoply API key: set PANOPLY_API_KEY or pass --apikey" in result.stderr


def test_malformed_secret_usage_error(moto_queue: PanoplyQueue) -> None:
    env = {**os.environ, "PANOPLY_API_KEY": "acme/k", "PANOPLY_API_SECRET": "c2VjcmV0LXZhbHVl"}
    result = run_cli(env, "t", stdin="")
    assert result.returncode == 2
    assert "decodes to 1 '/'-separated parts" in result.stderr
    assert "c2VjcmV0LXZhbHVl" not in result.stderr


def test_wrong_key_explains_failure(moto_queue: PanoplyQueue, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PANOPLY_API_KEY": "otheraccount/key",
        "PANOPLY_API_SECRET": moto_queue.apisecret,
        "PANOPLY_ENDPOINT_URL": moto_queue.endpoint_url,
    }
    result = run_cli(env, "t", stdin='{"n": 1}\n')

    assert result.returncode == 1
    assert "ERROR: gave up on 1 record after 1 attempt" in result.stderr
    assert "NonExistentQueue" in result.stderr
    assert "check the API key and secret" in result.stderr
    assert "0 records sent, 1 not delivered, 0 rejected" in result.stderr
    assert moto_queue.apisecret not in result.stderr


def test_big_integers_stay_exact(moto_queue: PanoplyQueue) -> None:
    result = run_write(moto_queue, "big", stdin='{"big": 12345678901234567890123, "n": 1.5}\n')

    assert result.returncode == 0, result.stderr
    assert "1 record sent" in result.stderr
    [(record, _)] = moto_queue.receive_all(1)
    assert record == {"big": 12345678901234567890123, "n": 1.5, "__table": "big"}


def test_csv_problems_reported(moto_queue: PanoplyQueue, tmp_path: Path) -> None:
    repeated = tmp_path / "repeated.csv"
    repeated.write_text("id,id,name\n1,2,a\n")
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"name\nok\n\xff\xfe bad\n")

    result = run_write(moto_queue, "t", "--csv", str(repeated), str(broken))

    assert result.returncode == 1
    assert f"rejected {repeated}:1: the header repeats the column 'id'" in result.stderr
    assert f"rejected {broken}:3: the line is not valid UTF-8" in result.stderr
    assert "Traceback" not in result.stderr
    records = [record for record, _ in moto_queue.receive_all(1)]
    assert records == [{"name": "ok", "__table": "t"}]


def test_escaped_surrogate_line_accepted(moto_queue: PanoplyQueue) -> None:
    result = run_write(moto_queue, "s", stdin='{"text": "a\\ud800b"}\n')

    assert result.returncode == 0, result.stderr
    [(record, _)] = moto_queue.receive_all(1)
    assert record == {"text": "a\ud800b", "__table": "s"}


def test_exact_numbers_pass_through(moto_queue: PanoplyQueue) -> None:
    line = '{"f": 1.0000000000000001, "big": 1e400, "e": 12345678901234567890123e-3}\n'
    result = run_write(moto_queue, "n", stdin=line)

    assert result.returncode == 0, result.stderr
    [message] = moto_queue.sqs.receive_message(
        QueueUrl=moto_queue.queue_url, MessageAttributeNames=["All"]
    )["Messages"]
    assert message["Body"] == (
        '{"f":1.0000000000000001,"big":1E+400,"e":12345678901234567890.123,"__table":"n"}'
    )


def test_empty_table_usage_error(moto_queue: PanoplyQueue) -> None:
    result = run_write(moto_queue, "", stdin='{"n": 1}\n')

    assert result.returncode == 2
    assert "TABLE must not be empty" in result.stderr
