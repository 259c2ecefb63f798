"""The package's public surface, and what importing it does and does not do."""

from __future__ import annotations

import subprocess
import sys

import panoply
import panoply.errors


def test_all_lists_the_public_api() -> None:
    # ruff (RUF022) keeps the list sorted; this pins its content.
    assert set(panoply.__all__) == {
        "SDK",
        "DataSource",
        "PanoplyException",
        "__version__",
        "background_progress",
        "errors",
        "validate_token",
    }
    for name in panoply.__all__:
        assert getattr(panoply, name) is not None


def test_exception_names_are_one_class() -> None:
    assert panoply.PanoplyException is panoply.errors.PanoplyException
    error = panoply.PanoplyException("rejected", retryable=False)
    assert error.retryable is False
    assert str(error) == "rejected"
    assert panoply.PanoplyException("flaky").retryable is True


def test_import_is_light_and_quiet() -> None:
    script = (
        "import sys, threading, logging\n"
        "import panoply\n"
        "heavy = sorted(m for m in ('duckdb', 'urllib3', 'rich', 'click', 'pyarrow') "
        "if m in sys.modules)\n"
        "print(heavy, threading.active_count(), logging.getLogger().handlers)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[] 1 []"
    assert result.stderr == ""
