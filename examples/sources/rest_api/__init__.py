"""Load records from a paginated JSON API that uses OAuth2 bearer tokens.

Run it with ``panoply run examples/sources/rest_api --base_url http://127.0.0.1:8000/api
--access_token TOKEN --refresh_token TOKEN``. An expired access token is refreshed
once at ``token_url`` and the new tokens are announced with ``source-change``.
"""

from .client import TokenExpired
from .config import CONFIG
from .stream import Stream

__all__ = ["CONFIG", "Stream", "TokenExpired"]
