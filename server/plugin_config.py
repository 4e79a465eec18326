"""Plugin configuration: each plugin declares its settings, the core reads and validates them.

A plugin declares `Setting`s (name, type, default) in its `rapport_settings` hook. Values come from
`RAPPORT_PLUGIN_<NAME>_<KEY>` environment variables, else from the plugin's table in the TOML file
named by `RAPPORT_PLUGINS_FILE`, else from the default. Every other hook of the plugin that takes a
`settings` argument receives the validated values as a read-only mapping. A value of the wrong
type, a key the plugin does not declare, or a required setting left unset stops start-up with one
line naming the plugin and the key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from server.errors import UserError
from server.settings import PLUGIN_PREFIX

SETTING_NAME = re.compile(r"[a-z][a-z0-9_]*")
SettingType = type[bool] | type[int] | type[float] | type[str]
TYPE_NAMES: dict[type, str] = {
    bool: "true or false",
    int: "an integer",
    float: "a number",
    str: "text",
}
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class _Unset(Enum):
    """The default of a required setting (dataclasses' own MISSING would drop the default)."""

    UNSET = "unset"


class ConfigurationError(UserError):
    """A plugin setting that is missing, unknown or of the wrong type."""


@dataclass(frozen=True)
class Setting:
    """One configuration key of a plugin, e.g. `Setting("target_seconds", int, default=3600)`.

    `name` is lower snake case: it is the key of the settings mapping, of the TOML table and, upper
    cased, the end of the environment variable. Without a `default` the setting is required.
    `minimum` bounds numeric settings from below.
    """

    name: str
    type: SettingType
    default: Any = _Unset.UNSET
    description: str = ""
    minimum: float | None = None

    @property
    def required(self) -> bool:
        return self.default is _Unset.UNSET


PluginSettings = Mapping[str, Any]
"""A plugin's validated settings: setting name -> value."""


def environment_variable(plugin: str, key: str) -> str:
    """`("sla", "target_seconds")` -> `RAPPORT_PLUGIN_SLA_TARGET_SECONDS`."""
    return f"{PLUGIN_PREFIX}{_upper(plugin)}_{_upper(key)}"


def check_declarations(plugin: str, declared: Iterable[Setting]) -> list[Setting]:
    settings = list(declared)
    names: set[str] = set()
    for setting in settings:
        where = f"plugin {plugin!r}: setting {setting.name!r}"
        if not isinstance(setting, Setting):
            raise ConfigurationError(f"plugin {plugin!r}: rapport_settings returned {setting!r}")
        if not SETTING_NAME.fullmatch(setting.name):
            raise ConfigurationError(f"{where}: names are lower snake case (target_seconds)")
        if setting.name in names:
            raise ConfigurationError(f"{where} is declared twice")
        if setting.type not in TYPE_NAMES:
            raise ConfigurationError(f"{where}: type must be bool, int, float or str")
        if not setting.required:
            _check(plugin, setting, setting.default, "its default")
        names.add(setting.name)
    return settings


def resolve(
    declared: Mapping[str, list[Setting]],
    environment: Iterable[tuple[str, str]],
    settings_file: str | None,
) -> dict[str, PluginSettings]:
    """Each plugin's settings, validated: plugin name -> read-only mapping."""
    from_file = _read_file(settings_file) if settings_file else {}
    from_environment = _by_plugin(declared, environment)
    resolved: dict[str, PluginSettings] = {}
    for plugin, settings in declared.items():
        by_name = {setting.name: setting for setting in settings}
        file_values = from_file.get(plugin, {})
        for key, source in [
            *((key, environment_variable(plugin, key)) for key in from_environment.get(plugin, {})),
            *((key, f"{settings_file} [{plugin}]") for key in file_values),
        ]:
            if key not in by_name:
                known = ", ".join(sorted(by_name)) or "none"
                raise ConfigurationError(
                    f"plugin {plugin!r}: unknown setting {key!r} ({source}); it declares: {known}"
                )
        values: dict[str, Any] = {}
        for name, setting in by_name.items():
            variable = environment_variable(plugin, name)
            if name in from_environment.get(plugin, {}):
                text = from_environment[plugin][name]
                values[name] = _check(plugin, setting, _parse(plugin, setting, text), variable)
            elif name in file_values:
                source = f"{settings_file} [{plugin}]"
                values[name] = _check(plugin, setting, file_values[name], source)
            elif setting.required:
                raise ConfigurationError(
                    f"plugin {plugin!r}: setting {name!r} is required: set {variable} "
                    "or a value in RAPPORT_PLUGINS_FILE"
                )
            else:
                values[name] = setting.default
        resolved[plugin] = MappingProxyType(values)
    return resolved


def _by_plugin(
    declared: Mapping[str, list[Setting]], environment: Iterable[tuple[str, str]]
) -> dict[str, dict[str, str]]:
    """RAPPORT_PLUGIN_* variables -> plugin -> lower-case key -> text.

    A variable belongs to the plugin with the longest matching name (so that plugin `foo_bar` is
    not read as plugin `foo`, key `bar_…`); one matching no enabled plugin is left alone, since it
    may configure a plugin that is disabled here.
    """
    prefixes = sorted(
        ((f"{PLUGIN_PREFIX}{_upper(plugin)}_", plugin) for plugin in declared),
        key=lambda pair: -len(pair[0]),
    )
    found: dict[str, dict[str, str]] = {}
    for variable, text in environment:
        for prefix, plugin in prefixes:
            if variable.startswith(prefix):
                found.setdefault(plugin, {})[variable[len(prefix) :].lower()] = text
                break
    return found


def _read_file(path: str) -> dict[str, dict[str, Any]]:
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigurationError(f"RAPPORT_PLUGINS_FILE={path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(f"RAPPORT_PLUGINS_FILE={path}: not valid TOML: {error}") from None
    for plugin, table in document.items():
        if not isinstance(table, dict):
            raise ConfigurationError(
                f"{path}: {plugin!r} must be a table of settings ([{plugin}]), got {table!r}"
            )
    return document


def _parse(plugin: str, setting: Setting, text: str) -> Any:
    """An environment variable's text as the setting's type."""
    cleaned = text.strip()
    try:
        if setting.type is bool:
            if cleaned.lower() in TRUE:
                return True
            if cleaned.lower() in FALSE:
                return False
            raise ValueError(cleaned)
        return setting.type(cleaned)
    except ValueError:
        raise ConfigurationError(
            f"plugin {plugin!r}: setting {setting.name!r} "
            f"({environment_variable(plugin, setting.name)}): expected "
            f"{TYPE_NAMES[setting.type]}, got {text!r}"
        ) from None


def _check(plugin: str, setting: Setting, value: Any, source: str) -> Any:
    expected = setting.type
    # bool is an int in Python; an int is a fine float
    matches = (
        isinstance(value, bool)
        if expected is bool
        else isinstance(value, int | float) and not isinstance(value, bool)
        if expected is float
        else isinstance(value, expected) and not isinstance(value, bool)
    )
    where = f"plugin {plugin!r}: setting {setting.name!r} ({source})"
    if not matches:
        raise ConfigurationError(f"{where}: expected {TYPE_NAMES[expected]}, got {value!r}")
    if setting.minimum is not None and value < setting.minimum:
        raise ConfigurationError(f"{where}: must be at least {setting.minimum:g}, got {value!r}")
    return float(value) if expected is float else value


def _upper(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", name).upper()
