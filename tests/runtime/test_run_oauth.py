"""`panoply run` with an OAuth2 source: refreshed tokens persist only to the user's files."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

OAUTH_SOURCE = """
    from panoply import DataSource, validate_token

    CONFIG = {"title": "OAuth demo", "params": [
        {"name": "oauth", "type": "oauth", "required": True},
        {"name": "token_url", "required": True},
    ]}

    class Expired(Exception):
        pass

    class Stream(DataSource):
        def __init__(self, source, options):
            super().__init__(source, options)
            self.done = False
            self.read = validate_token(source["token_url"], Expired)(Stream.read_page).__get__(self)

        def read_page(self):
            if self.source["access_token"] != "access-NEW-2":
                raise Expired("token expired")
            if self.done:
                return None
            self.done = True
            return [{"id": 1, "who": "me"}]
"""


def test_refreshed_tokens_persist(
    write_source: Callable[..., Path],
    run_cli: Callable[..., Result],
    tmp_path: Path,
    token_server: Any,
    query: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PANOPLY_OAUTH_CLIENT_ID", "client-1")
    monkeypatch.setenv("PANOPLY_OAUTH_CLIENT_SECRET", "client-SECRET-9")
    token_server.responses = [
        (200, {"access_token": "access-NEW-2", "refresh_token": "refresh-NEW-2"})
    ]
    source = write_source("oauthsrc", OAUTH_SOURCE)
    config, state, db = tmp_path / "config.json", tmp_path / "state.json", tmp_path / "w.duckdb"
    config.write_text(
        json.dumps(
            {
                "token_url": token_server.url,
                "access_token": "access-OLD-1",
                "refresh_token": "refresh-OLD-1",
            }
        )
    )

    result = run_cli(
        str(source), "--config", str(config), "--state", str(state), "--to", f"duckdb:///{db}"
    )

    assert result.exit_code == 0, result.output
    assert token_server.requests == [
        {
            "client_id": "client-1",
            "client_secret": "client-SECRET-9",
            "grant_type": "refresh_token",
            "refresh_token": "refresh-OLD-1",
        }
    ]
    saved_config = json.loads(config.read_text())
    assert saved_config["access_token"] == "access-NEW-2"
    assert saved_config["refresh_token"] == "refresh-NEW-2"
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
    saved_state = json.loads(state.read_text())
    assert saved_state["source"]["refresh_token"] == "refresh-NEW-2"
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o600

    for secret in (b"access-", b"refresh-", b"client-SECRET"):
        assert secret not in db.read_bytes()
        assert secret.decode() not in result.output
    assert query(db, "SELECT id, who FROM oauthsrc") == [(1, "me")]
