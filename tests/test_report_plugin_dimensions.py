"""Every dimension and filter applies to the revenue, automation and productivity metrics except
those of ratings alone (BROWSER, OS, SURVEY), which are an error on the metric's field."""

from __future__ import annotations

import pytest

from server.plugins import registry
from tests.report_data import Data, execute_raw

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
DAY = "2026-03-10T12:00:00Z"
DURATIONS = "{ count median }"
METRICS = {
    "revenue": "{ transactions totals { amount } }",
    "conversion": "{ rate closed }",
    "automation": "{ rate closed }",
    "firstResponseTime": DURATIONS,
    "responseTime": DURATIONS,
    "timeToClose": DURATIONS,
    "chatWaitTime": DURATIONS,
}
DIMENSIONS = ["CHANNEL", "COUNTRY", "HOUR", "INBOX", "PIPELINE", "TEAM", "THEME", "USER", "WEEKDAY"]
RATINGS_ONLY = ["BROWSER", "OS", "SURVEY"]
FILTERS = {
    "channels": ["chat"],
    "countries": ["FI"],
    "inboxes": ["ib1"],
    "pipelines": ["support"],
    "teams": ["t1"],
    "themes": ["pricing"],
    "users": ["u1"],
}


@pytest.fixture
async def one_of_each(engine):
    data = Data()
    data.user("u1", "Alice")
    dimensions = {
        "channel": "chat",
        "team_id": "t1",
        "theme": "pricing",
        "pipeline": "support",
        "country": "FI",
    }
    conversation = data.conversation(
        "2026-03-10T11:00:00Z",
        closed="2026-03-10T12:30:00Z",
        first_response=DAY,
        assignee_id="u1",
        human_replies=1,
        **dimensions,
    )
    derived = {"country": "FI", "team_id": "t1", "theme": "pricing", "pipeline": "support"}
    data.message(conversation, "2026-03-10T11:00:00Z", **derived)
    data.message(
        conversation,
        DAY,
        author_type="user",
        author_id="u1",
        is_human_reply=True,
        response_seconds=3600.0,
        **derived,
    )
    data.transaction(
        "9.99", "EUR", DAY, conversation_id=conversation["id"], user_id="u1", **dimensions
    )
    data.rating("csat", 5, DAY, browser="Chrome", os="Windows")  # a group for ratings' dimensions
    await data.write(engine)
    return engine


def _query(metric: str, breakdown: str) -> str:
    # csat's rating makes a group for the dimensions of ratings
    return f"""query($f: ReportFilter!) {{ report(filter: $f) {{
      breakdown({breakdown}) {{ keys csat {{ responses }} {metric} {METRICS[metric]} }} }} }}"""


def test_every_installed_dimension_is_covered() -> None:
    assert sorted(DIMENSIONS + RATINGS_ONLY) == sorted(d.name for d in registry().dimensions)
    assert sorted(FILTERS) == sorted(
        d.filter for d in registry().dimensions if d.filter and d.name not in RATINGS_ONLY
    )


@pytest.mark.parametrize("metric", METRICS)
async def test_every_dimension_of_its_fact_answers(one_of_each, metric: str) -> None:
    query = _query(metric, f"by: [{', '.join(DIMENSIONS)}]")
    result = await execute_raw(one_of_each, query, {"f": MARCH})
    assert result.errors is None
    groups = [g for g in result.data["report"]["breakdown"] if g[metric] is not None]
    assert groups, "the row of each fact makes a group"


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("dimension", RATINGS_ONLY)
async def test_a_ratings_dimension_is_an_error_naming_both(
    one_of_each, metric: str, dimension: str
) -> None:
    result = await execute_raw(one_of_each, _query(metric, f"by: [{dimension}]"), {"f": MARCH})
    assert [g[metric] for g in result.data["report"]["breakdown"]] == [None]
    assert result.errors
    assert all(
        f"`{metric}` does not support the dimension {dimension}" in e.message for e in result.errors
    )


@pytest.mark.parametrize("metric", METRICS)
async def test_every_filter_of_its_fact_applies(one_of_each, metric: str) -> None:
    query = f"query($f: ReportFilter!) {{ report(filter: $f) {{ {metric} {METRICS[metric]} }} }}"
    kept = await execute_raw(one_of_each, query, {"f": {**MARCH, **FILTERS}})
    assert kept.errors is None
    none = {name: ["nobody"] for name in FILTERS}
    dropped = await execute_raw(one_of_each, query, {"f": {**MARCH, **none}})
    assert dropped.errors is None
    assert kept.data != dropped.data  # the row is kept by matching filters, dropped by others
