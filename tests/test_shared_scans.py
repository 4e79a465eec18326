"""Shared scans (GROUPING SETS, PostgreSQL) give every number the raw plan gives.

The same queries run twice on the same rows: once planned statement by statement, once with the
statements that read the same rows sharing one GROUPING SETS statement. Every group, part and value
must be equal, across daylight-saving changes in New York and in a half-hour zone (Adelaide,
UTC+10:30 / +9:30), with filters, an inbox-scoped token, a breakdown ordered and limited, distinct
counts, percentiles and parts split by a column. SQLite has no GROUPING SETS: its plan is unchanged
(`Settings.shares_scans` is false there).
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from types import ModuleType
from typing import Any

import pluggy
import pytest
import strawberry

from server import hookspecs
from server.metrics.declarations import (
    LOCAL_WEEKDAY,
    Average,
    Count,
    CountDistinct,
    Max,
    Metric,
    Min,
    PartValue,
    Percentile,
)
from server.metrics.executor import run_queries
from server.metrics.facts import RATINGS
from server.metrics.query import Filter, Grouping, Order, Query
from server.metrics.time import Granularity, Period
from server.plugins import build_registry
from server.security.scope import Scope
from tests.report_data import Data


@strawberry.type
class Spread:
    median: float | None


SPREAD = Metric(
    name="spread",
    description="percentiles, extremes, distinct customers and counts per channel of scores",
    fact=RATINGS,
    result=Spread,
    parts={
        "median": Percentile(lambda t: t.c.score, 0.5),
        "p90": Percentile(lambda t: t.c.score, 0.9),
        "mean": Average(lambda t: t.c.score),
        "low": Min(lambda t: t.c.score),
        "high": Max(lambda t: t.c.score),
        "customers": CountDistinct(lambda t: t.c.customer_id),
    },
    values={"median": PartValue("median")},
    finalize=lambda values, parts, days: parts,
)
PER_CHANNEL = Metric(
    name="perChannel",
    description="ratings per channel, and per channel and local weekday: parts split by columns",
    fact=RATINGS,
    result=Spread,
    where=lambda t: t.c.survey == "csat",
    parts={
        "ratings": Count(by=lambda t: t.c.channel),
        "byWeekday": Count(by=(lambda t: t.c.channel, LOCAL_WEEKDAY)),
    },
    values={},
    finalize=lambda values, parts, days: parts,
)


def _registry():
    import plugins.agents
    import plugins.ces
    import plugins.csat
    import plugins.happiness
    import plugins.nps
    import plugins.sources
    import plugins.timing
    import plugins.volume

    plugin = ModuleType("shared_scan_test_metrics")
    plugin.rapport_metrics = hookspecs.hookimpl(lambda: [SPREAD, PER_CHANNEL])  # type: ignore[attr-defined]
    sys.modules.setdefault("shared_scan_test_metrics", plugin)
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    manager.register(plugin, "shared_scan_test_metrics")
    for module in (plugins.agents, plugins.sources, plugins.timing):
        manager.register(module, module.__name__)
    # happiness reads customers helped from volume
    for module in (plugins.csat, plugins.nps, plugins.ces, plugins.happiness, plugins.volume):
        manager.register(module, module.__name__)
    return build_registry(manager)


SCORES = {"csat": 5, "nps": 11, "ces": 7, "happiness": 3}
BOUNDARIES = [
    "2026-03-08T06:59:59Z",  # New York: the last second of EST
    "2026-03-08T07:00:00Z",  # New York: the first of EDT
    "2026-03-09T04:00:00Z",  # New York: local midnight after the change
    "2026-04-04T13:30:00Z",  # Adelaide: local midnight of 5 April (+10:30)
    "2026-04-04T16:29:59Z",  # Adelaide: the last second of ACDT
    "2026-04-04T16:30:00Z",  # Adelaide: the first of ACST (+9:30)
    "2026-04-30T14:29:59Z",  # Adelaide: the last second of the period
    "2026-05-01T03:59:59Z",  # New York: the last second of the period
]


def spread_ratings(
    count: int = 820, inboxes: tuple[str | None, ...] = ("ib1", "ib2"), timezone: str = "UTC"
) -> Data:
    """`count` ratings every 113 minutes from 27 February 2026, then four at each boundary, of
    every survey, channel, user (or none) and of the given inboxes."""
    data = Data(timezone=timezone)
    for user in ("u1", "u2", "u3"):
        data.user(user)
    first = datetime(2026, 2, 27, tzinfo=UTC)
    spread = [(first + timedelta(minutes=113 * i)).isoformat() for i in range(count)]
    for i, text in enumerate(spread + BOUNDARIES * 4):
        survey = list(SCORES)[i % 4]
        low = 0 if survey == "nps" else 1
        data.rating(
            survey,
            low + (i * 7 + i // 4) % SCORES[survey],
            text,
            channel=("email", "chat", "phone")[i % 3],
            user_id=("u1", "u2", "u3", None)[i % 5 % 4],
            inbox_id=inboxes[i % len(inboxes) if i % 7 else 0],
            customer_id=f"c{i % 11}",
        )
    return data


def _queries(scope: Scope, period: Period, values: tuple[Any, ...]) -> list[Query]:
    metrics = ("csat", "nps", "ces", "happiness", "spread", "perChannel")
    every = frozenset(((m, ()), "*") for m in metrics)
    csat = frozenset(
        {(("csat", ()), "score"), (("csat", ()), "responses"), (("spread", ()), "median")}
    )
    limited = Order("CSAT_RESPONSES", True, 2)
    by_score = Order("CSAT_SCORE", False, 2)
    filter_ = Filter(period, values)
    groupings = [
        (Grouping(), every, None),
        (Grouping((), Granularity.DAY), every, None),
        (Grouping((), Granularity.WEEK), csat, None),
        (Grouping((), Granularity.MONTH), every, None),
        (Grouping(("CHANNEL",)), every, None),
        (Grouping(("USER",)), csat, limited),
        (Grouping(("USER",)), csat, by_score),
        (Grouping(("USER", "CHANNEL")), every, None),
        (Grouping(("WEEKDAY",)), csat, None),
        (Grouping(("HOUR",)), every, None),
        (Grouping(("CHANNEL",), Granularity.DAY), csat, None),
    ]
    return [Query(scope, filter_, g, fields, order) for g, fields, order in groupings]


def _answers(result: Any, query: Query) -> dict[Any, Any]:
    """Every group the report shows (ordered and limited), with every metric's parts."""
    days = query.filter.period.local_days
    return {
        key: {call: result.parts(key, call) for call in sorted(query.calls)}
        for key in result.ordered_keys(days)
    }


# GROUPING SETS are PostgreSQL's; SQLite runs the raw plan, which these tests compare against.
pytestmark = pytest.mark.parametrize("rapport_database_url", ["postgresql"], indirect=True)

CASES = [
    ("America/New_York", None, ()),
    ("Australia/Adelaide", None, ()),
    ("Australia/Adelaide", frozenset({"ib1"}), (("CHANNEL", ("chat", "email")),)),
    ("America/New_York", frozenset({"ib2"}), (("USER", ("u1", "u3")),)),
]


@pytest.mark.parametrize(("timezone", "inboxes", "values"), CASES)
async def test_shared_scans_equal_the_raw_plan(engine, statements, timezone, inboxes, values):
    await spread_ratings().write(engine)
    registry = _registry()
    period = Period(date(2026, 3, 1), date(2026, 4, 30), timezone)
    queries = _queries(Scope("acme", inboxes, timezone), period, values)
    for split_metrics in (False, True):
        statements.reset()
        raw = await run_queries(engine, queries, registry, split_metrics=split_metrics)
        raw_count = statements.count
        statements.reset()
        shared = await run_queries(
            engine, queries, registry, split_metrics=split_metrics, share_scans=True
        )
        # one statement per (fact, split, metrics) of the period. Per fact: ratings for all
        # metrics, ratings for csat and spread, ratings split by channel, ratings split by channel
        # and weekday, messages (happiness's customers helped). Per metric: csat, nps, ces,
        # happiness, spread, the two splits of perChannel, messages.
        assert statements.count == (8 if split_metrics else 5), statements.statements
        assert raw_count > statements.count
        for query in queries:
            expected = _answers(raw[query], query)
            assert _answers(shared[query], query) == expected, query.grouping
            assert expected  # every query has groups in this data


async def test_shared_scan_numbers_by_hand(engine) -> None:
    """Hand-counted: the local days of ratings placed at both sides of New York's DST change."""
    data = Data()
    data.user("u1")
    for text, score in [
        ("2026-03-08T04:59:59Z", 5),  # 7 March, 23:59:59 EST
        ("2026-03-08T05:00:00Z", 4),  # 8 March, 00:00 EST
        ("2026-03-08T06:59:59Z", 1),  # 8 March, 01:59:59 EST
        ("2026-03-08T07:00:00Z", 2),  # 8 March, 03:00 EDT
        ("2026-03-09T03:59:59Z", 5),  # 8 March, 23:59:59 EDT
        ("2026-03-09T04:00:00Z", 3),  # 9 March, 00:00 EDT
    ]:
        data.rating("csat", score, text, user_id="u1", channel="chat")
    await data.write(engine)
    registry = _registry()
    period = Period(date(2026, 3, 7), date(2026, 3, 9), "America/New_York")
    fields = frozenset({(("csat", ()), "*")})
    headline = Query(Scope("acme"), Filter(period), Grouping(), fields)
    days = Query(Scope("acme"), Filter(period), Grouping((), Granularity.DAY), fields)
    users = Query(Scope("acme"), Filter(period), Grouping(("USER",)), fields)
    results = await run_queries(engine, [headline, days, users], registry, share_scans=True)
    csat = ("csat", ())
    assert results[headline].parts((), csat)["responses"] == 6
    assert results[headline].parts((), csat)["satisfied"] == 3
    assert [results[days].parts((d,), csat)["responses"] for d in range(3)] == [1, 4, 1]
    assert [results[days].parts((d,), csat)["satisfied"] for d in range(3)] == [1, 2, 0]
    assert results[users].parts(("u1",), csat)["score_total"] == 20
