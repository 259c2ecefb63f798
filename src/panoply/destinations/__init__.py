"""Destinations of `panoply run`, opened from a URL by `open_destination`.

Accepted URLs:

- ``duckdb:///ABSOLUTE/PATH.duckdb`` or ``duckdb://RELATIVE/PATH.duckdb`` (and
  ``duckdb://:memory:``), with optional query parameters ``nested=tables|json`` and
  ``loader=arrow|json``. ``None`` means ``duckdb://panoply.duckdb`` in the working
  directory.
- ``jsonl:///DIRECTORY`` or ``jsonl://RELATIVE/DIRECTORY``: one JSON-lines file per table.
- ``panoply``: stream to Panoply with the credentials in ``PANOPLY_API_KEY`` and
  ``PANOPLY_API_SECRET`` (and ``PANOPLY_ENDPOINT_URL`` when set); checkpoints go to
  ``panoply-checkpoints.json`` in the working directory, or to the file named by
  ``panoply:///PATH.json``.
"""

from __future__ import annotations

from panoply.destinations._url import ACCEPTED_FORMS, open_destination
from panoply.destinations.base import Checkpoint, Destination, TableBatch

__all__ = ["ACCEPTED_FORMS", "Checkpoint", "Destination", "TableBatch", "open_destination"]
