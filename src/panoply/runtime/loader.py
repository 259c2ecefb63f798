"""Finding and importing a data source: a .py file, a package directory or a module name."""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from panoply.errors import ConfigurationError

__all__ = ["LoadedSource", "load_source"]


@dataclass(frozen=True)
class LoadedSource:
    """An imported data source.

    Attributes:
        name: the module's own name (``postgres`` for ``panoply.postgres``), the
            default of ``source["type"]``.
        module: the imported module or package.
        stream_class: the module's ``Stream``.
        config: the module's ``CONFIG`` dict.
    """

    name: str
    module: ModuleType
    stream_class: Any
    config: dict[str, Any]


def load_source(spec: str) -> LoadedSource:
    """Import the data source `spec` names and check that it has `Stream` and `CONFIG`.

    Raises:
        ConfigurationError: `spec` is neither a file, a package directory nor an
            importable module, or the module lacks `Stream` or `CONFIG`.
    """
    path = Path(spec)
    if path.is_file():
        name, module = path.stem, _import_path(path, path.stem, None)
    elif path.is_dir():
        name, module = path.name, _import_package_dir(path)
    else:
        name, module = spec.rpartition(".")[2], _import_name(spec)
    return _check_module(spec, name, module)


def _import_package_dir(path: Path) -> ModuleType:
    init = path / "__init__.py"
    if not init.is_file():
        raise ConfigurationError(
            f"data source directory {str(path)!r} has no __init__.py; pass a package "
            "directory, a .py file or a module name"
        )
    return _import_path(init, path.name, [str(path)])


def _import_path(path: Path, name: str, search_locations: list[str] | None) -> ModuleType:
    # A private module name keeps a source file named like a stdlib module ("json.py")
    # from shadowing it, while relative imports inside a package still work.
    module_name = "panoply_source_" + re.sub(r"\W", "_", name)
    spec = importlib.util.spec_from_file_location(
        module_name, path, submodule_search_locations=search_locations
    )
    if spec is None or spec.loader is None:
        raise ConfigurationError(f"cannot import data source file {str(path)!r}")

    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


_MODULE_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def _import_name(name: str) -> ModuleType:
    if not _MODULE_NAME.match(name):
        raise _not_found(name)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if name != missing and not name.startswith(missing + "."):
            raise  # The source exists but one of its own imports is missing.
        raise _not_found(name) from error


def _not_found(name: str) -> ConfigurationError:
    return ConfigurationError(
        f"data source {name!r} was not found: it is not a file, a directory or an "
        "importable module; check the path, or install the package that provides it"
    )


def _check_module(spec: str, name: str, module: ModuleType) -> LoadedSource:
    stream_class = getattr(module, "Stream", None)
    config = getattr(module, "CONFIG", None)
    if stream_class is None or not isinstance(config, dict):
        raise ConfigurationError(
            f"data source {spec!r} must define a Stream class and a CONFIG dict; "
            f"found Stream={stream_class is not None}, CONFIG={type(config).__name__}"
        )
    return LoadedSource(name=name, module=module, stream_class=stream_class, config=config)
