"""Routing records: the table each record goes to and the key it is stored under."""

from __future__ import annotations

import dataclasses
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


class _Template:
    """A ``{field}`` template parsed once, with fast paths for the common shapes.

    A template without fields renders as its text, and one that is a single plain
    ``{field}`` as that field's text; anything else goes through `render_template`.
    Routing renders a template per record, so this matters for load speed.
    """

    def __init__(self, template: str) -> None:
        self.template = template
        self.constant: str | None = None
        self.field: str | None = None
        try:
            parts = list(_formatter.parse(template))
        except ValueError:
            parts = []  # Malformed: let render_template raise the usual error per record.
        fields = [part for part in parts if part[1] is not None]
        if parts and not fields:
            self.constant = "".join(literal for literal, *_ in parts)
        elif len(parts) == 1 and not parts[0][0] and _is_plain_field(parts[0]):
            self.field = parts[0][1]

    def render(self, record: Mapping[str, Any]) -> str:
        if self.constant is not None:
            return self.constant
        if self.field is not None:
            value = record.get(self.field)
            return "" if value is None else str(value)
        return render_template(self.template, record)

    def render_key(self, record: Mapping[str, Any]) -> Any:
        """Render like `render`, but a single ``{field}`` keeps the field's own value.

        So ``{ID}`` over integer ids gives integer keys, and an ``id`` column that
        DuckDB folds together with ``ID`` keeps one type. A missing field is still "".
        """
        if self.field is not None:
            value = record.get(self.field)
            return "" if value is None else value
        return self.render(record)


def _is_plain_field(part: tuple[str, str | None, str | None, str | None]) -> bool:
    _, field, format_spec, conversion = part
    return field is not None and field.isidentifier() and not format_spec and conversion is None


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
    _destination: _Template | None = dataclasses.field(init=False, repr=False, compare=False)
    _idpattern: _Template | None = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        destination = _Template(str(self.destination)) if self.destination else None
        idpattern = _Template(str(self.idpattern)) if self.idpattern else None
        object.__setattr__(self, "_destination", destination)
        object.__setattr__(self, "_idpattern", idpattern)

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
        if self._destination is not None:
            table = self._destination.render(record)
        elif record.get(TABLE_FIELD):
            table = str(record[TABLE_FIELD])
        else:
            table = self.default_table
        return table.lower()

    def prepare(self, record: dict[str, Any]) -> dict[str, Any]:
        """Return `record` ready to store: key rendered, excluded and routing fields removed.

        The caller reads ``__state`` before, because it is dropped here.
        """
        # dict() copies in C; the comprehension is only for sources that exclude fields.
        if self.exclude:
            prepared = {
                field: value
                for field, value in record.items()
                if field != STATE_FIELD and field not in self.exclude
            }
        else:
            prepared = dict(record)
            prepared.pop(STATE_FIELD, None)

        if self._idpattern is not None:
            prepared[KEY_FIELD] = self._idpattern.render_key(record)
        return prepared

    def key_of(self, records: Sequence[Mapping[str, Any]]) -> str | None:
        """Return ``"id"`` when writes of `records` are upserts, else None.

        Without an idpattern, a record's own non-null ``id`` is its key whatever
        the other records of the commit carry; records without one are appended.
        """
        if self.idpattern or any(record.get(KEY_FIELD) is not None for record in records):
            return KEY_FIELD
        return None
