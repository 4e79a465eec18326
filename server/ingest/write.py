"""Writing rows: upserts by primary key of only the rows that differ from what is stored.

Comparing with the stored rows first (one SELECT per chunk) is what tells the cascade which rows
changed, and what makes a second import of the same files write nothing at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Dialect, Table, bindparam, delete, select, update
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
    """INSERT … ON CONFLICT (primary key) DO UPDATE, in chunks; rows share their columns."""
    if rows:
        await _run(connection, _upsert(connection.dialect, table, tuple(rows[0])), rows)


async def update_rows(connection: AsyncConnection, table: Table, rows: Sequence[Record]) -> None:
    """UPDATE stored rows by primary key: each row holds its key and the columns to set."""
    if rows:
        await _run(connection, _update(connection.dialect, table, tuple(rows[0])), rows)


async def delete_rows(
    connection: AsyncConnection, table: Table, keys: Sequence[tuple[Any, ...]]
) -> None:
    if keys:
        names = [column.name for column in table.primary_key.columns]
        rows = [dict(zip(names, key, strict=True)) for key in keys]
        await _run(connection, _delete(connection.dialect, table), rows)


@dataclass(frozen=True)
class _Statement:
    """A statement compiled once for the driver, so each row costs one tuple and no per-value
    processing (rows already hold stored values: Timestamps as integer microseconds)."""

    sql: str
    names: tuple[str, ...]  # the row values of its parameters, in order
    defaults: tuple[object, ...] = ()  # then the values of columns rows leave to their default

    def __post_init__(self) -> None:
        assert len(self.names) > 1  # a key and a value at least, so itemgetter makes tuples

    def parameters(self, rows: Sequence[Record]) -> list[tuple[object, ...]]:
        values = itemgetter(*self.names)
        if self.defaults:
            return [values(row) + self.defaults for row in rows]
        return [values(row) for row in rows]


async def _run(connection: AsyncConnection, statement: _Statement, rows: Sequence[Record]) -> None:
    for chunk in chunks(rows, WRITE_CHUNK):
        await connection.exec_driver_sql(statement.sql, statement.parameters(chunk))


@cache
def _upsert(dialect: Dialect, table: Table, names: tuple[str, ...]) -> _Statement:
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    statement = insert(table)
    keys = _key_names(table)
    updated = {name: statement.excluded[name] for name in names if name not in keys}
    if updated:
        statement = statement.on_conflict_do_update(index_elements=keys, set_=updated)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    # Compiling for these columns adds the others' scalar defaults (a new conversation's zero
    # replies) as parameters with their values.
    compiled = statement.compile(dialect=dialect, column_keys=list(names))
    order = _order(compiled)
    given = [name for name in order if name in names]
    # Tables declare such columns last (a conversation's reply counts), so one tuple
    # concatenation per row completes its parameters.
    assert order[: len(given)] == given, f"{table.name}: defaulted columns must come last"
    defaults = tuple(_scalar_default(table, name) for name in order[len(given) :])
    return _Statement(str(compiled), tuple(given), defaults)


@cache
def _update(dialect: Dialect, table: Table, names: tuple[str, ...]) -> _Statement:
    keys = _key_names(table)
    statement = (
        update(table)
        .where(*(table.c[name] == bindparam(f"key_{name}") for name in keys))
        .values({name: bindparam(f"set_{name}") for name in names if name not in keys})
    )
    compiled = statement.compile(dialect=dialect)
    return _Statement(str(compiled), _unprefixed(_order(compiled)))


@cache
def _delete(dialect: Dialect, table: Table) -> _Statement:
    keys = _key_names(table)
    statement = delete(table).where(*(table.c[name] == bindparam(f"key_{name}") for name in keys))
    compiled = statement.compile(dialect=dialect)
    return _Statement(str(compiled), _unprefixed(_order(compiled)))


def _unprefixed(names: list[str]) -> tuple[str, ...]:
    """Parameter names -> row keys. The parameters are named key_<column> and set_<column>,
    as SQLAlchemy reserves the column names themselves for its own parameters."""
    return tuple(name.split("_", 1)[1] for name in names)


def _key_names(table: Table) -> list[str]:
    return [column.name for column in table.primary_key.columns]


def _order(compiled: Any) -> list[str]:
    assert compiled.positiontup is not None  # both drivers take positional parameters
    return list(compiled.positiontup)


def _scalar_default(table: Table, name: str) -> object:
    default = table.c[name].default
    assert default is not None and default.is_scalar, f"{table.name}.{name} needs a value"
    return default.arg  # type: ignore[attr-defined]
