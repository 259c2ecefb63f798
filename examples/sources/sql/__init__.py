"""Load tables from SQLite or PostgreSQL, incrementally by a key column.

Run it with ``panoply run examples/sources/sql --url sqlite://movies.db --tables omdb
--inckey ID``. PostgreSQL needs the ``postgres`` extra (psycopg 3).
"""

from .config import CONFIG
from .stream import Stream

__all__ = ["CONFIG", "Stream"]
