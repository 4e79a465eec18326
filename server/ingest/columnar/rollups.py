"""The rollups counted from the ratings themselves (server.metrics.rollups: those with no
`counted_from`), for a first load of ratings, column by column: every rating of its accounts is
in the file (the table was empty). The importer inserts them and counts the other rollups from
them in SQL, as server.ingest.rollups does."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from zoneinfo import ZoneInfo

import polars as pl

from server.db.types import from_micros
from server.ingest.rollups import BASE_ROLLUPS, FIRST_DAY, LAST_DAY, kept_columns, local_day
from server.metrics.rollups import Rollup
from server.metrics.time import DAY, HOUR, Granularity, day_number, zone


def base_rollups(ratings: pl.DataFrame, timezones: Mapping[str, str]) -> dict[str, pl.DataFrame]:
    """Each base rollup's rows, by its table's name, in its table's columns."""
    days = ratings.with_columns(local_day=_local_days(ratings, timezones))
    counted = days.filter(
        pl.col("local_day").is_between(day_number(FIRST_DAY), day_number(LAST_DAY))
    )
    return {rollup.name: _count(rollup, counted) for rollup in BASE_ROLLUPS}


def _count(rollup: Rollup, ratings: pl.DataFrame) -> pl.DataFrame:
    if rollup.grain is Granularity.DAY:
        unit = pl.col("local_day")
    else:
        assert rollup.grain is Granularity.MONTH, rollup.grain
        unit = pl.col("local_day").cast(pl.Date).dt.month_start().cast(pl.Int64)
    grouped = ratings.group_by("account_id", unit.alias(rollup.column), *kept_columns(rollup))
    counted = grouped.agg(n=pl.len().cast(pl.Int64))
    return counted.select(column.name for column in rollup.table.columns)


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
