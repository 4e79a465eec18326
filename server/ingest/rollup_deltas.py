"""Adjusting the rating rollups by the differences a few changed ratings make.

Each changed rating takes one from the rollup rows its old values were counted in and adds one
to those of its new values, in every rollup: the rows of the units touched are read, their new
counts computed here, and the rows updated, inserted or deleted (a count of zero). The cost
follows the changes, where counting the days again (server.ingest.rollups) reads every rating of
those days: a few changed scores spread over a year recounted the year.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from server.ingest.query import IN_CHUNK, chunks
from server.ingest.rollups import FIRST_DAY, LAST_DAY, kept_columns, local_day
from server.metrics.rollups import ROLLUPS, Rollup
from server.metrics.time import day_number, unit_start


@dataclass(frozen=True, slots=True)
class CountedRating:
    """A rating's values as a rollup counts them, taken (-1) or added (+1)."""

    sign: int
    instant: int  # created_at, integer microseconds
    values: dict[str, object]  # survey, score, inbox, channel, user


async def adjust(
    connection: AsyncConnection, account: str, tz: ZoneInfo, ratings: Sequence[CountedRating]
) -> bool:
    """Apply the differences to every rollup of the account (kept in zone `tz`). False when a
    count would fall below zero: the rollups did not match the ratings, and the caller counts
    the days again."""
    days = [(rating, local_day(rating.instant, tz)) for rating in ratings]
    # Days no report period can hold are counted in no rollup.
    days = [(rating, day) for rating, day in days if FIRST_DAY <= day <= LAST_DAY]
    for rollup in ROLLUPS:
        kept = kept_columns(rollup)
        deltas: Counter[tuple[Any, ...]] = Counter()
        for rating, day in days:
            unit = day_number(unit_start(day, rollup.grain))
            deltas[(unit, *(rating.values[name] for name in kept))] += rating.sign
        changed = {key: delta for key, delta in deltas.items() if delta}
        if changed and not await _apply(connection, rollup, account, changed):
            return False
    return True


async def _apply(
    connection: AsyncConnection, rollup: Rollup, account: str, deltas: dict[tuple[Any, ...], int]
) -> bool:
    table, kept = rollup.table, kept_columns(rollup)
    unit = table.c[rollup.column]
    stored: dict[tuple[Any, ...], int] = {}
    for units in chunks(sorted({key[0] for key in deltas}), IN_CHUNK):
        rows = await connection.execute(
            select(unit, *(table.c[name] for name in kept), table.c.n).where(
                table.c.account_id == account, unit.in_(units)
            )
        )
        stored.update((tuple(row[:-1]), row[-1]) for row in rows)
    names = (rollup.column, *kept)
    inserted, updated, deleted = [], [], []
    for key, delta in deltas.items():
        count = stored.get(key, 0) + delta
        if count < 0:
            return False
        row = {"account_id": account, **dict(zip(names, key, strict=True))}
        if key not in stored:
            inserted.append(row | {"n": count})
            continue
        parameters = {f"k_{name}": value for name, value in row.items()}
        if count:
            updated.append(parameters | {"new_n": count})
        else:
            deleted.append(parameters)
    if inserted:
        await connection.execute(insert(table), inserted)
    if updated:
        statement = update(table).where(*_match(table, rollup)).values(n=bindparam("new_n"))
        await connection.execute(statement, updated)
    if deleted:
        await connection.execute(delete(table).where(*_match(table, rollup)), deleted)
    return True


def _match(table: Table, rollup: Rollup) -> list[ColumnElement[bool]]:
    """The row of the key parameters; a column that may be NULL (the inbox, the user) matches
    NULL too. The others are plain equalities, which the rollup's index serves."""
    conditions = [table.c.account_id == bindparam("k_account_id")]
    for name in (rollup.column, *kept_columns(rollup)):
        column, value = table.c[name], bindparam(f"k_{name}", type_=table.c[name].type)
        conditions.append(
            column.is_not_distinct_from(value) if column.nullable else column == value
        )
    return conditions
