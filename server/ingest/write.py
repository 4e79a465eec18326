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

from sqlalchemy import BindParameter, Dialect, Table, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
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
        await _upsert(connection.dialect, table, tuple(rows[0])).run(connection, rows)


async def update_rows(connection: AsyncConnection, table: Table, rows: Sequence[Record]) -> None:
    """UPDATE stored rows by primary key: each row holds its key and the columns to set."""
    if rows:
        await _update(connection.dialect, table, tuple(rows[0])).run(connection, rows)


async def delete_rows(
    connection: AsyncConnection, table: Table, keys: Sequence[tuple[Any, ...]]
) -> None:
    if keys:
        names = _key_names(table)
        rows = [dict(zip(names, key, strict=True)) for key in keys]
        await _delete(connection.dialect, table).run(connection, rows)


@dataclass(frozen=True)
class _Statement:
    """A statement compiled once and run on the driver: each row costs one tuple, and values go
    unprocessed (rows already hold stored values: Timestamps as integer microseconds).

    Row-wise statements run as executemany. Columnar ones (PostgreSQL) run once per chunk with
    an array of each column's values, which the server unnests: one statement instead of
    thousands, several times faster.
    """

    sql: str
    slots: tuple[tuple[str | None, object], ...]  # per parameter: the row's key, or a constant
    columnar: bool

    async def run(self, connection: AsyncConnection, rows: Sequence[Record]) -> None:
        for chunk in chunks(rows, WRITE_CHUNK):
            await connection.exec_driver_sql(self.sql, self._parameters(chunk))

    def _parameters(self, rows: Sequence[Record]) -> Any:
        if self.columnar:
            return tuple(
                [row[key] for row in rows] if key is not None else constant
                for key, constant in self.slots
            )
        keys = [key for key, _ in self.slots if key is not None]
        constants = tuple(constant for key, constant in self.slots if key is None)
        # Tables declare defaulted columns last (a conversation's reply counts), so one tuple
        # concatenation per row completes its parameters.
        assert [key for key, _ in self.slots[: len(keys)]] == keys, "defaulted columns come last"
        assert len(keys) > 1  # a key and a value at least, so itemgetter makes tuples
        values = itemgetter(*keys)
        if constants:
            return [values(row) + constants for row in rows]
        return [values(row) for row in rows]


@cache
def _upsert(dialect: Dialect, table: Table, names: tuple[str, ...]) -> _Statement:
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    if dialect.name == "postgresql":
        source = _unnest(table, names)
        statement = insert(table).from_select(list(names), select(*source.c))
    else:
        statement = insert(table).values({name: _row(name) for name in names})
    keys = _key_names(table)
    updated = {name: statement.excluded[name] for name in names if name not in keys}
    if updated:
        statement = statement.on_conflict_do_update(index_elements=keys, set_=updated)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    return _compile(dialect, table, statement)


@cache
def _update(dialect: Dialect, table: Table, names: tuple[str, ...]) -> _Statement:
    keys = _key_names(table)
    values = [name for name in names if name not in keys]
    if dialect.name == "postgresql":
        source = _unnest(table, names)
        statement = (
            update(table)
            .values({name: source.c[name] for name in values})
            .where(*(table.c[name] == source.c[name] for name in keys))
        )
    else:
        statement = (
            update(table)
            .values({name: _row(name) for name in values})
            .where(*(table.c[name] == _row(name) for name in keys))
        )
    return _compile(dialect, table, statement)


@cache
def _delete(dialect: Dialect, table: Table) -> _Statement:
    statement = delete(table).where(*(table.c[name] == _row(name) for name in _key_names(table)))
    return _compile(dialect, table, statement, columnar=False)


def _row(name: str) -> BindParameter[Any]:
    # SQLAlchemy keeps the column names for parameters of its own (the defaults it adds).
    return bindparam(f"{_ROW}{name}")


def _unnest(table: Table, names: tuple[str, ...]) -> Any:
    """unnest(array of each column's values) AS source(columns…): the rows of a chunk."""
    arrays = [bindparam(f"{_ROW}{name}", type_=ARRAY(table.c[name].type)) for name in names]
    return func.unnest(*arrays).table_valued(*names).render_derived(name="source")


def _compile(
    dialect: Dialect, table: Table, statement: Any, *, columnar: bool | None = None
) -> _Statement:
    compiled = statement.compile(dialect=dialect)
    assert compiled.positiontup is not None  # both drivers take positional parameters
    slots = tuple(
        (name.removeprefix(_ROW), None)
        if name.startswith(_ROW)
        else (None, _scalar_default(table, name))
        for name in compiled.positiontup
    )
    if columnar is None:
        columnar = dialect.name == "postgresql"
    return _Statement(str(compiled), slots, columnar)


_ROW = "row_"


def _key_names(table: Table) -> list[str]:
    return [column.name for column in table.primary_key.columns]


def _scalar_default(table: Table, name: str) -> object:
    default = table.c[name].default
    assert default is not None and default.is_scalar, f"{table.name}.{name} needs a value"
    return default.arg  # type: ignore[attr-defined]
