"""Property tests and a bounded GraphQL fuzz run: no input, however odd, gets a 500, an internal
error or a traceback; each answer is data or a clear error (issue 8).

Bounded: a fixed number of examples per test (RAPPORT_FUZZ_EXAMPLES, default 40), no shrinking
deadline, on SQLite and on PostgreSQL. Run on a small data set so reports find rows.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import hypothesis_graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes

from server.app import create_app
from server.db.engine import create_engine
from server.schema.build import build_schema
from server.settings import Settings
from tests.records_data import Data, token

EXAMPLES = int(os.environ.get("RAPPORT_FUZZ_EXAMPLES", "25"))
BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # no example database: every run is the same bounded run
)


class Served:
    """The app on its own event loop, so that synchronous hypothesis tests can post to it.

    An `asyncio.Runner` rather than a bare loop: on close it cancels and awaits the tasks a request
    left behind (a dataloader batch cut off by an error). A bare loop closed with such tasks
    pending leaves them to the garbage collector, which once finalised them in the middle of the
    next test's database call and broke it (a `GeneratorExit` inside SQLAlchemy's greenlet).
    """

    def __init__(self, database_url: str) -> None:
        self.runner = asyncio.Runner()
        self.secret = self.runner.run(self._seed(database_url))
        self.app = create_app(Settings(database_url=database_url), dev=False)
        transport = httpx.ASGITransport(app=self.app)
        self.client = httpx.AsyncClient(transport=transport, base_url="http://test")

    @staticmethod
    async def _seed(database_url: str) -> str:
        data = Data()
        acme = data.account("acme", timezone="Europe/Paris")
        acme.inbox("i1", "Support")
        acme.user("u1", "Ann")
        acme.team("t1", "Tier 1", members=("u1",))
        acme.conversation("c1", 1, "i1", "2026-03-02T10:00:00Z", assignee="u1", channel="chat")
        acme.rating("r1", "2026-03-02T11:00:00Z", conversation="c1", user="u1", score=4)
        acme.rating("r2", "2026-03-29T01:30:00Z", survey="nps", score=9, country="FR")
        engine = create_engine(database_url)
        try:
            await data.write(engine)
            return await token(engine, "acme")
        finally:
            await engine.dispose()

    def post(self, body: bytes) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.secret}", "Content-Type": "application/json"}
        return self.runner.run(self.client.post("/graphql", content=body, headers=headers))

    def close(self) -> None:
        self.runner.run(self.client.aclose())
        self.runner.run(self.app.state.engine.dispose())
        self.runner.close()
        gc.collect()  # finalise what is left here, not inside the next test's database call


@pytest.fixture
def served(database_url: str) -> Iterator[Served]:
    app = Served(database_url)
    yield app
    app.close()


def assert_clear(response: httpx.Response) -> None:
    """Data, or errors that each say something other than "internal error"."""
    assert response.status_code in (200, 400), response.text
    answer = response.json()
    assert "data" in answer or "errors" in answer
    for error in answer.get("errors") or ():
        assert "Internal error" not in error["message"], error
        assert "Traceback" not in error["message"], error


def post_json(served: Served, query: str, variables: Any = None) -> httpx.Response:
    return served.post(json.dumps({"query": query, "variables": variables}).encode())


# --- the whole schema, fuzzed -----------------------------------------------------------------

SCALARS = {
    "Date": st.dates(date(1, 1, 1), date(9999, 12, 31)).map(lambda d: nodes.String(d.isoformat())),
    "DateTime": st.datetimes().map(lambda d: nodes.String(d.isoformat() + "Z")),
    "Decimal": st.decimals(allow_nan=False, allow_infinity=False).map(nodes.String),
}
SDL = build_schema().as_str()


@BOUNDED
@given(query=hypothesis_graphql.from_schema(SDL, custom_scalars=SCALARS))
def test_fuzzed_queries_get_data_or_a_clear_error(served: Served, query: str) -> None:
    assert_clear(post_json(served, query))


# --- report filters, arguments and selections -------------------------------------------------

DIMENSIONS = ["BROWSER", "CHANNEL", "COUNTRY", "HOUR", "INBOX", "OS", "SURVEY", "TEAM", "THEME",
              "USER", "WEEKDAY"]  # fmt: skip
ZONES = st.sampled_from(["UTC", "Europe/Paris", "America", "Asia/Tokyo", "Etc/GMT+12", "../x"])
ANY_TEXT = st.text(max_size=40)
dates = st.dates(date(1, 1, 1), date(9999, 12, 31)) | st.dates(date(2025, 1, 1), date(2027, 1, 1))

filters = st.fixed_dictionaries(
    {"from": dates.map(date.isoformat), "to": dates.map(date.isoformat)},
    optional={
        "timezone": ZONES | st.text(max_size=300),
        "channels": st.lists(ANY_TEXT, max_size=3),
        "users": st.lists(ANY_TEXT | st.just("u1"), max_size=3),
        "inboxes": st.lists(ANY_TEXT | st.just("i1"), max_size=3),
        "countries": st.lists(ANY_TEXT, max_size=2),
        "themes": st.lists(ANY_TEXT, max_size=2),
    },
)
metrics = st.sampled_from(
    ["csat { score responses }", "nps { score }", "ces { score }", "csat { __typename }"]
)
granularity = st.sampled_from(["DAY", "WEEK", "MONTH", "QUARTER", "YEAR"])
groups = st.builds(
    lambda by, limit, inner: (
        f"breakdown(by: [{', '.join(by)}]{limit}) {{ key keys label {inner} }}"
    ),
    st.lists(st.sampled_from(DIMENSIONS), min_size=0, max_size=3),
    st.sampled_from(["", ", limit: 0", ", limit: 5", ", limit: 1001", ", orderBy: CSAT_SCORE"]),
    st.lists(
        metrics | granularity.map(lambda g: f"series(granularity: {g}) {{ start }}"), max_size=2
    ).map(" ".join),
)
selections = st.lists(
    metrics
    | groups
    | granularity.map(lambda g: f"series(granularity: {g}) {{ start csat {{ score }} }}")
    | st.sampled_from(
        [
            "previous { days csat { score } }",
            "previous(shift: YEAR) { from }",
            "daily(value: CSAT_SCORE) { mean days }",
            "days from to timezone",
            "ratings(first: 3) { totalCount edges { node { score } } }",
        ]
    ),
    min_size=1,
    max_size=4,
).map(" ".join)


@BOUNDED
@given(report_filter=filters, selection=selections)
def test_reports_get_data_or_a_clear_error(
    served: Served, report_filter: dict, selection: str
) -> None:
    query = f"query($f: ReportFilter!) {{ report(filter: $f) {{ {selection} }} }}"
    assert_clear(post_json(served, query, {"f": report_filter}))


@BOUNDED
@given(
    user=ANY_TEXT,
    number=st.integers(-(2**31), 2**31 - 1),
    first=st.integers(-5, 200),
    after=st.none() | ANY_TEXT,
    report_filter=filters,
)
def test_record_arguments_get_data_or_a_clear_error(
    served: Served, user: str, number: int, first: int, after: str | None, report_filter: dict
) -> None:
    query = """query($u: ID!, $n: Int, $first: Int, $after: String, $f: ReportFilter!) {
      user(id: $u) { name report(filter: $f) { csat { score } } }
      conversation(number: $n) { id }
      ratings(first: $first, after: $after) { totalCount }
    }"""
    variables = {"u": user, "n": number, "first": first, "after": after, "f": report_filter}
    assert_clear(post_json(served, query, variables))


# --- HTTP bodies ------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
bodies = (
    st.binary(max_size=200)
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.fixed_dictionaries(
        {"query": json_values | st.text(max_size=60), "variables": json_values}
    ).map(lambda v: json.dumps(v).encode())
)


@BOUNDED
@given(body=bodies)
def test_any_body_gets_a_clear_answer(served: Served, body: bytes) -> None:
    assert_clear(served.post(body))
