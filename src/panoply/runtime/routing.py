"""Routing records: the table each record goes to and the key it is stored under."""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Router", "render_template"]

STATE_FIELD = "__state"
TABLE_FIELD = "__table"
KEY_FIELD = "id"


class _LenientFormatter(string.Formatter):
    """A `str.format` that renders missing fields and ``None`` as empty strings."""

    def get_field(self, field_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        try:
            value, first = super().get_field(field_name, args, kwargs)
        except (KeyError, AttributeError, IndexError, TypeError):
            return "", field_name
        return ("" if value is None else value), first


_formatter = _LenientFormatter()


def render_template(template: str, record: Mapping[str, Any]) -> str:
    """Render a ``{field}`` template over `record`; missing fields render as empty."""
    return _formatter.vformat(template, (), record)


@dataclass(frozen=True)
class Router:
    """The routing settings of a source, read after its constructor returned.

    Attributes:
        default_table: ``source["type"]``, for records without a route.
        destination: ``source["destination"]``, a ``{field}`` template, or None.
        idpattern: ``source["idpattern"]``, a ``{field}`` template of the key, or None.
        exclude: fields removed from every record.
    """

    default_table: str
    destination: str | None = None
    idpattern: str | None = None
    exclude: frozenset[str] = frozenset()

    @classmethod
    def from_source(cls, source: Mapping[str, Any]) -> Router:
        exclude = source.get("exclude") or ()
        if isinstance(exclude, str):
            exclude = [field.strip() for field in exclude.split(",")]
        return cls(
            default_table=str(source.get("type") or "records"),
            destination=source.get("destination") or None,
            idpattern=source.get("idpattern") or None,
            exclude=frozenset(str(field) for field in exclude),
        )

    def table_of(self, record: Mapping[str, Any]) -> str:
        """Return the lower-cased table: the destination template, ``__table``, or the type."""
        if self.destination:
            table = render_template(str(self.destination), record)
        elif record.get(TABLE_FIELD):
            table = str(record[TABLE_FIELD])
        else:
            table = self.default_table
        return table.lower()

    def prepare(self, record: dict[str, Any]) -> dict[str, Any]:
        """Return `record` ready to store: key rendered, excluded and routing fields removed.

        The caller reads ``__state`` before, because it is dropped here.
        """
        prepared = {
            field: value
            for field, value in record.items()
            if field != STATE_FIELD and field not in self.exclude
        }
        if self.idpattern:
            prepared[KEY_FIELD] = render_template(str(self.idpattern), record)
        return prepared

    def key_of(self, records: Sequence[Mapping[str, Any]]) -> str | None:
        """Return ``"id"`` when writes of `records` are upserts, else None."""
        if self.idpattern or (records and all(KEY_FIELD in record for record in records)):
            return KEY_FIELD
        return None
