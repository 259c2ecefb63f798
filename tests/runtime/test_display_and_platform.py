"""Progress display, secret masking helpers and platform-handled param types."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from rich.console import Console

from panoply.runtime.display import LogDisplay, RichDisplay, open_display
from panoply.runtime.incremental import format_utc
from panoply.runtime.routing import render_template
from panoply.runtime.secrets import MaskingFilter, SecretMasker


def test_log_display_lines(caplog: pytest.LogCaptureFixture) -> None:
    display = LogDisplay("demo", interval=0)
    with caplog.at_level(logging.INFO, logger="panoply.runtime.display"):
        display.records_read(3)
        display.progress({"loaded": 5, "total": None, "msg": "page 2"})
    assert caplog.messages == [
        "demo: 3 records read",
        "demo: page 2 (loaded 5 of ?, 3 records read)",
    ]


def test_rich_display_on_terminal() -> None:
    output = io.StringIO()
    console = Console(file=output, force_terminal=True, width=100)
    display = open_display(console, "demo", SecretMasker().mask)
    assert isinstance(display, RichDisplay)
    display.progress({"loaded": 1, "total": 4, "msg": "tables [users]"})
    display.records_read(1234)
    display.close()
    assert "tables [users]" in output.getvalue()
    assert "1,234 records" in output.getvalue()


def test_plain_display_without_terminal() -> None:
    console = Console(file=io.StringIO(), force_terminal=False)
    assert isinstance(open_display(console, "demo", str), LogDisplay)


def test_masking_filter_masks_arguments_and_tracebacks() -> None:
    masker = SecretMasker(["password"])
    masker.collect({"password": "hunter-22", "user": "ann"})
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskingFilter(masker))
    log = logging.getLogger("test.masking")
    log.addHandler(handler)
    try:
        log.warning("login as %s with %s", "ann", "hunter-22")
        try:
            raise ValueError("bad password hunter-22")
        except ValueError:
            log.exception("failed")
    finally:
        log.removeHandler(handler)
    text = stream.getvalue()
    assert "login as ann with ***" in text
    assert "ValueError: bad password ***" in text
    assert "hunter-22" not in text


def test_template_missing_fields_render_empty() -> None:
    assert render_template("{_type}#{_id}", {"_type": "doc"}) == "doc#"
    assert render_template("{a}-{b}", {"a": None, "b": 2}) == "-2"
    assert render_template("t_{x.y}", {"x": {"y": 1}}) == "t_"


def test_format_utc_milliseconds() -> None:
    from datetime import datetime, timedelta, timezone

    moment = datetime(2024, 1, 2, 5, 4, 5, 678901, tzinfo=timezone(timedelta(hours=2)))
    assert format_utc(moment) == "2024-01-02T03:04:05.678Z"


PLATFORM_SOURCE = """
    from panoply import DataSource

    CONFIG = {"title": "Platform", "params": [
        {"name": "target", "type": "destination", "default": "plat_{kind}"},
        {"name": "keys", "type": "primary-key"},
        {"name": "tracking", "type": "incremental-key"},
        {"name": "skip", "type": "exclude"},
    ]}

    class Stream(DataSource):
        done = False

        def read(self):
            if self.done:
                return None
            self.done = True
            return [
                {"kind": "a", "k1": 1, "k2": "x", "noise": "drop me", "ts": 5},
                {"kind": "a", "k1": 2, "k2": "y", "noise": "drop me", "ts": 9},
            ]
"""


def test_platform_param_types(
    write_source: Callable[..., Path], run_cli: Callable[..., Result], tmp_path: Path, query: Any
) -> None:
    source = write_source("platform", PLATFORM_SOURCE)
    db, state = tmp_path / "w.duckdb", tmp_path / "state.json"
    result = run_cli(
        str(source), "--keys", "k1,k2", "--tracking", "ts", "--skip", "noise",
        "--state", str(state), "--to", f"duckdb:///{db}",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    columns = [row[0] for row in query(db, "SELECT column_name FROM (DESCRIBE plat_a)")]
    assert "noise" not in columns
    assert query(db, "SELECT id, ts FROM plat_a ORDER BY id") == [("1-x", 5), ("2-y", 9)]
    assert '"incval": 9' in state.read_text()
