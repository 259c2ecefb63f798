"""How `panoply run` reports a SOURCE it cannot find."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from panoply.cli import main


@pytest.mark.parametrize("source", ["./nosuch.py", "../nosuch", ".hidden", "no such/dir"])
def test_missing_source_path_usage_error(source: str) -> None:
    result = CliRunner().invoke(main, ["run", source])

    assert result.exit_code == 2
    assert f"data source {source!r} was not found" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_missing_module_usage_error() -> None:
    result = CliRunner().invoke(main, ["run", "panoply.nosuchsource"])

    assert result.exit_code == 2
    assert "'panoply.nosuchsource' was not found" in result.output
