"""The stored rows a file refers to, as frames: their keys, and what derivations read of them
(server.ingest.lookups.LOOKUP_COLUMNS). Read through the driver's own cursor: the peer data's
330k conversations took 1.0 s so, against 1.6 s through SQLAlchemy's rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db import tables
from server.ingest.lookups import LOOKUP_COLUMNS


async def stored_frames(
    connection: AsyncConnection, entities: Iterable[str]
) -> dict[str, pl.DataFrame]:
    """Each entity's stored rows, one frame each, keyed by its primary key columns."""
    return {entity: await _frame(connection, _table(entity)) for entity in sorted(entities)}


async def _frame(connection: AsyncConnection, table: Table) -> pl.DataFrame:
    names = [column.name for column in table.primary_key.columns]
    names += LOOKUP_COLUMNS[table.name]
    schema = {name: pl.Int64 if name == "is_bot" else pl.String for name in names}
    frame = await _read(connection, f'SELECT {_quoted(names)} FROM "{table.name}"', schema)
    if "is_bot" in schema:  # an integer on SQLite
        frame = frame.with_columns(pl.col("is_bot").cast(pl.Boolean))
    return frame


async def _read(
    connection: AsyncConnection, sql: str, schema: Mapping[str, type[pl.DataType]]
) -> pl.DataFrame:
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    if connection.dialect.name == "sqlite":
        rows = await driver.execute_fetchall(sql)
    else:
        rows = [tuple(row) for row in await driver.fetch(sql)]
    return pl.DataFrame(rows, schema=schema, orient="row")


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


# What stage intervals take from a closed conversation (server.ingest.columnar.stages).
_CLOSED = (
    "account_id", "id", "closed_at", "inbox_id", "assignee_id", "customer_id", "country",
    "channel", "team_id", "theme", "pipeline",
)  # fmt: skip


async def closed_conversations(connection: AsyncConnection) -> pl.DataFrame:
    """The stored closed conversations, with what stage intervals take from them."""
    where = "WHERE status = 'closed' AND closed_at IS NOT NULL"
    schema = {name: pl.Int64 if name == "closed_at" else pl.String for name in _CLOSED}
    return await _read(connection, f"SELECT {_quoted(_CLOSED)} FROM conversations {where}", schema)


def _table(entity: str) -> Table:
    table = tables.metadata.tables[entity]
    assert isinstance(table, Table)
    return table
