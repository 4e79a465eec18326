"""The engine expresses every kind of aggregate the metrics of SPEC section 7 need.

These metrics are declared here, as a third party would, and run through the planner and SQL
compiler on both databases: exact decimal sums per currency, distinct counts, medians and
percentiles of durations, per-stage intervals, and conditions on related rows.
"""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from types import ModuleType

import pluggy
import strawberry
from sqlalchemy import exists, select

from server import hookspecs
from server.db import tables
from server.db.types import AMOUNT_SCALE
from server.metrics.declarations import (
    Average,
    Count,
    CountDistinct,
    Max,
    Metric,
    Min,
    PartValue,
    Percentile,
    PerDay,
    Sum,
)
from server.metrics.executor import run_queries
from server.metrics.facts import (
    CONVERSATIONS_CLOSED,
    CONVERSATIONS_FIRST_RESPONSE,
    MESSAGES,
    STAGE_INTERVALS,
    TRANSACTIONS,
)
from server.metrics.query import Filter, Grouping, Query
from server.metrics.time import Period
from server.plugins import build_registry
from server.security.scope import Scope
from tests.report_data import Data, at


@strawberry.type
class Numbers:
    value: float | None


def _seconds(t):  # a column expression over a fact table
    return (t.c.first_response_at - t.c.created_at) / 1_000_000.0


TEST_METRICS = [
    Metric(
        name="money",
        description="exact sums per currency",
        fact=TRANSACTIONS,
        result=Numbers,
        parts={
            "totals": Sum(lambda t: t.c.amount_scaled, by=lambda t: t.c.currency),
            "count": Count(),
        },
        values={"count": PartValue("count"), "perDay": PerDay("count")},
        finalize=lambda values, parts, days: parts,
    ),
    Metric(
        name="durations",
        description="percentiles of first-response durations",
        fact=CONVERSATIONS_FIRST_RESPONSE,
        result=Numbers,
        parts={
            "count": Count(),
            "average": Average(_seconds),
            "median": Percentile(_seconds, 0.5),
            "p90": Percentile(_seconds, 0.9),
            "min": Min(_seconds),
            "max": Max(_seconds),
        },
        values={
            name: PartValue(name) for name in ("count", "average", "median", "p90", "min", "max")
        },
        finalize=lambda values, parts, days: parts,
    ),
    Metric(
        name="helped",
        description="distinct customers given a human reply",
        fact=MESSAGES,
        result=Numbers,
        parts={"customers": CountDistinct(lambda t: t.c.customer_id, lambda t: t.c.is_human_reply)},
        values={"customers": PartValue("customers")},
        finalize=lambda values, parts, days: parts,
    ),
    Metric(
        name="related",
        description="conditions on related rows: a transaction, a human reply",
        fact=CONVERSATIONS_CLOSED,
        result=Numbers,
        parts={
            "closed": Count(),
            "converted": Count(
                lambda t: exists(
                    select(tables.transactions.c.id).where(
                        tables.transactions.c.account_id == t.c.account_id,
                        tables.transactions.c.conversation_id == t.c.id,
                    )
                )
            ),
            "resolved": Count(lambda t: t.c.human_replies > 0),
        },
        values={"closed": PartValue("closed")},
        finalize=lambda values, parts, days: parts,
    ),
    Metric(
        name="stages",
        description="time in each pipeline stage",
        fact=STAGE_INTERVALS,
        result=Numbers,
        parts={
            "average": Average(lambda t: t.c.seconds, by=lambda t: t.c.stage),
            "median": Percentile(lambda t: t.c.seconds, 0.5, by=lambda t: t.c.stage),
            "conversations": Count(by=lambda t: t.c.stage),
        },
        values={},
        finalize=lambda values, parts, days: parts,
    ),
]


def _registry():
    plugin = ModuleType("engine_test_metrics")
    plugin.rapport_metrics = hookspecs.hookimpl(lambda: TEST_METRICS)  # type: ignore[attr-defined]
    import plugins.agents
    import plugins.sources

    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    manager.register(plugin, "engine_test_metrics")
    manager.register(plugins.sources, "sources")
    manager.register(plugins.agents, "agents")
    sys.modules.setdefault("engine_test_metrics", plugin)
    return build_registry(manager)


def _query(metrics: set[str]) -> Query:
    period = Period(date(2026, 3, 1), date(2026, 3, 31), "UTC")
    # "*" is not a value field: every part of the metric is computed
    return Query(
        Scope("acme"), Filter(period), Grouping(), frozenset(((m, ()), "*") for m in metrics)
    )


async def _parts(engine, metric: str):
    registry = _registry()
    query = _query({metric})
    result = (await run_queries(engine, [query], registry))[query]
    return result.parts((), (metric, ()))


async def test_decimal_sums_are_exact_per_currency(engine) -> None:
    data = Data()
    # 0.1 + 0.2 is not 0.3 in floating point; the sum must be exact.
    data.transaction("0.10", "EUR", "2026-03-01T10:00:00Z")
    data.transaction("0.20", "EUR", "2026-03-02T10:00:00Z")
    data.transaction("129.90", "USD", "2026-03-03T10:00:00Z")
    data.transaction("1000000.01", "USD", "2026-03-31T23:59:59Z")
    data.transaction("5.00", "USD", "2026-04-01T00:00:00Z")  # outside the period
    await data.write(engine)

    registry = _registry()
    query = _query({"money"})
    result = (await run_queries(engine, [query], registry))[query]
    parts = result.parts((), ("money", ()))

    assert parts["count"] == 4
    assert (
        result.value((), "MONEY_PER_DAY", query.filter.period.local_days) == 4 / 31
    )  # a count per day of March
    totals = {k: Decimal(v) / AMOUNT_SCALE for k, v in parts["totals"].items()}
    assert totals == {"EUR": Decimal("0.3"), "USD": Decimal("1000129.91")}


async def test_percentiles_of_durations_interpolate_like_percentile_cont(engine) -> None:
    data = Data()
    # first-response durations 60, 120, 180, 600 seconds
    for minutes, delay in [(0, 60), (10, 120), (20, 180), (30, 600)]:
        start = f"2026-03-05T10:{minutes:02d}:00+00:00"
        created = at(start)
        first = created.timestamp() + delay
        from datetime import UTC, datetime

        data.conversation(start, first_response=datetime.fromtimestamp(first, UTC).isoformat())
    data.conversation("2026-03-05T11:00:00Z")  # no reply: not counted
    await data.write(engine)

    parts = await _parts(engine, "durations")

    assert parts["count"] == 4
    assert parts["average"] == 240.0
    assert parts["median"] == 150.0  # between 120 and 180
    assert abs(parts["p90"] - 474.0) < 1e-9  # 180 + 0.7 * (600 - 180)
    assert (parts["min"], parts["max"]) == (60.0, 600.0)


async def test_distinct_counts_and_grouped_percentiles(engine) -> None:
    data = Data()
    first = data.conversation("2026-03-02T09:00:00Z", customer_id="k1")
    second = data.conversation("2026-03-02T09:00:00Z", customer_id="k2")
    for conversation in (first, first, second):
        data.message(
            conversation,
            "2026-03-02T10:00:00Z",
            author_type="user",
            author_id="u1",
            is_human_reply=True,
        )
    data.message(second, "2026-03-02T09:00:00Z")  # a customer message does not count
    await data.write(engine)

    parts = await _parts(engine, "helped")

    assert parts["customers"] == 2


async def test_conditions_on_related_rows(engine) -> None:
    data = Data()
    sold = data.conversation("2026-03-01T09:00:00Z", closed="2026-03-02T09:00:00Z", human_replies=2)
    data.conversation("2026-03-01T09:00:00Z", closed="2026-03-03T09:00:00Z", human_replies=0)
    data.conversation("2026-03-01T09:00:00Z", closed="2026-04-03T09:00:00Z", human_replies=1)
    # a transaction at any time counts, even outside the period
    data.transaction("10.00", "EUR", "2026-05-01T00:00:00Z", conversation_id=sold["id"])
    await data.write(engine)

    parts = await _parts(engine, "related")

    assert (parts["closed"], parts["converted"], parts["resolved"]) == (2, 1, 1)


async def test_per_stage_intervals_split_by_stage(engine) -> None:
    data = Data()
    for conversation, stage, seconds in [
        ("c1", "new", 60.0),
        ("c1", "open", 300.0),
        ("c2", "new", 120.0),
        ("c3", "new", 30.0),
    ]:
        data.add(
            "stage_intervals",
            conversation_id=conversation,
            stage_pipeline="support",
            stage=stage,
            seconds=seconds,
            closed_at=at("2026-03-10T12:00:00Z"),
            inbox_id="ib1",
        )
    await data.write(engine)

    parts = await _parts(engine, "stages")

    assert parts["conversations"] == {"new": 3, "open": 1}
    assert parts["average"] == {"new": 70.0, "open": 300.0}
    assert parts["median"] == {"new": 60.0, "open": 300.0}
