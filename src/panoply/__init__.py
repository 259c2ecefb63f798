"""Stream records to Panoply, and write and run Panoply data sources.

The public API is re-exported here. The streaming client and the data-source
framework are imported on first use, so ``import panoply`` stays cheap and data
sources that only need `PanoplyException` do not load the client.
"""

from __future__ import annotations

import logging
import pkgutil
from importlib import import_module
from typing import TYPE_CHECKING, Any

from panoply import errors
from panoply.errors import PanoplyException

# Published data sources install themselves as subpackages (`panoply.postgres`); this
# lets them live in another sys.path entry than this package, such as an editable install.
__path__ = pkgutil.extend_path(__path__, __name__)

__version__ = "4.0.0"

__all__ = [
    "SDK",
    "DataSource",
    "PanoplyException",
    "__version__",
    "background_progress",
    "errors",
    "validate_token",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())

_LAZY_EXPORTS = {
    "SDK": "panoply.sdk",
    "DataSource": "panoply.datasource",
    "validate_token": "panoply.datasource",
    "background_progress": "panoply.datasource",
}

if TYPE_CHECKING:
    from panoply.datasource import DataSource, background_progress, validate_token
    from panoply.sdk import SDK


def __getattr__(name: str) -> Any:
    module_name = _LAZY_EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'panoply' has no attribute {name!r}")
    value = getattr(import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
