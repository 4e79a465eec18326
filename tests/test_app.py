"""The HTTP app: health check, SPEC 9 limits, error masking, GraphiQL and demo mode."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from graphql import parse, validate
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from server.app import create_app
from server.schema.build import build_schema
from server.schema.records import root as record_root
from server.settings import Limits, Settings
from server.web.graphiql import DEMO_QUERY, graphiql_page
from tests.records_data import Api, Data, api, token


@pytest.fixture
async def client(database_url: str, engine: AsyncEngine) -> AsyncIterator[Api]:
    data = Data()
    acme = data.account("acme")
    acme.inbox("i1", "Support")
    acme.user("u1", "Ann")
    acme.team("t1", "Tier 1", members=("u1",))
    await data.write(engine)
    secret = await token(engine, "acme")
    async with api(database_url) as served:
        served.token = secret
        yield served


async def test_healthz_answers_without_a_token(client: Api) -> None:
    response = await client.client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_a_database_that_does_not_answer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/missing/dir/rapport.db"
    async with api(url) as client:
        health = await client.client.get("/healthz")
        graphql = await client.post("{ inboxes { id } }", token="rpt_whatever")
    assert (health.status_code, health.json()) == (503, {"status": "unavailable"})
    assert graphql.status_code == 500
    assert re.fullmatch(
        r"Internal error \(id: [0-9a-f-]{36}\)", graphql.json()["errors"][0]["message"]
    )


def depth_query(levels: int) -> str:
    """`levels` levels of fields: nested object fields with a leaf at the bottom."""
    chain = ["users", "edges", "node", "teams", "members", "teams", "members", "teams", "members",
             "teams", "members", "teams", "members", "teams"]  # fmt: skip
    body = "id"
    for field in reversed(chain[: levels - 1]):
        body = f"{field} {{ {body} }}"
    return f"{{ {body} }}"


def aliases_query(count: int) -> str:
    return "{ " + " ".join(f"a{i}: inboxes {{ id }}" for i in range(count)) + " }"


async def test_limits_name_themselves(client: Api) -> None:
    assert await client.errors("{ users(first: 101) { totalCount } }") == [
        "first: 101 is over the limit of 100 rows per page"
    ]
    nested = '{ user(id: "u1") { ratings(first: 101) { totalCount } } }'
    assert await client.errors(nested) == ["first: 101 is over the limit of 100 rows per page"]
    assert await client.errors("{ users(first: -1) { totalCount } }") == [
        "first: must be 0 or more, got -1"
    ]
    await client.query(aliases_query(30))
    assert await client.errors(aliases_query(31)) == ["31 aliases found. Allowed: 30"]
    many_tokens = "{ " + "inboxes { id } " * 1300 + "}"  # 5,202 tokens in 19.5 KB
    assert await client.errors(many_tokens) == [
        "Syntax Error: Document contains more than 5000 tokens. Parsing aborted."
    ]


async def test_depth_counts_levels_of_fields(database_url: str, client: Api) -> None:
    # teams and members are lists the cost budget counts a page each: out of its way here
    settings = Settings(database_url=database_url, limits=Limits(max_cost_cells=10**40))
    async with api(database_url, settings=settings) as deep:
        await deep.query(depth_query(12), token=client.token)
        assert await deep.errors(depth_query(13), token=client.token) == [
            "query depth: more than 12 levels of nested fields, over the limit of 12"
        ]
    assert depth_query(2) == "{ users { id } }"  # depth 2, as the limit counts


async def test_a_body_over_the_limit_is_refused(client: Api) -> None:
    big = {"query": "{ inboxes { id } }", "variables": {"padding": "x" * 100_000}}
    response = await client.client.post(
        "/graphql", json=big, headers={"Authorization": f"Bearer {client.token}"}
    )
    assert response.status_code == 413
    assert response.json() == {
        "errors": [{"message": "request body: over the limit of 100000 bytes"}]
    }

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: read up to the limit
        body = json.dumps(big).encode()
        for start in range(0, len(body), 30_000):
            yield body[start : start + 30_000]

    chunked = await client.client.post(
        "/graphql", content=chunks(), headers={"Authorization": f"Bearer {client.token}"}
    )
    assert chunked.status_code == 413


async def test_limits_come_from_settings(database_url: str, engine: AsyncEngine) -> None:
    data = Data()
    data.account("acme")
    await data.write(engine)
    secret = await token(engine, "acme")
    settings = Settings(database_url=database_url, limits=Limits(max_first=5, max_aliases=1))
    async with api(database_url, settings=settings) as client:
        assert await client.errors("{ users(first: 6) { totalCount } }", token=secret) == [
            "first: 6 is over the limit of 5 rows per page"
        ]
        assert await client.errors(aliases_query(2), token=secret) == [
            "2 aliases found. Allowed: 1"
        ]


async def test_unexpected_errors_are_masked_and_logged_with_an_id(
    client: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_args: object) -> None:
        raise RuntimeError("the disk is on fire at /srv/secret")

    monkeypatch.setattr(record_root, "fetch", broken)
    response = await client.post("{ teams { id } }", token=client.token)
    assert "secret" not in response.text
    [error] = response.json()["errors"]
    match = re.fullmatch(r"Internal error \(id: ([0-9a-f-]{36})\)", error["message"])
    assert match, error
    assert error["path"] == ["teams"]
    [logged] = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert logged.levelno == logging.ERROR
    assert logged.exc_info is not None
    assert "the disk is on fire" in str(logged.exc_info[1])
    # A mistake in the request is not masked.
    assert await client.errors("{ conversation { id } }") == [
        "conversation: give an id or a number"
    ]
    assert await client.errors("{ nope }") == ["Cannot query field 'nope' on type 'Query'."]


async def test_a_statement_timeout_names_the_limit(
    client: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Canceled(Exception):
        sqlstate = "57014"  # what PostgreSQL reports when statement_timeout fires

    async def slow(*_args: object) -> None:
        raise DBAPIError("SELECT …", {}, Canceled("canceling statement due to statement timeout"))

    monkeypatch.setattr(record_root, "fetch", slow)
    assert await client.errors("{ teams { id } }") == [
        "statement timeout: a SQL statement ran over the limit of 10 s"
    ]


async def test_graphiql_only_with_dev(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAPPORT_DEMO_TOKEN", raising=False)
    async with api(database_url) as client:
        refused = await client.client.get("/graphql", headers={"Accept": "text/html"})
    assert refused.status_code == 405
    assert refused.json()["errors"][0]["message"] == (
        "send GraphQL requests with POST (GraphiQL is served on GET only with --dev)"
    )
    async with api(database_url, dev=True) as client:
        page = await client.client.get("/graphql")
        anonymous = await client.post("{ inboxes { id } }", token=None)
    assert page.status_code == 200
    assert "graphiql.min.js" in page.text
    initial = _initial(page.text)
    assert json.loads(initial["headers"]) == {
        "Authorization": "Bearer <a token from `rapport token create`>"
    }
    assert initial["query"] == DEMO_QUERY  # an example to run once the token is filled in
    assert anonymous.status_code == 401  # GraphiQL is on, anonymous access is not


async def test_dev_and_database_come_from_the_environment(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAPPORT_DATABASE_URL", database_url)
    monkeypatch.setenv("RAPPORT_DEV", "1")
    monkeypatch.setenv("RAPPORT_DEMO_TOKEN", "rpt_demo-secret")
    app = create_app()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
            page = await http.get("/graphql")
            health = await http.get("/healthz")
            # DNS rebinding: a page of another site whose name resolves to this machine
            rebound = [
                await http.get("/graphql", headers={"Host": host})
                for host in ("rapport.attacker.example:8000", "127.0.0.1.nip.io", "localhost.evil")
            ]
            loopback = [
                await http.get("/graphql", headers={"Host": host})
                for host in ("localhost:8000", "[::1]:8000", "127.0.0.2")
            ]
            # the dashboard page carries the demo token the same way
            dashboard_rebound = await http.get("/", headers={"Host": "rapport.attacker.example"})
            dashboard_loopback = await http.get("/", headers={"Host": "localhost:8000"})
    finally:
        await app.state.engine.dispose()
    assert health.json() == {"status": "ok"}
    initial = _initial(page.text)
    assert json.loads(initial["headers"]) == {"Authorization": "Bearer rpt_demo-secret"}
    assert initial["query"] == DEMO_QUERY
    for response in rebound:
        assert "rpt_demo-secret" not in response.text
        assert json.loads(_initial(response.text)["headers"]) == {
            "Authorization": "Bearer <a token from `rapport token create`>"
        }
    assert all("Bearer rpt_demo-secret" in response.text for response in loopback)
    assert dashboard_rebound.status_code == 200 and "rpt_demo-secret" not in dashboard_rebound.text
    assert "rpt_demo-secret" in dashboard_loopback.text


def test_demo_page_holds_a_dashboard_over_the_last_30_days() -> None:
    initial = _initial(graphiql_page("rpt_</script>", today=date(2026, 3, 31)))
    assert json.loads(initial["headers"]) == {"Authorization": "Bearer rpt_</script>"}
    assert json.loads(initial["variables"]) == {
        "filter": {"from": "2026-03-02", "to": "2026-03-31"}
    }
    assert "</script>" not in graphiql_page("rpt_</script>").split("const initial")[1].split(";")[0]


def test_demo_query_is_valid() -> None:
    assert validate(build_schema()._schema, parse(DEMO_QUERY)) == []


def _initial(page: str) -> dict[str, str]:
    """The values the GraphiQL page starts with."""
    [literal] = re.findall(r"const initial = (.*);", page)
    return json.loads(literal)
