"""Process lifecycle: a script that exits without flushing, and os.fork()."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from tests.support.queues import PanoplyQueue


def run_script(source: str, queue: PanoplyQueue) -> subprocess.CompletedProcess[str]:
    script = textwrap.dedent(source).format(
        apikey=queue.apikey, apisecret=queue.apisecret, endpoint=queue.endpoint_url
    )
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )


def test_exit_without_flush_delivers(moto_queue: PanoplyQueue) -> None:
    result = run_script(
        """
        import panoply
        sdk = panoply.SDK({apikey!r}, {apisecret!r}, endpoint_url={endpoint!r})
        for n in range(500):
            sdk.write("exiting", {{"n": n}})
        """,
        moto_queue,
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    received = moto_queue.receive_all(500)
    assert sorted(record["n"] for record, _ in received) == list(range(500))
    assert moto_queue.receive_all(1, timeout=1) == []


@pytest.mark.skipif(not hasattr(sys.modules["os"], "fork"), reason="needs os.fork")
def test_fork_child_sends_only_its_own(moto_queue: PanoplyQueue) -> None:
    result = run_script(
        """
        import os, sys
        import panoply
        sdk = panoply.SDK({apikey!r}, {apisecret!r}, endpoint_url={endpoint!r})
        for n in range(100):
            sdk.write("forked", {{"who": "parent", "n": n}})
        pid = os.fork()
        if pid == 0:
            for n in range(50):
                sdk.write("forked", {{"who": "child", "n": n}})
            sys.exit(0)
        _, status = os.waitpid(pid, 0)
        assert sdk.flush(timeout=30) == 0
        print(os.waitstatus_to_exitcode(status))
        """,
        moto_queue,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"
    received = moto_queue.receive_all(150)
    pairs = sorted((record["who"], record["n"]) for record, _ in received)
    assert pairs == sorted([("parent", n) for n in range(100)] + [("child", n) for n in range(50)])
    assert moto_queue.receive_all(1, timeout=1) == []


def test_closed_client_stays_closed_in_child(moto_queue: PanoplyQueue) -> None:
    result = run_script(
        """
        import os, sys
        import panoply
        from panoply.errors import ClientClosedError
        sdk = panoply.SDK({apikey!r}, {apisecret!r}, endpoint_url={endpoint!r})
        sdk.write("closed", {{"n": 1}})
        sdk.close(timeout=30)
        pid = os.fork()
        if pid == 0:
            try:
                sdk.write("closed", {{"n": 2}})
            except ClientClosedError:
                os._exit(0)
            os._exit(3)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status))
        """,
        moto_queue,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"
    assert [record["n"] for record, _ in moto_queue.receive_all(1)] == [1]
    assert moto_queue.receive_all(1, timeout=1) == []
