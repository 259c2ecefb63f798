"""The CONFIG of the files data source: its title, icon and params."""

from __future__ import annotations

from typing import Any

__all__ = ["CONFIG"]

_ICON = (
    "data:image/svg+xml;utf8,"
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'>"
    "<path d='M3 1h7l3 3v11H3z' fill='%23e8eef7' stroke='%23335' stroke-width='1'/>"
    "<path d='M5 7h6M5 9h6M5 11h6' stroke='%23335' stroke-width='1'/></svg>"
)

CONFIG: dict[str, Any] = {
    "title": "Files",
    "icon": _ICON,
    "categories": ["Files"],
    "keywords": ["csv", "tsv", "json lines", "jsonl", "ndjson", "zip"],
    "params": [
        {
            "name": "path",
            "title": "Path",
            "type": "string",
            "required": True,
            "help": (
                "A CSV, TSV, JSON lines or zip file; several separated by commas; or a glob "
                "such as data/*.csv (** matches folders recursively). A zip archive is read "
                "member by member."
            ),
            "placeholder": "data/flights.csv.zip",
        },
        {
            "name": "format",
            "title": "Format",
            "type": "select",
            "required": False,
            "help": "The format of every file; auto tells it from each file's extension.",
            "values": ["auto", "csv", "tsv", "jsonl"],
            "default": "auto",
        },
        {
            "name": "null_values",
            "title": "Null values",
            "type": "string",
            "required": False,
            "help": (
                "CSV cells with one of these texts, separated by commas, load as null. "
                "Empty cells always load as null."
            ),
            "placeholder": "NA,NULL",
            "default": "NA",
        },
        {
            "name": "delimiter",
            "title": "Delimiter",
            "type": "string",
            "required": False,
            "help": "The CSV cell delimiter: comma for .csv and tab for .tsv files by default.",
            "placeholder": ";",
        },
        {
            "name": "encoding",
            "title": "Encoding",
            "type": "string",
            "required": False,
            "help": "The text encoding of the files; a UTF-8 byte order mark is skipped.",
            "placeholder": "latin-1",
            "default": "utf-8-sig",
        },
        {
            "name": "destination",
            "title": "Table",
            "type": "string",
            "required": False,
            "help": "The table to load into; by default the first file's name without extensions.",
            "placeholder": "flights",
        },
    ],
}
