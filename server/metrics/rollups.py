"""Rollups: ratings pre-aggregated per local day (or month) of the account's time zone.

A dashboard reads the same ratings again and again, and a year reads four times a quarter's rows.
The importer keeps rollup tables of rating counts per (account, local day, survey, score, inbox)
and a few more dimensions (server.ingest.rollups); a statement reads one instead of the raw rows
when it gives exactly the raw rows' answer:

- its period is in the account's time zone (the zone rollups are kept in) and, for a monthly
  rollup, is made of whole local months, grouped by month, quarter or year if at all;
- every dimension it groups or filters by is a column of the rollup, or the local weekday (of a
  daily rollup); never the hour;
- every part is additive over the rollup's rows: a count, a sum, an average (sum / count), a
  minimum or a maximum, of columns the rollup has, under conditions on columns it has (a rating's
  score is one: conditions on scores are answered). Distinct counts and percentiles are not.

Rollups are tried smallest first (the one with fewest groups on the peer benchmark's data).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table
from sqlalchemy.sql.elements import ColumnClause
from sqlalchemy.sql.visitors import iterate

from server.db import tables
from server.metrics.declarations import Dimension, Expression, LocalWeekday, Split
from server.metrics.facts import RATINGS, Fact
from server.metrics.query import Query
from server.metrics.time import Granularity, Period, unit_end, unit_start

ADDITIVE = frozenset({"count", "sum", "average", "min", "max"})
# The series a rollup's rows fall into whole: buckets made of its grain's units.
SERIES_OF = {
    Granularity.DAY: frozenset(Granularity),
    Granularity.MONTH: frozenset({Granularity.MONTH, Granularity.QUARTER, Granularity.YEAR}),
    Granularity.QUARTER: frozenset({Granularity.QUARTER, Granularity.YEAR}),
    Granularity.YEAR: frozenset({Granularity.YEAR}),
}


@dataclass(frozen=True)
class Rollup:
    table: Table
    grain: Granularity  # DAY, MONTH, QUARTER or YEAR
    fact: Fact = RATINGS
    # A rollup with these columns (and maybe more) and the same or a finer grain, which it is
    # counted from: cheaper than the ratings (a year of one account's ratings is a few thousand
    # rows of its quarters), and the local day of each rating is computed once, not per rollup.
    counted_from: Rollup | None = None

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def column(self) -> str:
        """The column holding the local day number of each row's day (month, quarter)."""
        return self.grain.value.lower()

    @property
    def depth(self) -> int:
        """How many rollups it is counted through from the facts."""
        return 0 if self.counted_from is None else 1 + self.counted_from.depth

    @property
    def columns(self) -> frozenset[str]:
        """The fact's columns the rollup keeps (its grain column and its count are not)."""
        return frozenset(c.name for c in self.table.columns) - {"account_id", self.column, "n"}

    def answers_period(self, period: Period, account_timezone: str) -> bool:
        """In the zone the rollup is kept in, and made of whole units of its grain."""
        return (
            period.timezone == account_timezone
            and unit_start(period.first, self.grain) == period.first
            and unit_end(period.last, self.grain) == period.last
        )


# Counted from the ratings; the others are counted from them.
_CHANNEL_DAYS = Rollup(tables.rating_channel_days, Granularity.DAY)
_USER_MONTHS = Rollup(tables.rating_user_months, Granularity.MONTH)
_DAYS = Rollup(tables.rating_days, Granularity.DAY, counted_from=_CHANNEL_DAYS)
_USER_QUARTERS = Rollup(tables.rating_user_quarters, Granularity.QUARTER, counted_from=_USER_MONTHS)

# Smallest first: groups of acme's 630k ratings of 2026 on the peer benchmark, each with survey,
# score and inbox (docs/performance.md): 2.2k per month, 9.5k per month and channel, 17k per year
# and user, 50k per quarter and user, 56k per day, 101k per month and user (309k per day), 135k
# per day and channel.
ROLLUPS: tuple[Rollup, ...] = (
    Rollup(tables.rating_months, Granularity.MONTH, counted_from=_DAYS),
    Rollup(tables.rating_channel_months, Granularity.MONTH, counted_from=_CHANNEL_DAYS),
    Rollup(tables.rating_user_years, Granularity.YEAR, counted_from=_USER_QUARTERS),
    _USER_QUARTERS,
    _DAYS,
    _USER_MONTHS,
    _CHANNEL_DAYS,
)


def choose_rollup(
    query: Query,
    fact: Fact,
    parts: Iterable[tuple[str, Iterable[Expression]]],
    splits: tuple[Split, ...],
    dimensions: dict[str, Dimension],
) -> Rollup | None:
    """The first rollup giving exactly what the raw rows of `fact` give, or None.

    `parts` are (aggregate kind, the expressions it reads: its input and its conditions)."""
    parts = list(parts)
    for rollup in ROLLUPS:
        if rollup.fact == fact and _answers(rollup, query, parts, splits, dimensions):
            return rollup
    return None


def _answers(
    rollup: Rollup,
    query: Query,
    parts: list[tuple[str, Iterable[Expression]]],
    splits: tuple[Split, ...],
    dimensions: dict[str, Dimension],
) -> bool:
    if not rollup.answers_period(query.filter.period, query.scope.timezone):
        return False
    granularity = query.grouping.granularity
    if granularity is not None and granularity not in SERIES_OF[rollup.grain]:
        return False
    asked = [*query.grouping.dimensions, *(name for name, _ in query.filter.values)]
    if not all(_has_dimension(rollup, dimensions[name]) for name in asked):
        return False
    for split in splits:
        if isinstance(split, LocalWeekday):
            if rollup.grain is not Granularity.DAY:
                return False
        elif not _reads_only(rollup, [split]):
            return False
    if query.scope.inbox_ids is not None and "inbox_id" not in rollup.columns:
        return False
    return all(kind in ADDITIVE and _reads_only(rollup, read) for kind, read in parts)


def _has_dimension(rollup: Rollup, dimension: Dimension) -> bool:
    if dimension.local_time == "weekday":
        return rollup.grain is Granularity.DAY
    if dimension.local_time is not None:  # the hour: rollups have no time of day
        return False
    return dimension.columns.get(rollup.fact.table_name) in rollup.columns


def _reads_only(rollup: Rollup, expressions: Iterable[Expression]) -> bool:
    """Whether the expressions read no column of the fact's table the rollup lacks."""
    table = rollup.fact.table
    for expression in expressions:
        element: ColumnElement[Any] = expression(table)
        for node in iterate(element):
            if (
                isinstance(node, ColumnClause)
                and node.table is table
                and node.name not in rollup.columns
            ):
                return False
    return True
