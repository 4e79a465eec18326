"""Adjusting the rating rollups by the differences a few changed ratings make.

Each changed rating takes one from the rollup rows its old values were counted in and adds one
to those of its new values, in every rollup: the differences are summed here per rollup row and
applied in SQL (rows updated, inserted, or deleted at a count of zero). The cost follows the
changes, where counting the days again (server.ingest.rollups) reads every rating of those days:
a few changed scores spread over a year recounted the year.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    MetaData,
    Table,
    delete,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

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
    """Add the differences to the rollup's rows, set-based: staged in a temporary table, then
    one UPDATE of the rows that exist, one INSERT of those that do not, one DELETE of the counts
    fallen to zero. False when a count fell below zero."""
    table, names = rollup.table, (rollup.column, *kept_columns(rollup))
    staged = Table(
        "ingest_rollup_deltas",
        MetaData(),
        *(Column(name, table.c[name].type) for name in names),
        Column("d", Integer, nullable=False),
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )
    # One statement whether or not an earlier file left it on this connection (SQLite).
    await connection.exec_driver_sql(f"DROP TABLE IF EXISTS {staged.name}")
    await connection.run_sync(staged.create)
    rows = [{**dict(zip(names, key, strict=True)), "d": delta} for key, delta in deltas.items()]
    await connection.execute(insert(staged), rows)
    account_rows = table.c.account_id == account
    await connection.execute(
        update(table)
        .where(account_rows, *_match(table, staged, names))
        .values(n=table.c.n + staged.c.d)
    )
    stored = select(literal(1)).where(account_rows, *_match(table, staged, names))
    new = select(literal(account), *(staged.c[name] for name in names), staged.c.d).where(
        ~stored.exists()
    )
    await connection.execute(insert(table).from_select(["account_id", *names, "n"], new))
    units = select(staged.c[rollup.column])
    await connection.execute(
        delete(table).where(account_rows, table.c.n == 0, table.c[rollup.column].in_(units))
    )
    below_zero = select(literal(1)).where(account_rows, table.c.n < 0).limit(1)
    return (await connection.execute(below_zero)).first() is None


def _match(table: Table, staged: Table, names: Sequence[str]) -> list[ColumnElement[bool]]:
    """A rollup row and a staged difference with the same key; a column that may be NULL (the
    inbox, the user) matches NULL too. The others are plain equalities, which joins use."""
    conditions = []
    for name in names:
        column, value = table.c[name], staged.c[name]
        conditions.append(
            column.is_not_distinct_from(value) if column.nullable else column == value
        )
    return conditions
