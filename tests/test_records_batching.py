"""Nested record lookups cost one SQL statement per level and loader, whatever the number of rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from server.settings import Limits, Settings
from tests.conftest import StatementCounter
from tests.records_data import Data, api, token

DRILL_DOWN = """{ users(first: 20) { edges { node { id
    ratings(first: 5) { totalCount edges { node { id
        conversation { id messages(first: 10) { totalCount edges { node { id author { id } } } } }
    } } } } } } }"""
# One statement each: the token, the users page, the ratings pages, their counts, the
# conversations, the messages pages, their counts, the authors.
DRILL_DOWN_STATEMENTS = 8

WIDE = """{ conversations(first: 100) { totalCount edges { node { id
    inbox { id } customer { id } team { id members { id } }
    assignee { id teams { id members { id } } }
    messages(first: 2) { edges { node { id } } }
    ratings { id user { id } } transactions { id } stageChanges { id }
} } } }"""
# The token, the conversations page and count, inboxes, customers, teams, their members,
# assignees, their teams, messages, ratings, transactions, stage changes. The assignees' teams
# are the conversations' teams, whose members are already loaded, and the ratings' users are the
# assignees: the request's loaders answer those from their cache.
WIDE_STATEMENTS = 13


async def write_data(engine: AsyncEngine, users: int, ratings_per_user: int) -> str:
    """Each user: one team, `ratings_per_user` ratings, each on its own conversation with three
    messages (customer, the user's reply, customer) and a transaction and a stage change."""
    data = Data()
    acme = data.account("acme")
    acme.inbox("i1", "Support")
    acme.customer("cu", "Carl", country="FI")
    for u in range(users):
        user = f"u{u:03}"
        acme.user(user, f"User {u:03}")
        acme.team(f"t{u:03}", f"Team {u:03}", members=(user,))
        for r in range(ratings_per_user):
            conversation = f"c{u:03}-{r:03}"
            hour = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(hours=r)

            def time(minutes: int, hour: datetime = hour) -> str:
                return (hour + timedelta(minutes=minutes)).isoformat()

            acme.conversation(
                conversation, u * 1000 + r, "i1", time(0), customer="cu", assignee=user,
                team=f"t{u:03}",
            )  # fmt: skip
            acme.message(f"{conversation}-m1", conversation, time(0))
            acme.message(f"{conversation}-m2", conversation, time(10), author_type="user",
                         author=user)  # fmt: skip
            acme.message(f"{conversation}-m3", conversation, time(20))
            acme.rating(f"{conversation}-r", time(30), conversation=conversation)
            acme.transaction(f"{conversation}-x", time(40), amount="10", conversation=conversation)
            acme.stage_change(f"{conversation}-s", conversation, time(0), pipeline="sales",
                              stage="lead")  # fmt: skip
    await data.write(engine)
    return await token(engine, "acme")


@pytest.mark.parametrize(("users", "ratings_per_user"), [(20, 10), (20, 50)])
async def test_drill_down_statements_do_not_grow_with_rows(
    database_url: str, engine: AsyncEngine, users: int, ratings_per_user: int
) -> None:
    secret = await write_data(engine, users, ratings_per_user)
    async with api(database_url) as client:
        counter = StatementCounter(client.engine)
        data = await client.query(DRILL_DOWN, token=secret)
        assert counter.count == DRILL_DOWN_STATEMENTS, counter.statements

    nodes = [edge["node"] for edge in data["users"]["edges"]]
    assert [n["id"] for n in nodes] == [f"u{u:03}" for u in range(20)]
    for u, node in enumerate(nodes):
        ratings = node["ratings"]
        assert ratings["totalCount"] == ratings_per_user
        # The five oldest: one an hour from 1 March.
        assert [e["node"]["id"] for e in ratings["edges"]] == [
            f"c{u:03}-{r:03}-r" for r in range(5)
        ]
        for r, edge in enumerate(ratings["edges"]):
            conversation = edge["node"]["conversation"]
            assert conversation["id"] == f"c{u:03}-{r:03}"
            messages = conversation["messages"]
            assert messages["totalCount"] == 3
            assert [(m["node"]["id"], m["node"]["author"]) for m in messages["edges"]] == [
                (f"c{u:03}-{r:03}-m1", None),
                (f"c{u:03}-{r:03}-m2", {"id": f"u{u:03}"}),
                (f"c{u:03}-{r:03}-m3", None),
            ]


@pytest.mark.parametrize("ratings_per_user", [1, 5])
async def test_wide_selection_statements_do_not_grow_with_rows(
    database_url: str, engine: AsyncEngine, ratings_per_user: int
) -> None:
    secret = await write_data(engine, 20, ratings_per_user)
    # WIDE asks every field through nested pages: far over the cost budget's upper bound
    settings = Settings(database_url=database_url, limits=Limits(max_cost_cells=10**9))
    async with api(database_url, settings=settings) as client:
        counter = StatementCounter(client.engine)
        data = await client.query(WIDE, token=secret)
        assert counter.count == WIDE_STATEMENTS, counter.statements

    conversations = data["conversations"]
    assert conversations["totalCount"] == 20 * ratings_per_user
    first: dict[str, Any] = conversations["edges"][0]["node"]
    assert first["assignee"]["teams"][0]["members"] == [{"id": first["assignee"]["id"]}]
    assert len(first["messages"]["edges"]) == 2
    assert first["ratings"][0]["user"] == {"id": first["assignee"]["id"]}
    assert len(first["transactions"]) == len(first["stageChanges"]) == 1
