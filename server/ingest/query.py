"""Batched SELECTs by key: how ingest reads rows into Python, never one query per row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import BigInteger, Column, ColumnElement, Row, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.types import Timestamp

# Ids per IN list: far below the bind-parameter limits of SQLite (32,766) and asyncpg (32,767).
IN_CHUNK = 2000

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def plain(column: Column[object]) -> ColumnElement[Any]:
    """The column as stored: Timestamps as integer microseconds, which ingest computes with."""
    if isinstance(column.type, Timestamp):
        return type_coerce(column, BigInteger).label(column.name)
    return column


async def select_by_keys(
    connection: AsyncConnection,
    columns: Sequence[Column[object]],
    key_columns: Sequence[Column[object]],
    keys: Iterable[tuple[object, ...]],
    order_by: Sequence[ColumnElement[object]] = (),
) -> list[Row[*tuple[object, ...]]]:
    """Rows whose `key_columns` equal one of `keys`, ordered within each group of keys.

    Keys are grouped by all their parts but the last (the account, mostly), which become
    equalities, and the last part goes into IN lists: the shape every index here serves.
    """
    groups: dict[tuple[object, ...], list[object]] = defaultdict(list)
    for key in set(keys):
        groups[key[:-1]].append(key[-1])
    selected = [plain(column) for column in columns]
    rows: list[Row[*tuple[object, ...]]] = []
    for prefix, values in groups.items():
        equal = [column == value for column, value in zip(key_columns, prefix, strict=False)]
        for chunk in chunks(values, IN_CHUNK):
            statement = select(*selected).where(*equal, key_columns[-1].in_(chunk))
            statement = statement.order_by(*order_by)
            rows.extend((await connection.execute(statement)).all())
    return rows
