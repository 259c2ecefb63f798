"""Keys without an idpattern: a record's own id makes its write an upsert."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

MIXED_IDS = """
from panoply import DataSource

CONFIG = {"title": "Mixed ids", "params": []}


class Stream(DataSource):
    def __init__(self, source, options=None):
        super().__init__(source, options)
        source["destination"] = "items"
        self.done = False

    def read(self):
        if self.done:
            return None
        self.done = True
        return [{"id": 1, "v": "keyed"}, {"v": "no id"}, {"id": None, "v": "null id"}]
"""


def test_own_id_upserts_beside_unkeyed(
    write_source: Callable[[str, str], Path],
    run_cli: Callable[..., Any],
    query: Callable[[Path, str], list[tuple[Any, ...]]],
    tmp_path: Path,
) -> None:
    source = write_source("mixed_ids", MIXED_IDS)
    warehouse = tmp_path / "w.duckdb"

    for _ in range(2):
        result = run_cli(str(source), "--to", f"duckdb://{warehouse}")
        assert result.exit_code == 0, result.output

    rows = query(warehouse, "select id, v from items order by v, id")
    assert rows == [
        (1, "keyed"),
        (None, "no id"),
        (None, "no id"),
        (None, "null id"),
        (None, "null id"),
    ]


def test_single_field_pattern_keeps_type() -> None:
    from panoply.runtime.routing import Router

    router = Router("t", idpattern="{ID}")
    assert router.prepare({"ID": 7, "v": 1}) == {"ID": 7, "v": 1, "id": 7}
    assert router.prepare({"v": 1}) == {"v": 1, "id": ""}
    assert Router("t", idpattern="{a}#{b}").prepare({"a": 1}) == {"a": 1, "id": "1#"}
