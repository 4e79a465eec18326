"""Every rollup of a first load of ratings (server.metrics.rollups), column by column: every
rating of its accounts is in the file (the table was empty). Those with no `counted_from` are
counted from the ratings, the others summed from the rollup they are counted from, as
server.ingest.rollups does in SQL; the importer copies them into their tables (peer data,
PostgreSQL: the five rollups summed in SQL took 6.1 s)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from zoneinfo import ZoneInfo

import polars as pl

from server.db.types import from_micros
from server.ingest.rollups import FIRST_DAY, LAST_DAY, kept_columns, local_day
from server.metrics.rollups import ROLLUPS, Rollup
from server.metrics.time import DAY, HOUR, Granularity, day_number, zone


def all_rollups(ratings: pl.DataFrame, timezones: Mapping[str, str]) -> dict[str, pl.DataFrame]:
    """Each rollup's rows, by its table's name, in its table's columns."""
    days = ratings.with_columns(local_day=_local_days(ratings, timezones))
    counted = days.filter(
        pl.col("local_day").is_between(day_number(FIRST_DAY), day_number(LAST_DAY))
    )
    frames: dict[str, pl.DataFrame] = {}
    # A rollup after the one it is counted from.
    for rollup in sorted(ROLLUPS, key=lambda rollup: rollup.depth):
        source = rollup.counted_from
        if source is None:
            frames[rollup.name] = _count(rollup, counted)
        else:
            frames[rollup.name] = _sum(rollup, source, frames[source.name])
    return frames


def _count(rollup: Rollup, ratings: pl.DataFrame) -> pl.DataFrame:
    unit = _unit_start(pl.col("local_day"), rollup.grain)
    grouped = ratings.group_by("account_id", unit.alias(rollup.column), *kept_columns(rollup))
    counted = grouped.agg(n=pl.len().cast(pl.Int64))
    return counted.select(column.name for column in rollup.table.columns)


def _sum(rollup: Rollup, source: Rollup, finer: pl.DataFrame) -> pl.DataFrame:
    """The rollup's rows as the sums of those of its finer `source`."""
    unit = _unit_start(pl.col(source.column), rollup.grain)
    grouped = finer.group_by("account_id", unit.alias(rollup.column), *kept_columns(rollup))
    summed = grouped.agg(n=pl.col("n").sum().cast(pl.Int64))
    return summed.select(column.name for column in rollup.table.columns)


def _unit_start(days: pl.Expr, grain: Granularity) -> pl.Expr:
    """The day number of the first day of the unit of `grain` holding each day number, as
    server.metrics.time.unit_start tells it, FIRST_DAY at the earliest (where SQL's periods
    start)."""
    if grain is Granularity.DAY:
        return days
    every = {Granularity.MONTH: "1mo", Granularity.QUARTER: "1q", Granularity.YEAR: "1y"}[grain]
    start = days.cast(pl.Date).dt.truncate(every).cast(pl.Int64)
    return pl.max_horizontal(start, pl.lit(day_number(FIRST_DAY)))


def _local_days(ratings: pl.DataFrame, timezones: Mapping[str, str]) -> pl.Series:
    """Each rating's local day number in its account's time zone, as
    server.ingest.rollups.local_day tells it: by the UTC offset of the hour it falls in (one
    zone lookup per hour of the year), or, in an hour whose offset changes, its own."""
    hours = ratings.select("account_id", hour=pl.col("created_at") // HOUR).unique()
    offsets: list[int | None] = []
    for account, hour in hours.iter_rows():
        tz = zone(timezones.get(account) or "UTC")
        start, end = hour * HOUR, (hour + 1) * HOUR - 1
        offset = _offset(start, tz)
        offsets.append(offset if offset == _offset(end, tz) else None)
    by_hour = hours.with_columns(offset=pl.Series(offsets, dtype=pl.Int64))
    timed = ratings.select("account_id", "created_at", hour=pl.col("created_at") // HOUR).join(
        by_hour, on=["account_id", "hour"], how="left", maintain_order="left"
    )
    days = (pl.col("created_at") + pl.col("offset")) // DAY
    local = timed.select(days.alias("local_day"), "account_id", "created_at")
    if local["local_day"].null_count():  # an hour with a change of offset: each its own day
        rows = local.with_row_index().filter(pl.col("local_day").is_null())
        exact = [
            day_number(local_day(instant, zone(timezones.get(account) or "UTC")))
            for _, _, account, instant in rows.iter_rows()
        ]
        return local["local_day"].scatter(rows["index"], pl.Series(exact, dtype=pl.Int64))
    return local["local_day"]


def _offset(instant: int, tz: ZoneInfo) -> int | None:
    """The zone's UTC offset at the instant, in microseconds; None past the calendar's ends."""
    try:
        offset = from_micros(instant).astimezone(tz).utcoffset()
    except (OverflowError, ValueError):
        return None
    assert offset is not None
    return offset // timedelta(microseconds=1)
