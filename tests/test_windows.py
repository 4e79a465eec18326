"""Cumulative values (`Window`): running totals and trailing means over a series' buckets.

A plugin declared here, as a third party would, windows its own parts. Every number is counted by
hand from the ratings below; everything runs on both databases.
"""

from __future__ import annotations

import sys
from datetime import date
from types import ModuleType

import pluggy
import pytest
import strawberry

import plugins.sources
from server import hookspecs
from server.metrics.declarations import Average, Count, Metric, PartValue, Ratio, Sum
from server.metrics.executor import run_queries
from server.metrics.facts import RATINGS
from server.metrics.query import Filter, Grouping, Query
from server.metrics.time import Granularity, Period
from server.metrics.windows import Window
from server.plugins import PluginError, build_registry, register
from server.security.scope import Scope
from tests.conftest import StatementCounter
from tests.report_data import Data


@strawberry.type
class Trend:
    responses: int
    running_responses: int
    trailing_average: float | None


TREND = Metric(
    name="trend",
    description="csat responses, their running total and a trailing 3-bucket mean score",
    fact=RATINGS,
    where=lambda t: t.c.survey == "csat",
    parts={"responses": Count(), "score_sum": Sum(lambda t: t.c.score)},
    values={
        "responses": PartValue("responses"),
        "runningResponses": Window(PartValue("responses")),
        "trailingAverage": Window(Ratio("score_sum", "responses"), buckets=3),
    },
    result=Trend,
)
CALL = ("trend", ())


def registry_with(*metrics: Metric):
    plugin = ModuleType("window_test_metrics")
    plugin.rapport_metrics = hookspecs.hookimpl(lambda: list(metrics))  # type: ignore[attr-defined]
    sys.modules.setdefault("window_test_metrics", plugin)
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    register(manager, plugin, "windows")
    register(manager, plugins.sources, "sources")  # the CHANNEL dimension
    return build_registry(manager)


def query(granularity: Granularity | None, *dimensions: str) -> Query:
    period = Period(date(2026, 3, 1), date(2026, 3, 5), "UTC")  # Sunday 1 to Thursday 5 March
    fields = frozenset((CALL, name) for name in TREND.values)
    return Query(Scope("acme"), Filter(period), Grouping(dimensions, granularity), fields)


@pytest.fixture
async def march(engine) -> None:
    """csat by day: 1st 5 email, 3 chat; 2nd none; 3rd 4 email; 4th 1 chat; 5th 5 email, 5 chat;
    an nps rating on the 2nd (not csat) and a csat rating of 6 March (after the period)."""
    data = Data()
    for score, day, channel in [
        (5, 1, "email"),
        (3, 1, "chat"),
        (4, 3, "email"),
        (1, 4, "chat"),
        (5, 5, "email"),
        (5, 5, "chat"),
        (2, 6, "email"),
    ]:
        data.rating("csat", score, f"2026-03-0{day}T12:00:00Z", channel=channel)
    data.rating("nps", 10, "2026-03-02T12:00:00Z")
    await data.write(engine)


async def answers(engine, asked: Query) -> list[dict[str, object]]:
    result = (await run_queries(engine, [asked], registry_with(TREND)))[asked]
    assert asked.grouping.granularity is not None
    buckets = asked.filter.period.buckets(asked.grouping.granularity)
    return [result.values((index,), CALL, b.local_days) for index, b in enumerate(buckets)]


async def test_a_running_total_and_a_trailing_mean_in_a_day_series(engine, march) -> None:
    counter = StatementCounter(engine)
    days = await answers(engine, query(Granularity.DAY))
    assert counter.count == 1  # the series' own statement: the windows read no other
    # responses per day 2, 0, 1, 1, 2; score sums 8, 0, 4, 1, 10
    assert [day["responses"] for day in days] == [2, 0, 1, 1, 2]
    assert [day["runningResponses"] for day in days] == [2, 2, 3, 4, 6]
    # trailing 3 days: (8)/2, (8+0)/(2+0), (8+0+4)/(2+0+1), (0+4+1)/(0+1+1), (4+1+10)/(1+1+2)
    assert [day["trailingAverage"] for day in days] == [4.0, 4.0, 4.0, 2.5, 3.75]


async def test_a_window_counts_buckets_of_the_series_granularity(engine, march) -> None:
    # weeks (Monday first), clipped to the period: Sunday 1 March, then Monday 2 to Thursday 5
    weeks = await answers(engine, query(Granularity.WEEK))
    assert [week["runningResponses"] for week in weeks] == [2, 6]
    assert [week["trailingAverage"] for week in weeks] == [4.0, 23 / 6]


async def test_each_group_of_a_breakdown_has_its_own_window(engine, march) -> None:
    asked = query(Granularity.DAY, "CHANNEL")
    result = (await run_queries(engine, [asked], registry_with(TREND)))[asked]
    buckets = asked.filter.period.buckets(Granularity.DAY)

    def running(channel: str) -> list[object]:
        return [
            result.values((channel, index), CALL, bucket.local_days)["runningResponses"]
            for index, bucket in enumerate(buckets)
        ]

    assert running("email") == [1, 1, 2, 2, 3]
    assert running("chat") == [1, 1, 1, 2, 3]


async def test_outside_a_series_a_window_covers_the_whole_period(engine, march) -> None:
    asked = query(None)
    result = (await run_queries(engine, [asked], registry_with(TREND)))[asked]
    values = result.values((), CALL, asked.filter.period.local_days)
    assert values == {"responses": 6, "runningResponses": 6, "trailingAverage": 23 / 6}


async def test_an_empty_period_has_zero_totals_and_null_means(engine) -> None:
    days = await answers(engine, query(Granularity.DAY))
    assert [day["runningResponses"] for day in days] == [0] * 5
    assert [day["trailingAverage"] for day in days] == [None] * 5


@pytest.mark.parametrize(
    ("parts", "window", "problem"),
    [
        (
            {"mean": Average(lambda t: t.c.score)},
            Window(PartValue("mean")),
            "part 'mean' is a average: only counts and sums that are not split add up",
        ),
        (
            {"by_channel": Count(by=lambda t: t.c.channel)},
            Window(PartValue("by_channel")),
            "part 'by_channel' is a count split by a column: only counts and sums that are not "
            "split add up",
        ),
        ({"n": Count()}, Window(PartValue("n"), buckets=0), "a window of 0 buckets (at least 1)"),
    ],
)
def test_a_window_that_cannot_add_up_stops_start_up(parts, window, problem) -> None:
    broken = Metric(
        name="broken",
        description="",
        fact=RATINGS,
        parts=parts,
        values={"x": window},
        result=Trend,
    )
    with pytest.raises(PluginError) as raised:
        registry_with(broken)
    assert str(raised.value) == f"plugin 'windows': value broken.x is a window over {problem}"
