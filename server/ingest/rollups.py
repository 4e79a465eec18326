"""Counting the rating rollups (server.metrics.rollups) again from the ratings they count.

Changed ratings adjust the rollups by their differences (server.ingest.rollup_deltas), which
counts the rollups derived from the base ones again with `refresh_days`. When the differences do
not add up (server.ingest.rollup_changes decides), the local days the changed ratings fall on are
counted again from the stored ratings: their rollup rows are deleted and rebuilt by one
INSERT … SELECT … GROUP BY per rollup and run of consecutive days (at most `MAX_RUNS` runs: the
closest are merged), so changes on a few days far apart recount those days, not the months
between them. Monthly and quarterly rollups are rebuilt for the whole months or quarters around
those days. An account whose time zone changes has its rollups rebuilt entirely: they are kept in
the account's zone, which reports default to. Days at the very ends of the calendar, which no
report period can hold, are not counted.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Executable,
    Integer,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    type_coerce,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db import tables
from server.db.types import from_micros
from server.metrics.rollups import ROLLUPS, Rollup
from server.metrics.time import Granularity, Period, day_number, unit_end, unit_start, zone

_RATINGS = tables.ratings
_CREATED = type_coerce(_RATINGS.c.created_at, BigInteger)


# Statements per rollup stay bounded however scattered the changed days are.
MAX_RUNS = 16
# The days a report period can hold: its start and end, local midnights, must be instants.
FIRST_DAY = date.min + timedelta(days=1)
LAST_DAY = date.max - timedelta(days=1)


def local_day(instant: int, tz: ZoneInfo) -> date:
    """The instant's local day; past either end of the calendar, that end."""
    try:
        return from_micros(instant).astimezone(tz).date()
    except (OverflowError, ValueError):
        return date.max if instant > 0 else date.min


async def rebuild_account(
    connection: AsyncConnection, account: str, rollups: Collection[Rollup] = ROLLUPS
) -> None:
    """Count every rating of the account again into these rollups (all by default; a rollup
    counted from another needs that one among them or counted already), in its current time
    zone."""
    for rollup in rollups:
        await connection.execute(delete(rollup.table).where(rollup.table.c.account_id == account))
    span = (
        await connection.execute(
            select(func.min(_CREATED), func.max(_CREATED)).where(_RATINGS.c.account_id == account)
        )
    ).one()
    if span[0] is not None:
        timezone = await account_timezone(connection, account)
        for statement in refresh_statements(account, timezone, span[0], span[1], rollups):
            await connection.execute(statement)


async def rebuild_accounts(connection: AsyncConnection, accounts: Iterable[str]) -> None:
    for account in accounts:
        await rebuild_account(connection, account)


def count_stored_ratings(connection: Connection, names: Collection[str]) -> None:
    """Count every stored rating into the named rollups (migrations, which run synchronously;
    a rollup counted from another needs that one named too or already counted)."""
    chosen = [rollup for rollup in ROLLUPS if rollup.name in names]
    spans = connection.execute(
        text(
            "SELECT r.account_id, a.timezone, min(r.created_at), max(r.created_at) "
            "FROM ratings AS r JOIN accounts AS a ON a.id = r.account_id GROUP BY 1, 2"
        )
    ).all()
    for account, timezone, low, high in spans:
        for statement in refresh_statements(account, timezone, low, high, chosen):
            connection.execute(statement)


def refresh_statements(
    account: str,
    timezone: str,
    low: int,
    high: int,
    rollups: Iterable[Rollup] = ROLLUPS,
) -> list[Executable]:
    """DELETE and INSERT statements counting the account's ratings again for every local day
    from the one of instant `low` to the one of `high` (whole months for monthly rollups, …)."""
    tz = zone(timezone)
    first, last = local_day(low, tz), local_day(high, tz)
    return _refresh(
        account,
        timezone,
        rollups,
        lambda grain: [(unit_start(first, grain), unit_end(last, grain))],
    )


def refresh_days(
    account: str, timezone: str, days: Collection[date], rollups: Iterable[Rollup] = ROLLUPS
) -> list[Executable]:
    """DELETE and INSERT statements counting the account's ratings again on these local days
    (the whole months of a monthly rollup, …), by runs of consecutive days."""
    return _refresh(account, timezone, rollups, lambda grain: _runs(days, grain))


def _refresh(
    account: str,
    timezone: str,
    rollups: Iterable[Rollup],
    runs: Callable[[Granularity], Iterable[tuple[date, date]]],
) -> list[Executable]:
    """The statements for the runs of days (first, last) of each rollup's grain."""
    statements: list[Executable] = []
    # A rollup counted from another is refreshed after it (over the same days or more).
    for rollup in sorted(rollups, key=lambda rollup: rollup.depth):
        for first, last in runs(rollup.grain):
            first, last = max(first, FIRST_DAY), min(last, LAST_DAY)
            if first > last:
                continue
            period = Period(first, last, timezone)
            statements.append(_clear(rollup, account, period))
            if rollup.counted_from is None:
                statements.append(_count_ratings(rollup, account, period))
            else:
                statements.append(_count_rollup(rollup, rollup.counted_from, account, period))
    return statements


def _runs(days: Collection[date], grain: Granularity) -> list[tuple[date, date]]:
    """The units of `grain` holding these days, as runs (first day, last day) of consecutive
    units; the runs with the shortest gaps between them merged into at most MAX_RUNS."""
    runs: list[tuple[date, date]] = []
    for start in sorted({unit_start(day, grain) for day in days}):
        end = unit_end(start, grain)
        if runs and (start - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    if len(runs) <= MAX_RUNS:
        return runs
    # Split only at the MAX_RUNS - 1 widest gaps.
    gaps = sorted(range(len(runs) - 1), key=lambda i: runs[i + 1][0] - runs[i][1], reverse=True)
    merged: list[tuple[date, date]] = []
    begin = 0
    for last in [*sorted(gaps[: MAX_RUNS - 1]), len(runs) - 1]:
        merged.append((runs[begin][0], runs[last][1]))
        begin = last + 1
    return merged


def _clear(rollup: Rollup, account: str, period: Period) -> Executable:
    table = rollup.table
    grain = table.c[rollup.column]
    return delete(table).where(
        table.c.account_id == account,
        grain >= day_number(period.first),
        grain <= day_number(period.last),
    )


def kept_columns(rollup: Rollup) -> list[str]:
    """The columns a rollup keeps besides its account, grain and count."""
    return [
        c.name for c in rollup.table.columns if c.name not in ("account_id", rollup.column, "n")
    ]


def _count_ratings(rollup: Rollup, account: str, period: Period) -> Executable:
    table = rollup.table
    kept = kept_columns(rollup)
    local: Any = (
        period.local_day(_CREATED)
        if rollup.grain is Granularity.DAY
        else period.local_unit_start(_CREATED, rollup.grain)
    )
    # Computed columns are named in a subquery: PostgreSQL would not match a GROUP BY
    # expression holding bound parameters with the same expression in the SELECT list.
    rows = (
        select(_RATINGS.c.account_id, local.label(rollup.column), *(_RATINGS.c[n] for n in kept))
        .where(
            _RATINGS.c.account_id == account,
            period.start <= _CREATED,
            period.end > _CREATED,
        )
        .subquery("rows")
    )
    grouped = [rows.c[c.name] for c in table.columns if c.name != "n"]
    counted = select(*grouped, func.count().label("n")).group_by(*grouped)
    return insert(table).from_select([c.name for c in table.columns], counted)


def _count_rollup(rollup: Rollup, source: Rollup, account: str, period: Period) -> Executable:
    """The rollup's rows as the sums of its finer `source`'s (refreshed just before)."""
    table, finer = rollup.table, source.table
    unit = finer.c[source.column]
    coarse: Any = unit
    if rollup.grain is not source.grain:
        starts = [day_number(bucket.start) for bucket in period.buckets(rollup.grain)]
        # the first day of the unit holding each of the source's units
        following = zip(starts, starts[1:], strict=False)
        coarse = (
            case(*[(unit < after, start) for start, after in following], else_=starts[-1])
            if len(starts) > 1
            else literal(starts[0], Integer)
        )
    kept = kept_columns(rollup)
    rows = (
        select(
            finer.c.account_id, coarse.label(rollup.column), *(finer.c[n] for n in kept), finer.c.n
        )
        .where(
            finer.c.account_id == account,
            unit >= day_number(period.first),
            unit <= day_number(period.last),
        )
        .subquery("rows")
    )
    grouped = [rows.c[c.name] for c in table.columns if c.name != "n"]
    summed = select(*grouped, func.sum(rows.c.n).label("n")).group_by(*grouped)
    return insert(table).from_select([c.name for c in table.columns], summed)


async def account_timezone(connection: AsyncConnection, account: str) -> str:
    accounts = tables.accounts
    found = await connection.scalar(select(accounts.c.timezone).where(accounts.c.id == account))
    return found or "UTC"
