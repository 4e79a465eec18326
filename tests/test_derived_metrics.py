"""Metrics built from metrics (`PartOf`): derived values across facts and metric filters.

A plugin declared here, as a third party would, reads volume's and csat's parts by name. The
registry resolves them at start-up; the planner then computes each input in the statement of its
fact, shared with the metrics that own it: the statement count is that of the facts, never one
per input. Every number is counted by hand from the rows below; everything runs on both databases.
"""

from __future__ import annotations

import sys
from datetime import date
from types import ModuleType

import pluggy
import pytest
import strawberry

import plugins.csat
import plugins.volume
from server import hookspecs
from server.metrics.declarations import Metric, PartValue, Percent, Ratio
from server.metrics.derived import PartOf, ReferenceError
from server.metrics.executor import run_queries
from server.metrics.facts import CONVERSATIONS_CLOSED, RATINGS
from server.metrics.query import Filter, Grouping, Query
from server.metrics.time import Period
from server.plugins import build_registry, register
from server.security.scope import Scope
from tests.conftest import StatementCounter
from tests.report_data import Data


@strawberry.type
class Efficiency:
    replies_per_resolution: float | None


@strawberry.type
class EmailCsat:
    responses: int
    score: float | None


EFFICIENCY = Metric(
    name="efficiency",
    description="human replies sent per conversation resolved",
    fact=CONVERSATIONS_CLOSED,
    parts={
        "replies": PartOf("volume", "replies_sent"),  # messages, by when they were sent
        "resolved": PartOf("volume", "resolved"),  # conversations, by closing
    },
    values={"repliesPerResolution": Ratio("replies", "resolved")},
    result=Efficiency,
)

EMAIL = lambda t: t.c.channel == "email"  # noqa: E731 - a column expression, as plugins write them

EMAIL_CSAT = Metric(
    name="emailCsat",
    description="CSAT of email ratings only: csat's parts, restricted",
    fact=RATINGS,
    parts={
        "responses": PartOf("csat", "responses", where=EMAIL),
        "satisfied": PartOf("csat", "satisfied", where=EMAIL),
    },
    values={
        "responses": PartValue("responses"),
        "score": Percent("satisfied", "responses"),
    },
    result=EmailCsat,
)


def registry_with(*metrics: Metric):
    plugin = ModuleType("derived_test_metrics")
    plugin.rapport_metrics = hookspecs.hookimpl(lambda: list(metrics))  # type: ignore[attr-defined]
    sys.modules.setdefault("derived_test_metrics", plugin)
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    register(manager, plugin, "derived")
    register(manager, plugins.volume, "volume")
    register(manager, plugins.csat, "csat")
    return build_registry(manager)


def query(*fields: tuple[str, str]) -> Query:
    period = Period(date(2026, 3, 1), date(2026, 3, 31), "UTC")
    return Query(
        Scope("acme"),
        Filter(period),
        Grouping(),
        frozenset(((metric, ()), value) for metric, value in fields),
    )


async def write_march(engine) -> None:
    """Closed in March: c1 (2 human replies), c2 (1), c3 (none: not resolved); c4 closes in April.
    Human replies sent in March: 2 on c1, 1 on c2, 1 on c4 (4 in all; a customer message and a
    reply of February do not count). Ratings of March: csat 5 email, 2 email, 4 chat; nps 9 email.
    """
    data = Data()
    c1 = data.conversation("2026-03-01T09:00:00Z", closed="2026-03-05T09:00:00Z", human_replies=2)
    c2 = data.conversation("2026-03-02T09:00:00Z", closed="2026-03-06T09:00:00Z", human_replies=1)
    data.conversation("2026-03-03T09:00:00Z", closed="2026-03-07T09:00:00Z", human_replies=0)
    c4 = data.conversation("2026-02-20T09:00:00Z", closed="2026-04-02T09:00:00Z", human_replies=2)
    human = {"author_type": "user", "author_id": "u1", "is_human_reply": True}
    data.user("u1")
    for conversation, sent in [
        (c1, "2026-03-01T10:00:00Z"),
        (c1, "2026-03-02T10:00:00Z"),
        (c2, "2026-03-02T10:00:00Z"),
        (c4, "2026-03-10T10:00:00Z"),
        (c4, "2026-02-21T10:00:00Z"),  # February
    ]:
        data.message(conversation, sent, **human)
    data.message(c1, "2026-03-01T09:00:00Z")  # the customer's
    data.rating("csat", 5, "2026-03-04T10:00:00Z", channel="email")
    data.rating("csat", 2, "2026-03-04T11:00:00Z", channel="email")
    data.rating("csat", 4, "2026-03-04T12:00:00Z", channel="chat")
    data.rating("nps", 9, "2026-03-04T13:00:00Z", channel="email")
    await data.write(engine)


async def test_a_derived_value_across_facts(engine) -> None:
    await write_march(engine)
    registry = registry_with(EFFICIENCY, EMAIL_CSAT)
    asked = query(("efficiency", "repliesPerResolution"))
    result = (await run_queries(engine, [asked], registry))[asked]
    days = asked.filter.period.local_days
    # 4 human replies sent in March / 2 conversations resolved in March (c1, c2)
    assert result.values((), ("efficiency", ()), days) == {"repliesPerResolution": 2.0}


async def test_a_metric_filter_restricts_the_referenced_parts(engine) -> None:
    await write_march(engine)
    registry = registry_with(EFFICIENCY, EMAIL_CSAT)
    asked = query(("emailCsat", "responses"), ("emailCsat", "score"), ("csat", "responses"))
    result = (await run_queries(engine, [asked], registry))[asked]
    days = asked.filter.period.local_days
    # csat's condition (survey = csat) still applies: the nps rating is not counted
    assert result.values((), ("emailCsat", ()), days) == {"responses": 2, "score": 50.0}
    assert result.values((), ("csat", ()), days)["responses"] == 3


async def test_inputs_are_computed_in_the_statements_of_their_facts(engine) -> None:
    await write_march(engine)
    registry = registry_with(EFFICIENCY, EMAIL_CSAT)
    asked = query(
        ("efficiency", "repliesPerResolution"),
        ("volume", "repliesSent"),
        ("volume", "resolved"),
        ("emailCsat", "score"),
        ("csat", "score"),
    )
    counter = StatementCounter(engine)
    result = (await run_queries(engine, [asked], registry))[asked]
    # one statement per fact read: messages, conversations by closing, ratings
    assert counter.count == 3
    days = asked.filter.period.local_days
    volume = result.values((), ("volume", ()), days)
    assert (volume["repliesSent"], volume["resolved"]) == (4, 2)
    assert result.values((), ("csat", ()), days)["score"] == 200 / 3  # 5 and 4 of 5, 2, 4


def test_a_reference_to_a_metric_that_is_not_installed_stops_start_up() -> None:
    lonely = ModuleType("derived_without_volume")
    lonely.rapport_metrics = hookspecs.hookimpl(lambda: [EFFICIENCY])  # type: ignore[attr-defined]
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    register(manager, lonely, "derived")
    with pytest.raises(ReferenceError) as raised:
        build_registry(manager)
    assert str(raised.value) == (
        "plugin 'derived': part efficiency.replies reads the metric 'volume', "
        "which is not installed or is disabled"
    )


@pytest.mark.parametrize(
    ("part", "message"),
    [
        (
            PartOf("volume", "replies"),
            "plugin 'derived': part broken.x reads volume.replies, which is not a part of volume",
        ),
        (
            PartOf("csat", "responses"),
            "plugin 'derived': part broken.x reads csat.responses over ratings, by when they were "
            "given, the metric's own fact, which broken's condition would restrict",
        ),
    ],
)
def test_a_reference_the_planner_could_not_honour_stops_start_up(part, message) -> None:
    broken = Metric(
        name="broken",
        description="",
        fact=RATINGS,
        where=lambda t: t.c.channel == "chat",
        parts={"x": part},
        values={"x": PartValue("x")},
        result=EmailCsat,
    )
    with pytest.raises(ReferenceError) as raised:
        registry_with(broken)
    assert str(raised.value).startswith(message), str(raised.value)


def test_happiness_needs_volume_and_says_so_when_it_is_disabled(tmp_path) -> None:
    from tests.test_plugins import assert_stopped, run_rapport

    result = run_rapport("schema", cwd=tmp_path, disable="volume")
    assert_stopped(
        result,
        ["plugin 'happiness'", "happiness.customers_helped", "'volume'", "disabled"],
    )
