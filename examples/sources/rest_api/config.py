"""The CONFIG of the rest_api data source: its title, icon and params."""

from __future__ import annotations

from typing import Any

from .stream import PAGINATIONS

__all__ = ["CONFIG"]

_ICON = (
    "data:image/svg+xml;utf8,"
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'>"
    "<circle cx='8' cy='8' r='6.5' fill='%23e8eef7' stroke='%23335'/>"
    "<path d='M1.5 8h13M8 1.5c-2.5 3-2.5 10 0 13M8 1.5c2.5 3 2.5 10 0 13' "
    "fill='none' stroke='%23335'/></svg>"
)

CONFIG: dict[str, Any] = {
    "title": "REST API",
    "icon": _ICON,
    "categories": ["APIs"],
    "keywords": ["rest", "http", "json", "oauth2", "pagination"],
    "params": [
        {
            "name": "base_url",
            "title": "Base URL",
            "type": "string",
            "required": True,
            "help": "The API's root URL; pages are fetched from BASE_URL/ENDPOINT.",
            "placeholder": "http://127.0.0.1:8000/api",
        },
        {
            "name": "endpoint",
            "title": "Endpoint",
            "type": "string",
            "required": False,
            "help": "The path of the collection to load, relative to the base URL.",
            "placeholder": "orders",
            "default": "items",
        },
        {
            "name": "pagination",
            "title": "Pagination",
            "type": "select",
            "required": False,
            "help": (
                "cursor: pass limit and cursor, follow next_cursor in each response. "
                "page: pass page (from 1) and per_page, stop at a page that is not full."
            ),
            "values": list(PAGINATIONS),
            "default": "cursor",
        },
        {
            "name": "records_key",
            "title": "Records key",
            "type": "string",
            "required": False,
            "help": "The key of the list of records in each response object.",
            "placeholder": "results",
            "default": "data",
        },
        {
            "name": "access_token",
            "title": "Access token",
            "type": "oauth",
            "required": True,
            "help": "The OAuth2 access token, sent as a bearer token.",
        },
        {
            "name": "refresh_token",
            "title": "Refresh token",
            "type": "password",
            "required": False,
            "help": (
                "The OAuth2 refresh token used when the API answers HTTP 401. A rotated "
                "refresh token replaces it in the stored source."
            ),
        },
        {
            "name": "token_url",
            "title": "Token URL",
            "type": "string",
            "required": False,
            "help": "The OAuth2 token endpoint for refreshes; BASE_URL/oauth/token by default.",
            "placeholder": "http://127.0.0.1:8000/api/oauth/token",
        },
        {
            "name": "client_id",
            "title": "Client id",
            "type": "string",
            "required": False,
            "help": "The OAuth2 client id sent with refresh requests.",
        },
        {
            "name": "client_secret",
            "title": "Client secret",
            "type": "password",
            "required": False,
            "help": "The OAuth2 client secret sent with refresh requests.",
        },
    ],
}
