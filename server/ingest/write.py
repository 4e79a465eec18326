"""Writing rows: upserts by primary key of only the rows that differ from what is stored.

Comparing with the stored rows first (one SELECT per chunk) is what tells the cascade which rows
changed, and what makes a second import of the same files write nothing at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Table, bindparam, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from server.ingest.files import Record
from server.ingest.query import chunks, select_by_keys

# Rows per executemany: large enough to amortise each round trip, small enough for memory.
WRITE_CHUNK = 5000

Change = tuple[Record | None, Record]  # (the stored row before, the row written)


def key_of(table: Table, row: Record) -> tuple[Any, ...]:
    return tuple(row[column.name] for column in table.primary_key.columns)


async def write_changes(
    connection: AsyncConnection, table: Table, rows: Sequence[Record]
) -> list[Change]:
    """Upsert the rows that are new or differ in any of their columns; return those changes.

    Every row must have the same columns; columns a row lacks keep their stored value (or get
    their default when the row is new).
    """
    if not rows:
        return []
    names = tuple(rows[0])
    key_columns = list(table.primary_key.columns)
    stored = await select_by_keys(
        connection, [table.c[name] for name in names], key_columns, [key_of(table, r) for r in rows]
    )
    before = {key_of(table, r._mapping): dict(r._mapping) for r in stored}  # type: ignore[arg-type]
    changes: list[Change] = []
    for row in rows:
        old = before.get(key_of(table, row))
        if old != row:
            changes.append((old, row))
    await upsert_rows(connection, table, [new for _, new in changes])
    return changes


async def upsert_rows(connection: AsyncConnection, table: Table, rows: Sequence[Record]) -> None:
    """INSERT … ON CONFLICT (primary key) DO UPDATE, in chunks; rows share their columns."""
    if not rows:
        return
    statement = _upsert(connection.dialect.name, table, tuple(rows[0]))
    for chunk in chunks(rows, WRITE_CHUNK):
        await connection.execute(statement, list(chunk))


async def update_rows(connection: AsyncConnection, table: Table, rows: Sequence[Record]) -> None:
    """UPDATE stored rows by primary key: each row holds its key and the columns to set."""
    if not rows:
        return
    keys = [column.name for column in table.primary_key.columns]
    statement = update(table).where(*(table.c[name] == bindparam(f"key_{name}") for name in keys))
    for chunk in chunks(rows, WRITE_CHUNK):
        await connection.execute(
            statement,
            [
                {
                    **{f"key_{k}": row[k] for k in keys},
                    **{k: v for k, v in row.items() if k not in keys},
                }
                for row in chunk
            ],
        )


async def delete_rows(
    connection: AsyncConnection, table: Table, keys: Sequence[tuple[Any, ...]]
) -> None:
    if not keys:
        return
    names = [column.name for column in table.primary_key.columns]
    statement = delete(table).where(*(table.c[name] == bindparam(f"key_{name}") for name in names))
    for chunk in chunks(keys, WRITE_CHUNK):
        await connection.execute(
            statement, [dict(zip((f"key_{n}" for n in names), key, strict=True)) for key in chunk]
        )


@cache
def _upsert(dialect: str, table: Table, names: tuple[str, ...]) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    keys = [column.name for column in table.primary_key.columns]
    updated = {name: statement.excluded[name] for name in names if name not in keys}
    if not updated:
        return statement.on_conflict_do_nothing(index_elements=keys)
    return statement.on_conflict_do_update(index_elements=keys, set_=updated)
