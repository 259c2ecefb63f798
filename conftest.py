"""Session fixtures shared by tests/ and examples/: local servers on 127.0.0.1.

Each server starts once per session on a free port, is awaited by polling its
readiness and is stopped at the end. When one cannot start, the tests that need it
are skipped with a reason naming what to install, except on CI (env CI=true), where
they fail instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from tests.support.postgres import PostgresServer, PostgresUnavailableError
from tests.support.services import service_unavailable


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """A libpq URL of a PostgreSQL server: env PANOPLY_TEST_POSTGRES_DSN or a throwaway one."""
    configured = os.environ.get("PANOPLY_TEST_POSTGRES_DSN")
    if configured:
        yield configured
        return

    try:
        server = PostgresServer()
    except PostgresUnavailableError as error:
        service_unavailable(str(error))

    try:
        server.start()
    except (PostgresUnavailableError, TimeoutError) as error:
        server.stop()
        service_unavailable(f"PostgreSQL did not start: {error}")

    yield server.dsn
    server.stop()
