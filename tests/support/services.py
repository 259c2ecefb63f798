"""Shared plumbing for the local services the tests start: ports, readiness, skips."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from typing import NoReturn

import pytest

READY_POLL_INTERVAL = 0.1


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until(ready: Callable[[], bool], *, timeout: float, what: str) -> None:
    """Poll `ready` until it returns True; raise TimeoutError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} was not ready after {timeout:.0f} s")
        time.sleep(READY_POLL_INTERVAL)


def service_unavailable(message: str) -> NoReturn:
    """Skip the requesting test locally, but fail it on CI (env CI=true).

    CI must never pass by skipping, so a service that cannot start there is an error.
    """
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def tail(path: str, lines: int = 20) -> str:
    """Return the last `lines` lines of a log file, or a note when it cannot be read."""
    try:
        with open(path, encoding="utf-8", errors="replace") as log:
            return "".join(log.readlines()[-lines:])
    except OSError as error:
        return f"(log {path} unreadable: {error})"
