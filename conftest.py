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
from tests.support import localstack, moto_sqs
from tests.support.postgres import PostgresServer, PostgresUnavailableError
from tests.support.queues import PanoplyQueue, create_panoply_queue
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


@pytest.fixture(scope="session")
def moto_sqs_url() -> Iterator[str]:
    """The endpoint URL of moto's SQS backend, serving only SQS."""
    server = moto_sqs.MotoSqsServer()
    try:
        server.start()
    except moto_sqs.MotoUnavailableError as error:
        server.stop()
        service_unavailable(f"{error}\nInstall the test extras: pip install -e '.[test]'")

    print(f"\nmoto SQS server listening on port {server.port}")
    yield server.url
    server.stop()


@pytest.fixture
def moto_queue(moto_sqs_url: str) -> PanoplyQueue:
    """A fresh queue on moto with fresh Panoply credentials that send to it."""
    return create_panoply_queue(moto_sqs_url, moto_sqs.AWS_ACCOUNT)


@pytest.fixture(scope="session")
def localstack_sqs_url() -> Iterator[str]:
    """The endpoint URL of LocalStack serving SQS, which checks messages like AWS."""
    try:
        server = localstack.LocalStackServer()
    except localstack.LocalStackUnavailableError as error:
        service_unavailable(str(error))

    try:
        server.start()
    except (localstack.LocalStackUnavailableError, TimeoutError) as error:
        server.stop()
        service_unavailable(f"LocalStack did not start: {error}")

    yield server.url
    server.stop()
