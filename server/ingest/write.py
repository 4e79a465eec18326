"""Writing rows: upserts by primary key of only the rows that differ from what is stored.

Comparing with the stored rows first is what tells the cascade which rows changed, and what makes
a second import of the same files write nothing at all. SQLite compares in Python (one SELECT per
chunk, in process) and writes with executemany; PostgreSQL stages and compares in SQL
(server.ingest.write_postgres).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Protocol

from sqlalchemy import Table, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from server.ingest import bulk, sqlite_params, write_postgres
from server.ingest.columnar import Loaded
from server.ingest.columnar.side import SIDE_SCHEMA, SIDE_TABLE
from server.ingest.files import Record
from server.ingest.fresh_postgres import FreshTable
from server.ingest.query import chunks, select_by_keys
from server.ingest.write_common import Change, defaulted, key_getter, key_names, scalar_default

# Rows per executemany: large enough to amortise each round trip, small enough for memory.
WRITE_CHUNK = 5000

__all__ = ["Change", "Writer", "open_writer", "write_changes"]


class Writer(Protocol):
    """Where the batches of one file go, in its transaction."""

    # Derived columns the writer computes itself for the rows it writes (the cascade need not).
    computed: frozenset[str]
    # Its table's name when that held no row as the file started (every row stored in it is
    # then the file's), else None.
    fresh_table: str | None

    @property
    def locks_on_finish(self) -> frozenset[str]:
        """The other tables `finish` locks exclusively until the commit (PostgreSQL's drops of
        foreign keys lock the tables they reference): the next file's reading preloads before
        it, and what is left of the transaction may set their indexes aside."""
        ...

    async def write(self, connection: AsyncConnection, rows: Sequence[Record]) -> list[Change]:
        """Write a batch; returns its rows that are new or changed, with the rows before."""
        ...

    async def write_loaded(self, connection: AsyncConnection, loaded: Loaded) -> None:
        """Write a first load's rows, all new, from where a worker left them
        (server.ingest.columnar); only when the table was empty as the file started."""
        ...

    async def finish(self, connection: AsyncConnection) -> None:
        """Complete the table after the last batch (not called when the file is not kept)."""
        ...


async def open_writer(connection: AsyncConnection, table: Table, *, empty: bool) -> Writer:
    """The writer of a file for `table`: bulk when the table is `empty` at the file's start."""
    if empty and connection.dialect.name == "postgresql":
        return FreshTable(table)
    upserts = Upserts(table, empty=empty)
    if empty:
        await upserts.indexes.drop(connection, table)
    return upserts


class Upserts:
    """Rows compared with the stored ones by key, those that differ upserted batch by batch."""

    computed: frozenset[str] = frozenset()
    # Rebuilding SQLite's deferred indexes of its own table: readers of other tables read the
    # last commit, and wait for nothing.
    locks_on_finish: frozenset[str] = frozenset()

    def __init__(self, table: Table, *, empty: bool) -> None:
        self._table = table
        self.fresh_table = table.name if empty else None
        self._new_accounts = NewAccounts(table)
        self.indexes = bulk.DeferredIndexes()

    async def write(self, connection: AsyncConnection, rows: Sequence[Record]) -> list[Change]:
        all_new = await self._new_accounts.all_new(connection, rows)
        return await write_changes(connection, self._table, rows, all_new=all_new)

    async def write_loaded(self, connection: AsyncConnection, loaded: Loaded) -> None:
        """SQLite: one INSERT … SELECT from the attached file (server.ingest.columnar.side),
        every column given."""
        assert self.fresh_table is not None, "only a first load is read column by column"
        columns = ", ".join(_quoted(list(loaded.columns)))
        await connection.exec_driver_sql(
            f"INSERT INTO {_quoted([self._table.name])[0]} ({columns}) "
            f"SELECT {columns} FROM {SIDE_SCHEMA}.{SIDE_TABLE}"
        )

    async def finish(self, connection: AsyncConnection) -> None:
        await self.indexes.rebuild(connection)


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
    if connection.dialect.name == "postgresql":
        return await write_postgres.write_changes(connection, table, rows, all_new=all_new)
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
        before = {key_of(old): old for old in (r._asdict() for r in stored)}
        changes = [(old, row) for row in rows if (old := before.get(key_of(row))) != row]
    if changes:
        await _upsert(connection, table, [new for _, new in changes])
    return changes


async def _upsert(connection: AsyncConnection, table: Table, rows: Sequence[Record]) -> None:
    """SQLite: one compiled INSERT … ON CONFLICT run as executemany over plain tuples, the
    row's values then its missing columns' defaults (values go unprocessed: rows already hold
    stored values, Timestamps as integer microseconds), NULLs and booleans bound as numbers
    (server.ingest.sqlite_params)."""
    sql, params = _sqlite_upsert(table, tuple(rows[0]))
    for chunk in chunks(rows, WRITE_CHUNK):
        await connection.exec_driver_sql(sql, [params(row) for row in chunk])


@cache
def _sqlite_upsert(
    table: Table, names: tuple[str, ...]
) -> tuple[str, Callable[[Record], sqlite_params.Params]]:
    """(SQL, record -> its parameters). Written out, not compiled: the parameters' order is the
    one `row_params` builds (SQLAlchemy would put them in the table's order)."""
    missing = defaulted(table, names)
    plain, maybe = sqlite_params.mapped_last(table, names)
    columns = (*plain, *maybe, *missing)
    keys = key_names(table)
    updated = [name for name in names if name not in keys]
    conflict = f"ON CONFLICT ({', '.join(_quoted(keys))}) DO " + (
        "UPDATE SET " + ", ".join(f"{q} = excluded.{q}" for q in _quoted(updated))
        if updated
        else "NOTHING"
    )
    sql = (
        f"INSERT INTO {_quoted([table.name])[0]} ({', '.join(_quoted(columns))}) "
        f"VALUES ({', '.join('?' * len(columns))}) {conflict}"
    )
    constants = sqlite_params.bindable([scalar_default(table, name) for name in missing])
    return sql, sqlite_params.row_params(plain, maybe, constants)


def _quoted(names: Sequence[str]) -> list[str]:
    """Quoted where SQLAlchemy would quote them (a reserved word, say)."""
    return [_PREPARER.quote(name) for name in names]


_PREPARER = sqlite.dialect().identifier_preparer
