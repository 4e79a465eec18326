"""Lookups (server.ingest.lookups) read what a file asks for: the keys of a few changed rows by IN
lists, and all of an account's rows in one scan once the keys asked for in it reach a share of
them (WHOLE_SHARE)."""

from __future__ import annotations

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import tables
from server.ingest import lookups
from server.ingest.lookups import Lookups
from tests.conftest import StatementCounter

USERS = 40  # acme's users u0 … u39, u7 a bot; beta has one


@pytest.fixture
async def stored(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            insert(tables.accounts), [{"id": "acme", "name": "Acme"}, {"id": "beta", "name": "B"}]
        )
        await connection.execute(
            insert(tables.users),
            [
                {"account_id": "acme", "id": f"u{n}", "name": f"User {n}", "is_bot": n == 7}
                for n in range(USERS)
            ]
            + [{"account_id": "beta", "id": "u7", "name": "Beta's", "is_bot": False}],
        )


def _reads(statements: StatementCounter) -> list[str]:
    """The statements that read users: 'count', 'in' (an IN list) or 'scan' (the account)."""
    kinds = []
    for sql in statements.statements:
        if "count(*)" in sql:
            kinds.append("count")
        elif " IN " in sql:
            kinds.append("in")
        else:
            kinds.append("scan")
    statements.reset()
    return kinds


async def test_a_few_keys_are_read_by_in_lists_and_a_share_loads_the_account(
    engine: AsyncEngine, stored: None, statements: StatementCounter
) -> None:
    assert lookups.WHOLE_SHARE * USERS == 4  # the threshold this test crosses
    users = Lookups(whole_accounts=True)["users"]
    async with engine.connect() as connection:
        # 2 keys of 40: an IN list, after counting the account's rows once
        assert await users.load(connection, {("acme", "u7"), ("acme", "nobody")}) == {
            ("acme", "nobody")
        }
        assert _reads(statements) == ["count", "in"]
        assert users.get(("acme", "u7")).is_bot
        assert users.get(("acme", "nobody")) is None
        # known keys are not read again
        assert await users.load(connection, {("acme", "u7")}) == set()
        assert _reads(statements) == []
        # 1 more: 3 asked, under 4
        assert await users.load(connection, {("acme", "u1")}) == set()
        assert _reads(statements) == ["in"]
        # 1 more: 4 asked, the whole account in one scan; then no key of acme is read again
        assert await users.load(connection, {("acme", "u2")}) == set()
        assert _reads(statements) == ["scan"]
        assert await users.load(connection, {("acme", "u39"), ("acme", "u40")}) == {("acme", "u40")}
        assert _reads(statements) == []
        assert users.get(("acme", "u39")) is not None
        # the other account is counted on its own: its one key is all its rows
        assert await users.load(connection, {("beta", "u7")}) == set()
        assert _reads(statements) == ["count", "scan"]
        assert not users.get(("beta", "u7")).is_bot


async def test_an_account_asked_for_more_than_the_share_at_once_is_scanned_at_once(
    engine: AsyncEngine, stored: None, statements: StatementCounter
) -> None:
    users = Lookups(whole_accounts=True)["users"]
    async with engine.connect() as connection:
        asked = {("acme", f"u{n}") for n in range(5)}
        assert await users.load(connection, asked | {("acme", "x")}) == {("acme", "x")}
        assert _reads(statements) == ["count", "scan"]
        # an account without rows is scanned at once: every key in it is absent
        assert await users.load(connection, {("gamma", "u1")}) == {("gamma", "u1")}
        assert _reads(statements) == ["count", "scan"]


async def test_without_whole_accounts_every_key_is_read_by_in_lists(
    engine: AsyncEngine, stored: None, statements: StatementCounter
) -> None:
    users = Lookups()["users"]
    async with engine.connect() as connection:
        asked = {("acme", f"u{n}") for n in range(USERS)}
        assert await users.load(connection, asked) == set()
        assert _reads(statements) == ["in"]


async def test_a_preloaded_table_answers_every_key_without_reading_again(
    engine: AsyncEngine, stored: None, statements: StatementCounter, monkeypatch: pytest.MonkeyPatch
) -> None:
    preloaded = Lookups(whole_accounts=True)
    async with engine.connect() as connection:
        await preloaded.preload(connection, {"users"})
        assert _reads(statements) == ["count", "scan"]
        users = preloaded["users"]
        asked = {("acme", "u7"), ("beta", "u7"), ("acme", "u40"), ("gamma", "u1")}
        assert await users.load(connection, asked) == {("acme", "u40"), ("gamma", "u1")}
        assert _reads(statements) == []
        assert users.get(("acme", "u7")).is_bot and not users.get(("beta", "u7")).is_bot
        # forgotten once trimmed, then read as before
        monkeypatch.setattr(lookups, "_CACHE_LIMIT", USERS)
        users.trim()
        assert await users.load(connection, {("acme", "u1")}) == set()
        assert _reads(statements) == ["count", "in"]

        # a table larger than the cache is not preloaded: its keys are read as they are asked
        too_small = Lookups(whole_accounts=True)
        await too_small.preload(connection, {"users"})
        assert _reads(statements) == ["count"]
        assert await too_small["users"].load(connection, {("acme", "u1")}) == set()
        assert _reads(statements) == ["count", "in"]
