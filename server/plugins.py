"""Loading plugins from the `rapport` entry-point group into a frozen, validated Registry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from importlib.metadata import entry_points

import pluggy

from server import hookspecs
from server.errors import UserError
from server.metrics.declarations import Dimension, Metric, Value, value_name
from server.metrics.facts import ALL_FACTS
from server.settings import Settings, load_settings


class PluginError(UserError):
    """A plugin that cannot be loaded: start-up stops, naming it."""


@dataclass(frozen=True)
class Registry:
    """Everything the installed, enabled plugins declare, checked for clashes."""

    plugins: tuple[str, ...]
    dimensions: tuple[Dimension, ...]
    metrics: tuple[Metric, ...]
    owners: dict[str, str]  # metric or dimension name -> plugin name

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

    def dimension(self, name: str) -> Dimension:
        return self._dimensions[name]

    def metric(self, name: str) -> Metric:
        return self._metrics[name]

    def metric_values(self) -> dict[str, tuple[Metric, str, Value]]:
        """`MetricValue` member name -> (metric, value field name, value)."""
        return self._values

    @cached_property
    def compiled_plans(self) -> dict[object, object]:
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
        try:
            manager.register(plugin, name=name)
            manager.check_pending()  # a misspelled hook would otherwise be ignored
        except pluggy.PluginValidationError as error:
            raise PluginError(
                f"plugin {name!r} is broken: {' '.join(str(error).split())}"
            ) from None
    return manager


def build_registry(manager: pluggy.PluginManager) -> Registry:
    owners: dict[str, str] = {}
    dimensions: list[Dimension] = []
    metrics: list[Metric] = []
    filters: dict[str, str] = {}
    for plugin_name, plugin in sorted(manager.list_name_plugin()):
        for dimension in _call(plugin, "rapport_dimensions", plugin_name):
            _claim(owners, dimension.name, plugin_name, "dimension")
            if dimension.filter:
                _claim(filters, dimension.filter, plugin_name, "filter argument")
            _check_columns(dimension, plugin_name)
            dimensions.append(dimension)
        for metric in _call(plugin, "rapport_metrics", plugin_name):
            _claim(owners, metric.name, plugin_name, "metric field")
            _check_metric(metric, plugin_name)
            metrics.append(metric)
    values: dict[str, str] = {}
    for metric in metrics:
        for name in metric.values:
            _claim(values, value_name(metric.name, name), owners[metric.name], "metric value")
    return Registry(
        plugins=tuple(name for name, _ in sorted(manager.list_name_plugin())),
        dimensions=tuple(sorted(dimensions, key=lambda d: d.name)),
        metrics=tuple(metrics),
        owners=owners,
    )


@cache
def registry(settings: Settings | None = None) -> Registry:
    """The registry of this process, built once from the installed plugins."""
    settings = settings or load_settings()
    return build_registry(plugin_manager(settings.disabled_plugins))


def _call(plugin: object, hook: str, plugin_name: str) -> list:
    implementation = getattr(plugin, hook, None)
    if implementation is None:
        return []
    try:
        return list(implementation() or [])
    except Exception as error:
        raise PluginError(f"plugin {plugin_name!r} failed in {hook}: {error}") from None


def _claim(owners: dict[str, str], name: str, plugin_name: str, what: str) -> None:
    if name in owners:
        raise PluginError(
            f"plugins {owners[name]!r} and {plugin_name!r} both declare the {what} {name!r}"
        )
    owners[name] = plugin_name


def _check_columns(dimension: Dimension, plugin_name: str) -> None:
    tables = {fact.table_name: fact.table for fact in ALL_FACTS}
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
