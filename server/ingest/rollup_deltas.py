"""Adjusting the rating rollups by the differences changed ratings make.

The base rollups (server.metrics.rollups: those counted from the ratings themselves) are adjusted
row by row: each changed rating takes one from the rows its old values were counted in and adds one
to those of its new values. The differences are summed here as the ratings are written, per account
and rollup row, then applied in SQL (rows updated, inserted, or deleted at a count of zero). The
rollups counted from the base ones are then counted again from them over the units that changed
(server.ingest.rollups), which is cheap: a base rollup holds far fewer rows than the ratings.

The cost follows the changed ratings and the rollup rows they touch, where counting the days again
from the ratings reads every rating of those days: a few changed scores spread over a year recounted
the year. On a first load the two cost about the same on PostgreSQL; on SQLite, the peer data's
million ratings took 8 s counted in SQL, against 5 s here plus 2.3 s of summing while the rows
are written, when the writing process has time to spare.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Integer,
    MetaData,
    Table,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.types import from_micros
from server.ingest.files import Record
from server.ingest.rollups import FIRST_DAY, LAST_DAY, kept_columns, local_day, refresh_days
from server.ingest.write_postgres import copy_rows
from server.metrics.rollups import ROLLUPS, Rollup
from server.metrics.time import HOUR, day_number, unit_start, zone

# The rollups counted from the ratings; the others are counted from these.
BASES: tuple[Rollup, ...] = tuple(rollup for rollup in ROLLUPS if rollup.counted_from is None)
_EPOCH = date(1970, 1, 1)
_SPLIT = date.min  # an hour whose instants fall on two local days


class AccountDeltas:
    """The differences the changed ratings of one account make to its base rollups, which are
    kept in the account's time zone `timezone`."""

    def __init__(self, timezone: str) -> None:
        self.timezone = timezone
        self.tz = zone(timezone)
        self._values = [_getter(kept_columns(rollup)) for rollup in BASES]
        self._grains = [rollup.grain for rollup in BASES]
        # Per base rollup: (unit number or None, (kept values…)) -> difference. None stands for
        # the days no report period can hold, which are counted nowhere.
        self._deltas: list[Counter[tuple[int | None, tuple[Any, ...]]]] = [Counter() for _ in BASES]
        # Local days by UTC hour, and unit numbers by day: a million ratings fall in a few
        # thousand hours, so each is turned into a local day once.
        self._hour_days: dict[int, date] = {}
        self._units: list[dict[date, int | None]] = [{} for _ in BASES]

    def add(self, sign: int, instants: Sequence[int], rows: Sequence[Record]) -> None:
        """Count ratings taken (-1) or added (+1): `rows` hold every column a base rollup keeps,
        `instants` their times (integer microseconds)."""
        days = self._days(instants)
        distinct = set(days)
        for deltas, grain, values, units in zip(
            self._deltas, self._grains, self._values, self._units, strict=True
        ):
            for day in distinct.difference(units):
                inside = FIRST_DAY <= day <= LAST_DAY
                units[day] = day_number(unit_start(day, grain)) if inside else None
            keys = zip(map(units.__getitem__, days), map(values, rows), strict=True)
            if sign > 0:
                deltas.update(keys)  # counted in C
            else:
                deltas.subtract(keys)

    def changed(self) -> list[dict[tuple[Any, ...], int]]:
        """Per base rollup, the rows whose count changes: (unit, kept values…) -> difference."""
        return [
            {(unit, *values): d for (unit, values), d in deltas.items() if d and unit is not None}
            for deltas in self._deltas
        ]

    def _days(self, instants: Sequence[int]) -> list[date]:
        hour_days, tz = self._hour_days, self.tz
        days = []
        for instant in instants:
            hour = instant // HOUR
            day = hour_days.get(hour)
            if day is None:
                day = hour_days[hour] = _hour_day(hour, tz)
            days.append(local_day(instant, tz) if day is _SPLIT else day)
        return days


async def adjust(connection: AsyncConnection, account: str, deltas: AccountDeltas) -> bool:
    """Apply the differences to the account's base rollups, then count the rollups counted from
    them again over the units that changed. False when a count would fall below zero: the
    rollups did not match the ratings, and the caller counts the days again from the ratings."""
    changed = deltas.changed()
    for rollup, rows in zip(BASES, changed, strict=True):
        if rows and not await _apply(connection, rollup, account, rows):
            return False
    for rollup, rows in zip(BASES, changed, strict=True):
        days = {_EPOCH + timedelta(days=key[0]) for key in rows}
        if days:
            for statement in refresh_days(account, deltas.timezone, days, _counted_from(rollup)):
                await connection.execute(statement)
    return True


def _counted_from(base: Rollup) -> list[Rollup]:
    """The rollups counted, directly or not, from `base`."""

    def root(rollup: Rollup) -> Rollup:
        return rollup if rollup.counted_from is None else root(rollup.counted_from)

    return [rollup for rollup in ROLLUPS if rollup is not base and root(rollup) is base]


def _hour_day(hour: int, tz: ZoneInfo) -> date:
    """The local day of every instant of a UTC hour, or _SPLIT when they fall on two days (a
    zone whose offset is not whole hours, or that changes within the hour)."""
    first, last = hour * HOUR, (hour + 1) * HOUR - 1
    day = local_day(first, tz)
    if day != local_day(last, tz) or _offset(first, tz) != _offset(last, tz):
        return _SPLIT
    # The same offset at both ends: no change of offset in between (a zone's changes are
    # months apart), so local time runs on with UTC and never leaves the day.
    return day


def _offset(instant: int, tz: ZoneInfo) -> timedelta | None:
    try:
        return from_micros(instant).astimezone(tz).utcoffset()
    except (OverflowError, ValueError):  # past either end of the calendar
        return None


def _getter(names: Sequence[str]) -> Callable[[Record], tuple[Any, ...]]:
    """A row's values of `names`, always as a tuple."""
    if len(names) == 1:
        (name,) = names
        return lambda row: (row[name],)
    return itemgetter(*names)


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
        Column("stored", Boolean),  # true when the rollup has the row
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )
    # One statement whether or not an earlier file left it on this connection (SQLite).
    await connection.exec_driver_sql(f"DROP TABLE IF EXISTS {staged.name}")
    await connection.run_sync(staged.create)
    await _stage(connection, staged, [*names, "d"], [(*key, d) for key, d in deltas.items()])
    account_rows = table.c.account_id == account
    matched = _match(table, staged, names, connection.dialect.name)
    # Which rows are stored is settled before any is inserted: an INSERT … WHERE NOT EXISTS
    # would make PostgreSQL probe the index it is inserting into, reading again every row just
    # inserted under the same prefix (a first load's 100k rows took 45 s).
    await connection.execute(update(staged).where(account_rows, *matched).values(stored=True))
    await connection.execute(
        update(table)
        .where(account_rows, staged.c.stored, *matched)
        .values(n=table.c.n + staged.c.d)
    )
    new = select(literal(account), *(staged.c[name] for name in names), staged.c.d)
    await connection.execute(
        insert(table).from_select(["account_id", *names, "n"], new.where(staged.c.stored.is_(None)))
    )
    units = select(staged.c[rollup.column])
    await connection.execute(
        delete(table).where(account_rows, table.c.n == 0, table.c[rollup.column].in_(units))
    )
    below_zero = select(literal(1)).where(account_rows, table.c.n < 0).limit(1)
    return (await connection.execute(below_zero)).first() is None


async def _stage(
    connection: AsyncConnection, staged: Table, names: list[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """The rows (tuples of the `names` columns) into the staging table: COPY on PostgreSQL, one
    executemany on SQLite (a first load stages some 200k rows)."""
    if connection.dialect.name == "postgresql":
        await copy_rows(connection, staged.name, names, rows)
        return
    marks = ", ".join("?" * len(names))
    await connection.exec_driver_sql(
        f"INSERT INTO {staged.name} ({', '.join(names)}) VALUES ({marks})", list(rows)
    )


def _match(
    table: Table, staged: Table, names: Sequence[str], dialect: str
) -> list[ColumnElement[bool]]:
    """A rollup row and a staged difference with the same key; a column that may be NULL (the
    inbox, the user) matches NULL too. SQLite finds the rows through the rollup's index, which
    serves IS; PostgreSQL hashes the join, which needs an equality: NULL is compared as '' there
    (ids are never empty: an empty cell is NULL)."""
    conditions = []
    for name in names:
        column, value = table.c[name], staged.c[name]
        if not column.nullable:
            conditions.append(column == value)
        elif dialect == "postgresql":
            conditions.append(func.coalesce(column, "") == func.coalesce(value, ""))
        else:
            conditions.append(column.is_not_distinct_from(value))
    return conditions
