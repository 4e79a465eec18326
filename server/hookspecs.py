"""The plugin API: every extension point of Rapport, as typed and documented hook specifications.

A plugin is a module registered under the `rapport` entry-point group that implements some of these
hooks with `@hookimpl` (pluggy's marker: `@hookimpl(specname="rapport_metrics")` names the hook
when the function's name differs). Built-in metrics (`plugins/csat`, …) are registered exactly the
same way. Hooks are called once, at start-up, while the registry is built; they only declare
things: the core plans and runs all SQL, builds the schema and applies security.

A hook implementation takes only the arguments it needs, by name (here: `settings`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pluggy
from sqlalchemy import Table

from server.ingest.files import CsvFile
from server.metrics.declarations import Dimension, Metric
from server.plugin_config import PluginSettings, Setting
from server.plugin_records import RecordList

PROJECT = "rapport"

API_VERSION = "2.0"
"""The plugin API's version: the major number changes when a hook changes incompatibly."""

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def rapport_settings() -> Sequence[Setting]:
    """Declare the plugin's configuration: `Setting(name, type, default=…)` for each key.

    Called once at start-up, before the other hooks. Values are read from
    `RAPPORT_PLUGIN_<PLUGIN>_<KEY>` environment variables, else from the plugin's table of the
    TOML file named by `RAPPORT_PLUGINS_FILE`, else the default; the other hooks receive them,
    validated, as their `settings` argument. A value of the wrong type, an unknown key or a missing
    required value stops start-up naming the plugin and the key.
    """


@hookspec
def rapport_tables(settings: PluginSettings) -> Sequence[Table]:
    """Declare the plugin's own tables, as SQLAlchemy Core `Table`s (on a `MetaData` of its own).

    Called once at start-up. Each table is named `<plugin>_…` and has `account_id` and `inbox_id`
    columns, which scope reads; `rapport db upgrade` (and every command that migrates) creates it
    when missing and stops when it exists without a declared column. Facts (`Fact(name, table,
    time column, description)`) and dimensions can then read it, scoped by the core.
    """


@hookspec
def rapport_files(settings: PluginSettings) -> Sequence[CsvFile]:
    """Declare CSV files filling the plugin's tables, with the core's declarative file rules.

    Called once at start-up. Return `server.ingest.files.CsvFile`s (columns as `Field`s with
    parsers, required cells, references to the core's entities, a row rule); `rapport import`
    reads them after the core's files, validating and upserting them as it does the core's.
    """


@hookspec
def rapport_record_lists(settings: PluginSettings) -> Sequence[RecordList]:
    """Expose the rows of the plugin's tables as paginated root fields of `Query`.

    Called once at start-up. Each `RecordList(field, table, node, order_by, description)` becomes
    `Query.<field>(first, after)`, a connection of `node` served by the core: scoped to the
    token's account and inboxes, in keyset pages; no plugin code runs per request.
    """


@hookspec
def rapport_dimensions(settings: PluginSettings) -> Sequence[Dimension]:
    """Declare dimensions that reports can be broken down and filtered by.

    Called once at start-up with the plugin's `settings`. Return `Dimension` declarations: each
    becomes a member of the `Dimension` enum and, when it names a `filter`, an argument of
    `ReportFilter`. A dimension name or filter argument declared by two plugins stops start-up
    naming both.
    """


@hookspec
def rapport_metrics(settings: PluginSettings) -> Sequence[Metric]:
    """Declare metrics: each becomes a field of `Report`, `ReportGroup` and `ReportBucket`.

    Called once at start-up with the plugin's `settings`. Return `Metric` declarations; their
    numeric `values` become members of the `MetricValue` enum. A metric field declared by two
    plugins stops start-up naming both.
    """
