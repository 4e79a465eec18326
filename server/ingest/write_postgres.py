"""PostgreSQL writes: each batch is COPied (binary) into a temporary staging table, then set-based
SQL compares it with the stored rows and upserts what differs.

COPY is several times faster than binding an array of each column's values, on both sides of the
connection (3x the rows per second and a tenth of the client CPU, measured on 80k messages), and
comparing in SQL means a re-import sends no stored rows back unless they changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Table, literal, select, text
from sqlalchemy import column as sql_column
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from server.ingest.files import Record
from server.ingest.write_common import Change, defaulted, key_getter, key_names, scalar_default


async def write_changes(
    connection: AsyncConnection, table: Table, rows: Sequence[Record], *, all_new: bool
) -> list[Change]:
    names = tuple(rows[0])
    staging = await _stage(connection, table, names, rows)
    if all_new:
        changes: list[Change] = [(None, row) for row in rows]
    else:
        result = await connection.exec_driver_sql(_compare(table, names, staging))
        width = len(key_names(table))
        before: dict[tuple[object, ...], Record | None] = {}
        for stored in result:
            key, is_new, values = tuple(stored[:width]), stored[width], stored[width + 1 :]
            before[key] = None if is_new else dict(zip(names, values, strict=True))
        key_of = key_getter(table)
        changes = [(before[key], row) for row in rows if (key := key_of(row)) in before]
    if changes:
        await connection.exec_driver_sql(_upsert(table, names, staging))
    return changes


async def _stage(
    connection: AsyncConnection, table: Table, names: tuple[str, ...], rows: Sequence[Record]
) -> str:
    """The rows in the transaction's staging table of `table` (created on first use)."""
    staging = f"ingest_staging_{table.name}"
    # No constraints, no defaults: it holds only what the rows give.
    await connection.exec_driver_sql(
        f'CREATE TEMPORARY TABLE IF NOT EXISTS "{staging}" ON COMMIT DROP '
        f'AS SELECT * FROM "{table.name}" WITH NO DATA'
    )
    await connection.exec_driver_sql(f'TRUNCATE "{staging}"')
    values = itemgetter(*names)  # rows hold a key and a value at least: tuples
    await copy_rows(connection, staging, names, map(values, rows))
    return staging


async def copy_rows(
    connection: AsyncConnection,
    table: str,
    names: Sequence[str],
    records: Iterable[tuple[object, ...]],
) -> None:
    """COPY (binary) the records, tuples of the `names` columns' values, into `table`."""
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    await driver.copy_records_to_table(table, records=records, columns=list(names))


async def copy_csv(
    connection: AsyncConnection, table: str, names: Sequence[str], path: Path
) -> None:
    """COPY the CSV file at `path` (no header; NULL as an unquoted empty field) into `table`."""
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    await driver.copy_to_table(table, source=path, columns=list(names), format="csv")


@cache
def _compare(table: Table, names: tuple[str, ...], staging: str) -> str:
    """Staged rows that are new or differ: (key…, is new, the stored values of `names`…)."""
    keys = key_names(table)
    join = " AND ".join(f's."{k}" = t."{k}"' for k in keys)
    stored = ", ".join(f't."{n}"' for n in names)
    given = ", ".join(f's."{n}"' for n in names)
    return (
        f'SELECT {", ".join(f"s.{k}" for k in keys)}, t."{keys[0]}" IS NULL, {stored} '
        f'FROM "{staging}" AS s LEFT JOIN "{table.name}" AS t ON {join} '
        f'WHERE t."{keys[0]}" IS NULL OR ({stored}) IS DISTINCT FROM ({given})'
    )


@cache
def insert_from(table: Table, names: tuple[str, ...], source: str) -> str:
    """INSERT the `names` columns of the rows of `source` (a table, or a subquery with its
    alias), the columns they lack taking their defaults."""
    return _render(_insert(table, names, source))


@cache
def _upsert(table: Table, names: tuple[str, ...], staging: str) -> str:
    """INSERT the staged rows … ON CONFLICT DO UPDATE only where a value differs."""
    statement = _insert(table, names, f'"{staging}"')
    keys = key_names(table)
    values = [name for name in names if name not in keys]
    if values:
        stored = ", ".join(f'"{table.name}"."{n}"' for n in values)
        given = ", ".join(f'excluded."{n}"' for n in values)
        changed = text(f"({stored}) IS DISTINCT FROM ({given})")
        statement = statement.on_conflict_do_update(
            index_elements=keys, set_={n: statement.excluded[n] for n in values}, where=changed
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    return _render(statement)


def _insert(table: Table, names: tuple[str, ...], source: str) -> postgresql.Insert:
    missing = defaulted(table, names)
    columns: list[ColumnElement[Any]] = [sql_column(name) for name in names]
    columns += [literal(scalar_default(table, name)) for name in missing]
    rows = select(*columns).select_from(text(source))
    return postgresql.insert(table).from_select([*names, *missing], rows)


def _render(statement: postgresql.Insert) -> str:
    dialect = postgresql.asyncpg.dialect()
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
