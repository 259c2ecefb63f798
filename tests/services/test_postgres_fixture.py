"""Smoke test of the PostgreSQL session fixture."""

from __future__ import annotations

import psycopg
import pytest

pytestmark = pytest.mark.postgres


def test_postgres_dsn_accepts_queries(postgres_dsn: str) -> None:
    with psycopg.connect(postgres_dsn) as connection:
        row = connection.execute("select 1").fetchone()

    assert row == (1,)
