"""The cost budget: requests multiplying past it are refused before any SQL; dashboards answer."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import graphql
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from server.schema.build import build_schema
from server.schema.cost import CostEstimator
from server.schema.report.filter import DIMENSIONS
from server.settings import Limits, Settings
from tests.records_data import Api, Data, api, token

EXAMPLES = Path(__file__).parents[1] / "docs" / "examples"
MARCH = {"f": {"from": "2026-03-01", "to": "2026-03-31"}}

README_QUERY = re.search(
    r"```graphql\n(query Dashboard.*?)```",
    (Path(__file__).parents[1] / "README.md").read_text(),
    re.S,
).group(1)  # type: ignore[union-attr]

# The three requests of issue 8 that stayed inside every per-field limit, over March 2026.
BREAKDOWN_USER_HOUR = """query($f: ReportFilter!) { report(filter: $f) {
  breakdown(by: [USER, HOUR], limit: 1000) { csat { score } series(granularity: DAY) { csat { score } } }
} }"""
USERS_WEEKDAY_HOUR = """query($f: ReportFilter!) { users(first: 100) { edges { node {
  report(filter: $f) { breakdown(by: [WEEKDAY, HOUR]) { series(granularity: DAY) { csat { score } } } }
} } } }"""
ALIASES = (
    "query($f: ReportFilter!) { report(filter: $f) { "
    + " ".join(
        f"a{i}: breakdown(by: [USER, CHANNEL, COUNTRY, INBOX]) "
        "{ key series(granularity: DAY) { csat { score } } }"
        for i in range(29)
    )
    + " } }"
)


def estimate(query: str, variables: dict) -> str:
    estimator = CostEstimator(graphql.build_schema(build_schema().as_str()), DIMENSIONS, Limits())
    found = estimator.estimate(graphql.parse(query), None, variables)
    assert found is not None
    return str(found)


def test_the_readme_query_counted_by_hand() -> None:
    variables = {"f": {"from": "2026-03-01", "to": "2026-03-31", "timezone": "Europe/Paris"}}
    # csat 2 + nps 3 + previous 2; 6 weeks in March 2026 (Sunday 1st, then Mondays 2 … 30) × 3;
    # 20 agents × (key, label, score); 10 ratings × (score, comment, number, name)
    assert estimate(README_QUERY, variables) == f"{7 + 6 * 3 + 20 * 3 + 10 * 4}"


def test_the_multiplying_requests_counted_by_hand() -> None:
    # 1,000 groups × (score + 31 days × score)
    assert estimate(BREAKDOWN_USER_HOUR, MARCH) == f"{1000 * (1 + 31):,}"
    # 100 users × min(limit 100, 7 × 24 groups) × 31 days × score
    assert estimate(USERS_WEEKDAY_HOUR, MARCH) == f"{100 * 100 * 31:,}"
    # 29 aliases × 100 groups × (key + 31 days × score)
    assert estimate(ALIASES, MARCH) == f"{29 * 100 * (1 + 31):,}"


def test_known_dimensions_bound_the_groups() -> None:
    query = "query($f: ReportFilter!) { report(filter: $f) { breakdown(by: [WEEKDAY], limit: 1000) { key } } }"
    assert estimate(query, MARCH) == "7"
    fragments = """query($f: ReportFilter!) { report(filter: $f) { ...A b: breakdown(by: [HOUR]) { ...G } } }
    fragment A on Report { csat { score } }  fragment G on ReportGroup { key label }"""
    assert estimate(fragments, MARCH) == f"{1 + 24 * 2}"


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.graphql")))
def test_every_example_takes_at_most_half_the_budget(name: str) -> None:
    source = (EXAMPLES / name).read_text()
    variables = json.loads(re.search(r"^# variables: (.*)$", source, re.M).group(1))  # type: ignore[union-attr]
    schema = graphql.build_schema(build_schema().as_str())
    if graphql.validate(schema, graphql.parse(source)):
        pytest.skip(f"{name} asks for metrics this checkout does not have yet")
    cells = int(estimate(source, variables).replace(",", ""))
    assert cells * 2 <= Limits().max_cost_cells  # upper bounds: entity dimensions count their limit


@pytest.fixture
async def client(database_url: str, engine: AsyncEngine) -> AsyncIterator[Api]:
    data = Data()
    data.account("acme").inbox("i1", "Support")
    await data.write(engine)
    secret = await token(engine, "acme")
    async with api(database_url) as served:
        served.token = secret
        yield served


@pytest.mark.parametrize(
    ("query", "cells"),
    [(BREAKDOWN_USER_HOUR, "32,000"), (USERS_WEEKDAY_HOUR, "310,000"), (ALIASES, "92,800")],
)
async def test_refused_before_any_sql(client: Api, query: str, cells: str) -> None:
    statements: list[str] = []
    event.listen(
        client.engine.sync_engine,
        "before_execute",
        lambda _c, statement, *_a: statements.append(str(statement)),
    )
    assert await client.errors(query, MARCH) == [
        f"cost budget: the request would produce {cells} result cells, over the limit of 25,000 "
        "(see docs/security.md; ask for fewer groups, buckets, entities or aliases)"
    ]
    # only the token lookup ran
    assert len(statements) == 1 and "api_tokens" in statements[0]


async def test_the_readme_query_answers(client: Api) -> None:
    data = await client.query(README_QUERY, {"f": {**MARCH["f"], "timezone": "Europe/Paris"}})
    assert len(data["report"]["series"]) == 6


async def test_the_budget_is_a_setting(database_url: str, client: Api) -> None:
    settings = Settings(database_url=database_url, limits=Limits(max_cost_cells=100))
    async with api(database_url, settings=settings) as small:
        errors = await small.errors(README_QUERY, MARCH, token=client.token)
    assert errors[0].startswith("cost budget: the request would produce 125 result cells")
