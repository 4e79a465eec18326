"""Plugin-owned data: tables a plugin declares, the CSV files that fill them, and their creation.

A plugin declares SQLAlchemy Core tables (`rapport_tables`) and CSV files with the same
declarative rules as the core's (`rapport_files`, `server.ingest.files.CsvFile`). The core checks
them at start-up, creates missing tables in `rapport db upgrade` (and every command that migrates)
and refuses a database whose table lacks a declared column; `rapport import` reads the files
after the core's. Scope reads `account_id` and `inbox_id`, so every plugin table has both: the
core's `Scope.where` then keeps a token to its rows, as for the core's tables.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Table, inspect

from server.db.tables import metadata as core_metadata
from server.errors import UserError
from server.ingest.files import BY_NAME, CsvFile

SCOPE_COLUMNS = ("account_id", "inbox_id")
# What a plugin file may refer to: the core entities the importer can look up.
REFERABLE = frozenset({"accounts", "inboxes", "teams", "users", "customers", "conversations"})


class PluginDataError(UserError):
    """A plugin table or file that the core cannot scope, create or import."""


def check_table(plugin: str, table: object, taken: dict[str, str]) -> Table:
    if not isinstance(table, Table):
        raise PluginDataError(f"plugin {plugin!r}: rapport_tables returned {table!r}, not a Table")
    prefix = f"{plugin.replace('-', '_')}_"
    if not table.name.startswith(prefix):
        raise PluginDataError(
            f"plugin {plugin!r}: table {table.name!r} must be named {prefix}…, after the plugin"
        )
    if table.name in core_metadata.tables or table.name in taken:
        owner = taken.get(table.name, "rapport")
        raise PluginDataError(
            f"plugins {owner!r} and {plugin!r} both declare the table {table.name!r}"
        )
    missing = [column for column in SCOPE_COLUMNS if column not in table.c]
    if missing:
        raise PluginDataError(
            f"plugin {plugin!r}: table {table.name} has no {' or '.join(missing)} column: the core "
            "scopes every table by account_id and inbox_id (nullable: a row without an inbox is "
            "seen by account-wide tokens only)"
        )
    taken[table.name] = plugin
    return table


def check_file(plugin: str, file: object, own_tables: Iterable[Table], taken: set[str]) -> CsvFile:
    if not isinstance(file, CsvFile):
        raise PluginDataError(f"plugin {plugin!r}: rapport_files returned {file!r}, not a CsvFile")
    if file.table not in set(own_tables):
        raise PluginDataError(
            f"plugin {plugin!r}: file {file.name} fills {file.table.name}, which is not one of "
            "its own tables (rapport_tables)"
        )
    if file.name in BY_NAME or file.name in taken:
        raise PluginDataError(f"plugin {plugin!r}: another file is already named {file.name}")
    unknown = sorted(file.references - REFERABLE)
    if unknown:
        raise PluginDataError(
            f"plugin {plugin!r}: file {file.name} refers to {', '.join(unknown)}; files can refer "
            f"to {', '.join(sorted(REFERABLE))}"
        )
    taken.add(file.name)
    return file


def create_tables(connection: Connection, tables: Iterable[tuple[str, Table]]) -> None:
    """Create each missing plugin table; refuse one that exists without a declared column.

    Tables are created, never altered: a plugin that changes its table ships its own migration
    (or its users drop the table and import again).
    """
    inspector = inspect(connection)
    existing = set(inspector.get_table_names())
    for plugin, table in tables:
        if table.name not in existing:
            table.create(connection)
            continue
        present = {column["name"] for column in inspector.get_columns(table.name)}
        missing = [column.name for column in table.columns if column.name not in present]
        if missing:
            raise PluginDataError(
                f"plugin {plugin!r}: table {table.name} in the database has no column "
                f"{', '.join(missing)}: Rapport creates plugin tables but does not alter them"
            )
