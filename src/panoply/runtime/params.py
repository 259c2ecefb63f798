"""CONFIG params: command-line options generated from them, and the source dict they fill.

Each entry of ``CONFIG["params"]`` becomes an option ``--NAME`` (with dashes
accepted for underscores). The runtime converts what the user gave on the
command line (`convert_given`); `complete_params` then applies defaults, checks
required params and turns list and select choices into the items ``values`` returns.
"""

from __future__ import annotations

import copy
import inspect
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import click

from panoply.errors import ConfigurationError

__all__ = [
    "Param",
    "ParamError",
    "click_options",
    "complete_params",
    "convert_given",
    "parse_params",
]

logger = logging.getLogger(__name__)

SECRET_TYPES = frozenset({"password", "oauth"})
MULTI_TYPES = frozenset({"list", "dynamic-list", "exclude"})

# Platform-handled param types and the source key the runtime reads for each.
PLATFORM_KEYS = {
    "destination": "destination",
    "primary-key": "idpattern",
    "incremental-key": "inckey",
    "exclude": "exclude",
}

MAX_LISTED_CHOICES = 20


class ParamError(ConfigurationError):
    """A param is missing or invalid: a usage error, exit status 2."""


@dataclass(frozen=True)
class Param:
    """One entry of ``CONFIG["params"]``; see the CONFIG section of the data-source docs."""

    name: str
    type: str = "string"
    title: str | None = None
    help: str | None = None
    placeholder: str | None = None
    required: bool = False
    default: Any = None
    hidden: bool = False
    values: Any = None
    dependencies: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, entry: Mapping[str, Any]) -> Param:
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise ConfigurationError(f"a CONFIG param has no name: {sorted(entry)}")
        return cls(
            name=name,
            type=str(entry.get("type") or "string"),
            title=entry.get("title"),
            help=entry.get("help") or entry.get("description"),
            placeholder=entry.get("placeholder"),
            required=bool(entry.get("required")),
            default=entry.get("default"),
            hidden=bool(entry.get("hidden")),
            values=entry.get("values"),
            dependencies=tuple(entry.get("dependencies") or ()),
        )

    @property
    def is_secret(self) -> bool:
        return self.type in SECRET_TYPES

    @property
    def is_multiple(self) -> bool:
        return self.type in MULTI_TYPES

    @property
    def flag(self) -> str:
        return "--" + self.name

    @property
    def dest(self) -> str:
        """The Python identifier click stores the option's value under."""
        return "param_" + "".join(ch if ch.isalnum() else "_" for ch in self.name)

    def option_names(self, reserved: Iterable[str]) -> list[str]:
        names = [self.flag]
        dashed = "--" + self.name.replace("_", "-")
        if dashed != self.flag:
            names.append(dashed)
        return [name for name in names if name not in set(reserved)]

    def help_text(self) -> str:
        parts = [part.rstrip(".") + "." for part in (self.title, self.help) if part]
        if self.placeholder:
            parts.append(f"Example: {self.placeholder}.")
        if self.is_multiple:
            parts.append("Repeat the option or separate items with commas.")
        if isinstance(self.values, list) and self.values:
            parts.append("Choices: " + ", ".join(_labels(self.values)) + ".")
        if self.default is not None and not self.is_secret:
            parts.append(f"Default: {self.default}.")
        if self.type == "number":
            parts.append("A number.")
        if self.is_secret and self.required:
            parts.append("Secret: prompted for when missing on a terminal.")
        elif self.is_secret:
            parts.append("Secret: masked in logs.")
        if self.required:
            parts.append("[required]")
        return " ".join(parts)


def parse_params(config: Mapping[str, Any]) -> list[Param]:
    return [Param.from_config(entry) for entry in config.get("params") or ()]


def click_options(params: Iterable[Param], reserved: Iterable[str]) -> list[click.Option]:
    """Build one click option per param; flags in `reserved` belong to the runtime."""
    options = []
    reserved = set(reserved)
    for param in params:
        names = param.option_names(reserved)
        if not names:
            logger.warning(
                "param %r of the source clashes with the runtime option %s; set it in "
                "the --config file",
                param.name,
                param.flag,
            )
            continue
        options.append(
            click.Option(
                [*names, param.dest],
                multiple=param.is_multiple,
                hidden=param.hidden,
                help=param.help_text(),
                metavar="VALUE",
            )
        )
    return options


def convert_given(params: list[Param], given: Mapping[str, Any]) -> dict[str, Any]:
    """Return the source keys set on the command line, converted to each param's type.

    `given` maps each param's `Param.dest` to what click parsed.

    Raises:
        ParamError: a number param's value is not a number.
    """
    converted = {}
    for param in params:
        raw = given.get(param.dest)
        if raw not in (None, ()):
            converted[param.name] = _convert(param, raw)
    return converted


def complete_params(
    params: list[Param], source: dict[str, Any], options: dict[str, Any], interactive: bool
) -> None:
    """Apply defaults, choices, prompts and platform keys to `source`, in place.

    List and select values that are strings become the items ``values`` returns.
    Missing required secrets are prompted for without echo when `interactive`.

    Raises:
        ParamError: a required param is missing, a choice is invalid, or a param's
            dependencies are missing when its ``values`` must be called.
    """
    for param in params:
        _apply_default(param, source)
        if param.type == "number" and isinstance(source.get(param.name), str):
            # Text from a --config file; numbers given on the command line are converted.
            source[param.name] = _parse_number(param, source[param.name])
        if param.values is not None and _is_filled(source.get(param.name)):
            source[param.name] = _choose(param, source[param.name], source, options)
        _require(param, source, interactive)
        _map_platform_key(param, source)


def _convert(param: Param, raw: Any) -> Any:
    if param.is_multiple:
        return [item.strip() for value in raw for item in str(value).split(",") if item.strip()]
    if param.type == "number":
        return _parse_number(param, str(raw))
    return raw


def _parse_number(param: Param, text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise ParamError(
            f"invalid value {text!r} for {param.flag}: expected a number such as 10 or 2.5"
        ) from None


def _apply_default(param: Param, source: dict[str, Any]) -> None:
    if not _is_filled(source.get(param.name)) and param.default is not None:
        source[param.name] = copy.deepcopy(param.default)


def _require(param: Param, source: dict[str, Any], interactive: bool) -> None:
    if not param.required or _is_filled(source.get(param.name)):
        return
    if param.type == "oauth" and _is_filled(source.get("access_token")):
        return
    if param.is_secret and interactive:
        source[param.name] = click.prompt(param.title or param.name, hide_input=True)
        return
    raise ParamError(
        f"missing required param {param.flag} ({param.title or param.name}); pass "
        f"{param.flag} VALUE or set {param.name!r} in the --config file"
    )


def _map_platform_key(param: Param, source: dict[str, Any]) -> None:
    key = PLATFORM_KEYS.get(param.type)
    value = source.get(param.name)
    if key is None or key == param.name or not _is_filled(value) or _is_filled(source.get(key)):
        return
    if param.type == "primary-key":
        value = _key_pattern(value)
    source[key] = value


def _key_pattern(value: Any) -> str:
    """Return an idpattern: a pattern as is, or field names joined as ``{a}-{b}``."""
    if isinstance(value, str) and "{" in value:
        return value
    fields = value if isinstance(value, list) else str(value).split(",")
    return "-".join("{" + str(field).strip() + "}" for field in fields)


def _choose(param: Param, chosen: Any, source: dict[str, Any], options: dict[str, Any]) -> Any:
    """Return the items of ``values`` that the strings in `chosen` name; items pass through."""
    wanted = chosen if isinstance(chosen, list) else [chosen]
    if all(not isinstance(item, str) for item in wanted):
        return chosen  # Already items, as stored by an earlier run.

    items = _values_of(param, source, options)
    picked = [_find_item(param, item, items) if isinstance(item, str) else item for item in wanted]
    if param.is_multiple:
        return picked
    if len(picked) != 1:
        raise ParamError(f"{param.flag} takes one value, got {len(picked)}")
    return picked[0]


def _values_of(param: Param, source: dict[str, Any], options: dict[str, Any]) -> list[Any]:
    values = param.values
    if not callable(values):
        return list(values)

    missing = [name for name in param.dependencies if not _is_filled(source.get(name))]
    if missing:
        flags = ", ".join("--" + name for name in missing)
        raise ParamError(f"{param.flag} needs {flags} first, to list its choices; pass {flags}")
    return list(_call_values(values, source, options))


def _call_values(
    values: Callable[..., Any], source: dict[str, Any], options: dict[str, Any]
) -> Any:
    try:
        positional = [
            parameter
            for parameter in inspect.signature(values).parameters.values()
            if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        positional = []
    if len(positional) >= 2:
        return values(source, options)
    return values(source)


def _find_item(param: Param, wanted: str, items: list[Any]) -> Any:
    for item in items:
        if wanted in _names_of(item):
            return item
    raise ParamError(
        f"invalid value {wanted!r} for {param.flag}; choose from: " + ", ".join(_labels(items))
    )


def _names_of(item: Any) -> list[str]:
    """Return the strings a user may type to pick `item`."""
    if not isinstance(item, dict):
        return [str(item)]
    preferred = [item.get(key) for key in ("value", "name", "id", "title")]
    others = list(item.values())
    return [str(value) for value in preferred + others if isinstance(value, str | int)]


def _labels(items: list[Any]) -> list[str]:
    labels = [_names_of(item)[0] if _names_of(item) else repr(item) for item in items]
    if len(labels) > MAX_LISTED_CHOICES:
        labels = [*labels[:MAX_LISTED_CHOICES], f"... ({len(labels)} in all)"]
    return labels


def _is_filled(value: Any) -> bool:
    return value is not None and value not in ("", [], ())
