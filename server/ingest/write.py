"""Writing rows: upserts by primary key of only the rows that differ from what is stored.

Comparing with the stored rows first (one SELECT per chunk) is what tells the cascade which rows
changed, and what makes a second import of the same files write nothing at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, bindparam, literal, select
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from server.ingest.files import Record
from server.ingest.query import chunks, select_by_keys

# Rows per executemany: large enough to amortise each round trip, small enough for memory.
WRITE_CHUNK = 5000

Change = tuple[Record | None, Record]  # (the stored row before, the row written)


@cache
def key_getter(table: Table) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """row -> its primary key tuple."""
    names = [column.name for column in table.primary_key.columns]
    if len(names) == 1:
        name = names[0]
        return lambda row: (row[name],)
    return itemgetter(*names)


class NewAccounts:
    """The accounts that had no row in a table when a file started. All their rows in the file
    are new (a file's ids are unique), so a first import need not compare them with stored rows:
    the bulk of the work when an account's data is loaded."""

    def __init__(self, table: Table) -> None:
        self._table = table
        self._new: dict[object, bool] = {}

    async def all_new(self, connection: AsyncConnection, rows: Sequence[Record]) -> bool:
        """Whether these rows are all of new accounts; call before writing them."""
        if "account_id" not in self._table.c:
            return False
        accounts = {row["account_id"] for row in rows}
        for account in accounts.difference(self._new):
            stored = select(self._table.c.account_id).where(self._table.c.account_id == account)
            self._new[account] = (await connection.execute(stored.limit(1))).first() is None
        return all(self._new[account] for account in accounts)


async def write_changes(
    connection: AsyncConnection, table: Table, rows: Sequence[Record], *, all_new: bool = False
) -> list[Change]:
    """Upsert the rows that are new or differ in any of their columns; return those changes.

    Every row must have the same columns; columns a row lacks keep their stored value (or get
    their default when the row is new). `all_new` says no row is stored yet.
    """
    if not rows:
        return []
    if all_new:
        changes: list[Change] = [(None, row) for row in rows]
    else:
        key_of = key_getter(table)
        stored = await select_by_keys(
            connection,
            [table.c[name] for name in rows[0]],
            list(table.primary_key.columns),
            [key_of(row) for row in rows],
        )
        before = {key_of(r._mapping): dict(r._mapping) for r in stored}
        changes = [(old, row) for row in rows if (old := before.get(key_of(row))) != row]
    await upsert_rows(connection, table, [new for _, new in changes])
    return changes


async def upsert_rows(connection: AsyncConnection, table: Table, rows: Sequence[Record]) -> None:
    """INSERT … ON CONFLICT (primary key) DO UPDATE; rows share their columns."""
    if not rows:
        return
    names = tuple(rows[0])
    if connection.dialect.name == "postgresql":
        await _copy_upsert(connection, table, names, rows)
    else:
        await _executemany_upsert(connection, table, names, rows)


async def _copy_upsert(
    connection: AsyncConnection, table: Table, names: tuple[str, ...], rows: Sequence[Record]
) -> None:
    """PostgreSQL: COPY the rows (binary) into a temporary staging table, then one INSERT …
    SELECT … ON CONFLICT. Several times faster than binding arrays of every column, on both
    sides of the connection."""
    staging = f"ingest_staging_{table.name}"
    # No constraints, no defaults: the staging table holds only what the rows give.
    await connection.exec_driver_sql(
        f'CREATE TEMPORARY TABLE IF NOT EXISTS "{staging}" ON COMMIT DROP '
        f'AS SELECT * FROM "{table.name}" WITH NO DATA'
    )
    await connection.exec_driver_sql(f'TRUNCATE "{staging}"')
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    values = itemgetter(*names)  # rows hold a key and a value at least: tuples
    await driver.copy_records_to_table(
        staging, records=[values(row) for row in rows], columns=list(names)
    )
    await connection.exec_driver_sql(_copy_insert(table, names, staging))


@cache
def _copy_insert(table: Table, names: tuple[str, ...], staging: str) -> str:
    source = sql_table(staging, *(sql_column(name) for name in names))
    defaulted = _defaulted(table, names)
    defaults = [literal(_scalar_default(table, name)) for name in defaulted]
    statement = postgresql.insert(table).from_select(
        [*names, *defaulted], select(*source.c, *defaults)
    )
    keys = _key_names(table)
    updated = {name: statement.excluded[name] for name in names if name not in keys}
    if updated:
        statement = statement.on_conflict_do_update(index_elements=keys, set_=updated)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    dialect = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


async def _executemany_upsert(
    connection: AsyncConnection, table: Table, names: tuple[str, ...], rows: Sequence[Record]
) -> None:
    """SQLite: one compiled INSERT … ON CONFLICT run as executemany over plain tuples, the
    row's values then its missing columns' defaults (values go unprocessed: rows already hold
    stored values, Timestamps as integer microseconds)."""
    sql, order, constants = _sqlite_upsert(table, names)
    values = itemgetter(*order)  # rows hold a key and a value at least: tuples
    for chunk in chunks(rows, WRITE_CHUNK):
        await connection.exec_driver_sql(sql, [values(row) + constants for row in chunk])


@cache
def _sqlite_upsert(
    table: Table, names: tuple[str, ...]
) -> tuple[str, tuple[str, ...], tuple[object, ...]]:
    """(SQL, the row's columns in parameter order, the defaults that follow them)."""
    defaulted = _defaulted(table, names)
    statement = sqlite.insert(table).values(
        {name: bindparam(f"{_ROW}{name}") for name in (*names, *defaulted)}
    )
    keys = _key_names(table)
    updated = {name: statement.excluded[name] for name in names if name not in keys}
    if updated:
        statement = statement.on_conflict_do_update(index_elements=keys, set_=updated)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    compiled = statement.compile(dialect=sqlite.dialect())
    assert compiled.positiontup is not None
    order = tuple(name.removeprefix(_ROW) for name in compiled.positiontup)
    given = tuple(name for name in order if name in names)
    # Tables declare defaulted columns last (a conversation's reply counts), so one tuple
    # concatenation per row completes its parameters.
    assert order == (*given, *(n for n in order if n not in names)), "defaulted columns last"
    constants = tuple(_scalar_default(table, name) for name in order[len(given) :])
    return str(compiled), given, constants


# SQLAlchemy keeps the column names for parameters of its own.
_ROW = "row_"


def _defaulted(table: Table, names: tuple[str, ...]) -> list[str]:
    """The columns the rows leave out that take a default when a row is new (the others stay
    NULL, or keep their stored value)."""
    return [c.name for c in table.columns if c.name not in names and c.default is not None]


def _key_names(table: Table) -> list[str]:
    return [column.name for column in table.primary_key.columns]


def _scalar_default(table: Table, name: str) -> object:
    default = table.c[name].default
    assert default is not None and default.is_scalar, f"{table.name}.{name} needs a value"
    return default.arg  # type: ignore[attr-defined]
