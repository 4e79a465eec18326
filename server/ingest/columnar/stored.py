"""The stored rows a file refers to, as frames: their keys, and what derivations read of them
(server.ingest.lookups.LOOKUP_COLUMNS)."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
from sqlalchemy import Table, select
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
    rows = (await connection.execute(select(*(table.c[name] for name in names)))).all()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    series = []
    for name, values in zip(names, columns, strict=True):
        if name == "is_bot":  # SQLite reads booleans as integers
            series.append(pl.Series(name, [bool(v) for v in values], dtype=pl.Boolean))
        else:
            series.append(pl.Series(name, values, dtype=pl.String))
    return pl.DataFrame(series)


def _table(entity: str) -> Table:
    table = tables.metadata.tables[entity]
    assert isinstance(table, Table)
    return table
