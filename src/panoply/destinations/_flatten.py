"""Records turned into columns, with nested values split into child tables.

A nested object or list in field F of table T goes to the child table ``T_f`` (F
lower-cased), one row per object or list item, with these link columns:

- ``__parent_id``: the parent row's key value when the parent table has a key,
  otherwise the parent row's ``__row_id``.
- ``__row_id``: a generated UUID string, set only on rows of tables without a key
  that have nested values of their own, so that their children can point at them.
- ``__index``: the item's 0-based position, for rows that come from a list.

A list of scalars stores each item in a ``value`` column; a list inside a list becomes
the grandchild table ``T_f_value``. Empty objects and lists store no rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from typing import Any

import orjson

from panoply.destinations._json import encode_record_value
from panoply.destinations._schema import JsonText, is_nested_type

__all__ = ["ColumnarRows", "deduplicate", "split_records"]

PARENT_ID = "__parent_id"
ROW_ID = "__row_id"
INDEX = "__index"
VALUE = "value"


@dataclass
class ColumnarRows:
    """Rows of one table held as equal-length column lists.

    Attributes:
        table: the table name.
        columns: column name to its values, one per row, None where a row lacks it.
        count: the number of rows.
        key: the upsert key column, or None to append.
        parent: the parent table of a child table, or None.
    """

    table: str
    columns: dict[str, list[Any]]
    count: int
    key: str | None = None
    parent: str | None = None
    value_types: dict[str, set[type]] = field(default_factory=dict)

    def types_of(self, column: str) -> set[type]:
        """Return the set of ``type(value)`` over a column, computed once."""
        found = self.value_types.get(column)
        if found is None:
            found = self.value_types[column] = set(map(type, self.columns[column]))
        return found


def deduplicate(records: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Keep the last record of each key value, in the order those records arrived.

    Records without a key value are all kept.
    """
    last_index: dict[Any, int] = {}
    for index, record in enumerate(records):
        value = record.get(key)
        if value is not None:
            last_index[_hashable(value)] = index
    if len(last_index) == len(records):
        return records
    keep = set(last_index.values())
    return [r for i, r in enumerate(records) if i in keep or r.get(key) is None]


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return orjson.dumps(encode_record_value(value))
    return value


def split_records(
    table: str, records: list[dict[str, Any]], key: str | None, *, nested_as_json: bool
) -> list[ColumnarRows]:
    """Turn records into columns of `table` and, unless `nested_as_json`, its child tables.

    The parent comes first, then each child before its own children.
    """
    rows = ColumnarRows(table, _columnize(records), len(records), key)
    result = [rows]
    for name, values in list(rows.columns.items()):
        if not any(is_nested_type(value_type) for value_type in rows.types_of(name)):
            continue
        del rows.value_types[name]
        if nested_as_json or name == key:
            rows.columns[name] = [_as_json(value) for value in values]
            continue
        children = _child_records(rows, values)
        rows.value_types.pop(ROW_ID, None)
        if all(value is None for value in values):
            del rows.columns[name]
        child_table = f"{table}_{name.lower()}"
        for child in split_records(child_table, children, None, nested_as_json=False):
            child.parent = child.parent or table
            result.append(child)
    return result


def _columnize(records: list[dict[str, Any]]) -> dict[str, list[Any]]:
    names = list(dict.fromkeys(chain.from_iterable(records)))
    if not names:
        return {}
    columns = _transpose(records, names)
    if len({name.lower() for name in columns}) < len(columns):
        return _merge_case_variants(columns)
    return columns


def _transpose(records: list[dict[str, Any]], names: list[str]) -> dict[str, list[Any]]:
    if len(names) == 1:
        return {names[0]: [record.get(names[0]) for record in records]}
    try:
        # The fast path, when every record has every field: C loops only.
        rows = list(map(itemgetter(*names), records))
    except KeyError:
        return {name: [record.get(name) for record in records] for name in names}
    return dict(zip(names, map(list, zip(*rows, strict=True)), strict=True))


def _merge_case_variants(columns: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Merge columns whose names differ only in case; DuckDB names ignore case.

    The first spelling names the column. A row with values under several spellings
    keeps the value of the spelling seen last.
    """
    merged: dict[str, list[Any]] = {}
    spelling: dict[str, str] = {}
    for name, values in columns.items():
        first = spelling.setdefault(name.lower(), name)
        if first not in merged:
            merged[first] = list(values)
            continue
        target = merged[first]
        for index, value in enumerate(values):
            if value is not None:
                target[index] = value
    return merged


def _as_json(value: Any) -> Any:
    if value is None or not is_nested_type(type(value)):
        return value
    return JsonText(orjson.dumps(encode_record_value(value)).decode())


def _child_records(rows: ColumnarRows, values: list[Any]) -> list[dict[str, Any]]:
    """Move the nested values of one column out of `rows` into child records."""
    links = _parent_links(rows, values)
    children: list[dict[str, Any]] = []
    for index, value in enumerate(values):
        if value is None or not is_nested_type(type(value)):
            continue
        values[index] = None
        if not value:
            continue
        if isinstance(value, Mapping):
            children.append({**value, PARENT_ID: links[index]})
            continue
        for position, item in enumerate(value):
            fields = item if isinstance(item, Mapping) else {VALUE: item}
            children.append({**fields, PARENT_ID: links[index], INDEX: position})
    return children


def _parent_links(rows: ColumnarRows, values: list[Any]) -> list[Any]:
    if rows.key is not None:
        return rows.columns[rows.key] if rows.key in rows.columns else [None] * rows.count

    row_ids = rows.columns.get(ROW_ID)
    if row_ids is None:
        row_ids = rows.columns[ROW_ID] = [None] * rows.count
    for index, value in enumerate(values):
        if row_ids[index] is None and value and is_nested_type(type(value)):
            row_ids[index] = str(uuid.uuid4())
    return row_ids
