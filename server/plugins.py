"""Loading plugins from the `rapport` entry-point group into a frozen, validated Registry."""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from importlib.metadata import entry_points
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pluggy
from sqlalchemy import Table

from server import hookspecs
from server.errors import UserError
from server.ingest.files import CsvFile
from server.metrics.declarations import Dimension, Metric, Value, value_name
from server.metrics.derived import resolve_references
from server.metrics.facts import ALL_FACTS
from server.metrics.windows import Window, window_problem
from server.plugin_config import PluginSettings, Setting, check_declarations, resolve
from server.plugin_data import check_file, check_table
from server.plugin_records import RecordList, check_record_list
from server.settings import Settings, load_settings

if TYPE_CHECKING:  # the executor imports this module
    from server.metrics.executor import CompiledQueries


class PluginError(UserError):
    """A plugin that cannot be loaded: start-up stops, naming it."""


@dataclass(frozen=True)
class Registry:
    """Everything the installed, enabled plugins declare, checked for clashes."""

    plugins: tuple[str, ...]
    dimensions: tuple[Dimension, ...]
    metrics: tuple[Metric, ...]
    owners: dict[str, str]  # metric or dimension name -> plugin name
    versions: dict[str, str]  # plugin name -> its distribution and version
    configuration: dict[str, PluginSettings]  # plugin name -> its validated settings
    tables: tuple[tuple[str, Table], ...]  # (plugin name, table) of plugin-owned tables
    files: tuple[CsvFile, ...]  # CSV files filling them, imported after the core's
    record_lists: tuple[tuple[str, RecordList], ...]  # (plugin name, root field over a table)

    # Lookups run for every group of every report: computed once (the registry never changes).

    @cached_property
    def _dimensions(self) -> dict[str, Dimension]:
        return {d.name: d for d in self.dimensions}

    @cached_property
    def _metrics(self) -> dict[str, Metric]:
        return {m.name: m for m in self.metrics}

    @cached_property
    def _values(self) -> dict[str, tuple[Metric, str, Value]]:
        return {
            value_name(metric.name, name): (metric, name, value)
            for metric in self.metrics
            for name, value in metric.values.items()
        }

    @cached_property
    def windowed_metrics(self) -> frozenset[str]:
        """The metrics with a `Window` among their values."""
        return frozenset(
            metric.name
            for metric in self.metrics
            if any(isinstance(value, Window) for value in metric.values.values())
        )

    def dimension(self, name: str) -> Dimension:
        return self._dimensions[name]

    def metric(self, name: str) -> Metric:
        return self._metrics[name]

    def metric_values(self) -> dict[str, tuple[Metric, str, Value]]:
        """`MetricValue` member name -> (metric, value field name, value)."""
        return self._values

    @cached_property
    def compiled_plans(self) -> dict[object, CompiledQueries]:
        """Report plans compiled for this registry, kept by server.metrics.executor."""
        return {}


def plugin_manager(disabled: Iterable[str] = ()) -> pluggy.PluginManager:
    """A plugin manager holding every enabled plugin of the `rapport` entry-point group."""
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    for entry_point in entry_points(group=hookspecs.PROJECT):
        name = entry_point.name
        if name in disabled or manager.has_plugin(name):
            continue
        try:
            plugin = entry_point.load()
        except Exception as error:  # whatever a third-party module raises while importing
            raise PluginError(
                f"plugin {name!r} ({entry_point.value}) failed to load: "
                f"{type(error).__name__}: {error}"
            ) from None
        register(manager, plugin, name)
    return manager


def register(manager: pluggy.PluginManager, plugin: object, name: str) -> None:
    """Register one plugin, refusing hooks that pluggy would ignore or reject."""
    _check_undecorated(manager, plugin, name)
    try:
        manager.register(plugin, name=name)
        manager.check_pending()  # a misspelled hook would otherwise be ignored
    except pluggy.PluginValidationError as error:
        raise PluginError(f"plugin {name!r} is broken: {' '.join(str(error).split())}") from None


def build_registry(manager: pluggy.PluginManager, settings: Settings | None = None) -> Registry:
    settings = settings or Settings()
    configuration = resolve(
        _declared_settings(manager), settings.plugin_environment, settings.plugins_file
    )
    table_owners: dict[str, str] = {}
    plugin_tables = [
        (plugin_name, check_table(plugin_name, table, table_owners))
        for plugin_name, table in _declarations(manager, "rapport_tables", configuration)
    ]

    def own(plugin_name: str) -> list[Table]:
        return [table for owner, table in plugin_tables if owner == plugin_name]

    file_names: set[str] = set()
    files = [
        check_file(plugin_name, file, own(plugin_name), file_names)
        for plugin_name, file in _declarations(manager, "rapport_files", configuration)
    ]
    record_fields: dict[str, str] = {}  # field -> plugin
    record_lists = [
        (plugin_name, check_record_list(plugin_name, declared, own(plugin_name), record_fields))
        for plugin_name, declared in _declarations(manager, "rapport_record_lists", configuration)
    ]
    owners: dict[str, str] = {}
    dimensions: list[Dimension] = []
    metrics: list[Metric] = []
    filters: dict[str, str] = {}
    for plugin_name, dimension in _declarations(manager, "rapport_dimensions", configuration):
        _claim(owners, dimension.name, plugin_name, "dimension")
        if dimension.filter:
            _claim(filters, dimension.filter, plugin_name, "filter argument")
        _check_columns(dimension, plugin_name, [table for _, table in plugin_tables])
        dimensions.append(dimension)
    for plugin_name, metric in _declarations(manager, "rapport_metrics", configuration):
        _claim(owners, metric.name, plugin_name, "metric field")
        metrics.append(metric)
    metrics = resolve_references(metrics, owners.__getitem__)
    for metric in metrics:
        _check_metric(metric, owners[metric.name])
    values: dict[str, str] = {}
    distributions = _distributions()
    for metric in metrics:
        for name in metric.values:
            _claim(values, value_name(metric.name, name), owners[metric.name], "metric value")
    return Registry(
        plugins=tuple(name for name, _ in sorted(manager.list_name_plugin())),
        dimensions=tuple(sorted(dimensions, key=lambda d: d.name)),
        metrics=tuple(metrics),
        owners=owners,
        versions={name: distributions.get(name, "-") for name, _ in manager.list_name_plugin()},
        configuration=configuration,
        tables=tuple(plugin_tables),
        files=tuple(files),
        record_lists=tuple(record_lists),
    )


@cache
def registry(settings: Settings | None = None) -> Registry:
    """The registry of this process, built once from the installed plugins."""
    settings = settings or load_settings()
    return build_registry(plugin_manager(settings.disabled_plugins), settings)


def _declared_settings(manager: pluggy.PluginManager) -> dict[str, list[Setting]]:
    """Every plugin's declared settings (none for a plugin without `rapport_settings`)."""
    declared: dict[str, list[Setting]] = {name: [] for name, _ in manager.list_name_plugin()}
    for plugin_name, setting in _declarations(manager, "rapport_settings", {}):
        declared[plugin_name].append(setting)
    return {name: check_declarations(name, settings) for name, settings in declared.items()}


def _declarations(
    manager: pluggy.PluginManager, hook: str, configuration: dict[str, PluginSettings]
) -> list[tuple[str, Any]]:
    """(plugin name, declaration) for every implementation of `hook`, by plugin name.

    Implementations are called one by one, not through the hook caller, so that each result keeps
    its plugin's name for error messages; each receives only the arguments it names.
    """
    found: list[tuple[str, Any]] = []
    implementations = getattr(manager.hook, hook).get_hookimpls()
    for implementation in sorted(implementations, key=lambda i: i.plugin_name):
        name = implementation.plugin_name
        arguments = {"settings": configuration.get(name, MappingProxyType({}))}
        try:
            result = implementation.function(*(arguments[a] for a in implementation.argnames))
            found.extend((name, declaration) for declaration in result or [])
        except Exception as error:
            raise PluginError(f"plugin {name!r} failed in {hook}: {error}") from None
    return found


def _check_undecorated(manager: pluggy.PluginManager, plugin: object, name: str) -> None:
    """A `rapport_*` function without `@hookimpl` would be silently skipped: refuse it."""
    module = getattr(plugin, "__name__", None)
    for attribute in dir(plugin):
        value = getattr(plugin, attribute, None)
        if (
            attribute.startswith(f"{hookspecs.PROJECT}_")
            and inspect.isfunction(value)
            and value.__module__ == module
            and manager.parse_hookimpl_opts(plugin, attribute) is None
        ):
            raise PluginError(
                f"plugin {name!r}: {attribute} is not marked as a hook: decorate it with "
                "@hookimpl (from server.hookspecs import hookimpl)"
            )


def _distributions() -> dict[str, str]:
    """Plugin name -> `rapport-sla 0.1.0`: the installed distribution declaring its entry point."""
    return {
        entry_point.name: f"{entry_point.dist.name} {entry_point.dist.version}"
        for entry_point in entry_points(group=hookspecs.PROJECT)
        if entry_point.dist is not None
    }


def _claim(owners: dict[str, str], name: str, plugin_name: str, what: str) -> None:
    if name in owners:
        raise PluginError(
            f"plugins {owners[name]!r} and {plugin_name!r} both declare the {what} {name!r}"
        )
    owners[name] = plugin_name


def _check_columns(dimension: Dimension, plugin_name: str, plugin_tables: list[Table]) -> None:
    tables = {fact.table_name: fact.table for fact in ALL_FACTS}
    tables.update((table.name, table) for table in plugin_tables)
    for table_name, column in dimension.columns.items():
        if table_name not in tables or column not in tables[table_name].c:
            raise PluginError(
                f"plugin {plugin_name!r}: dimension {dimension.name} names an unknown column "
                f"{table_name}.{column}"
            )


def _check_metric(metric: Metric, plugin_name: str) -> None:
    for name, value in metric.values.items():
        missing = value.part_names() - set(metric.parts)
        if missing:
            raise PluginError(
                f"plugin {plugin_name!r}: value {metric.name}.{name} uses unknown parts "
                f"{sorted(missing)}"
            )
        problem = window_problem(metric, value) if isinstance(value, Window) else None
        if problem:
            raise PluginError(
                f"plugin {plugin_name!r}: value {metric.name}.{name} is a window over {problem}"
            )
