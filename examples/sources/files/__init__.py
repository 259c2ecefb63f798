"""Load CSV and JSON lines files, plain or zipped, from local paths.

Run it with ``panoply run examples/sources/files --path data.csv.zip``. The rules that
turn CSV text into numbers and nulls are in `parsing`.
"""

from .config import CONFIG
from .stream import Stream

__all__ = ["CONFIG", "Stream"]
