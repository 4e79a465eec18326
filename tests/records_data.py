"""Test helpers: a builder of rows (derived columns filled as ingest would) and an HTTP client.

Rows go in with SQLAlchemy Core inserts, so record tests do not depend on the CSV importer; each
method fills the denormalised columns from the rows it references, the way SPEC section 4 says.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from server.app import create_app
from server.db import tables
from server.db.types import amount_to_scaled
from server.ingest.rollups import rebuild_accounts
from server.security.tokens import create_token
from server.settings import Settings

Row = dict[str, Any]


def at(text: str) -> datetime:
    """An ISO 8601 instant with an offset, e.g. 2026-03-01T10:00:00Z."""
    return datetime.fromisoformat(text)


class Data:
    """Rows of several accounts, inserted in dependency order by `write`."""

    def __init__(self) -> None:
        self.rows: dict[str, list[Row]] = defaultdict(list)

    def account(self, account_id: str, name: str = "Account", timezone: str = "UTC") -> Account:
        self.rows["accounts"].append({"id": account_id, "name": name, "timezone": timezone})
        return Account(self, account_id)

    async def write(self, engine: AsyncEngine) -> None:
        async with engine.begin() as connection:
            for table in tables.metadata.sorted_tables:
                if self.rows.get(table.name):
                    await connection.execute(insert(table), self.rows[table.name])
            # the rollups are derived from ratings, as the importer keeps them
            await rebuild_accounts(connection, {r["id"] for r in self.rows["accounts"]})


class Account:
    """The rows of one account; methods return the row they add."""

    def __init__(self, data: Data, account_id: str) -> None:
        self.data = data
        self.id = account_id
        self.conversations: dict[str, Row] = {}
        self.customers: dict[str, Row] = {}
        self.users: dict[str, Row] = {}

    def _add(self, table: str, **values: Any) -> Row:
        row = {"account_id": self.id, **values}
        self.data.rows[table].append(row)
        return row

    def inbox(self, inbox_id: str, name: str) -> Row:
        return self._add("inboxes", id=inbox_id, name=name)

    def user(self, user_id: str, name: str, email: str | None = None, is_bot: bool = False) -> Row:
        row = self._add("users", id=user_id, name=name, email=email, is_bot=is_bot)
        self.users[user_id] = row
        return row

    def team(self, team_id: str, name: str, members: tuple[str, ...] = ()) -> Row:
        for user_id in members:
            self._add("team_members", team_id=team_id, user_id=user_id)
        return self._add("teams", id=team_id, name=name)

    def customer(
        self,
        customer_id: str,
        name: str | None = None,
        email: str | None = None,
        country: str | None = None,
    ) -> Row:
        row = self._add("customers", id=customer_id, name=name, email=email, country=country)
        self.customers[customer_id] = row
        return row

    def conversation(
        self,
        conversation_id: str,
        number: int,
        inbox: str,
        created: str,
        *,
        status: str = "open",
        channel: str = "email",
        customer: str | None = None,
        assignee: str | None = None,
        team: str | None = None,
        theme: str | None = None,
        pipeline: str | None = None,
        closed: str | None = None,
    ) -> Row:
        row = self._add(
            "conversations",
            id=conversation_id,
            number=number,
            inbox_id=inbox,
            customer_id=customer,
            status=status,
            assignee_id=assignee,
            created_at=at(created),
            closed_at=at(closed) if closed else None,
            channel=channel,
            team_id=team,
            theme=theme,
            pipeline=pipeline,
            country=self.customers[customer]["country"] if customer else None,
            first_response_at=None,
            human_replies=0,
            bot_replies=0,
        )
        self.conversations[conversation_id] = row
        return row

    def _from_conversation(self, conversation_id: str | None) -> Row:
        if conversation_id is None:
            return {}
        conversation = self.conversations[conversation_id]
        return {name: conversation[name] for name in ("channel", "team_id", "theme", "pipeline")}

    def message(
        self,
        message_id: str,
        conversation: str,
        created: str,
        *,
        author_type: str = "customer",
        author: str | None = None,
        kind: str = "reply",
    ) -> Row:
        parent = self.conversations[conversation]
        bot_author = author is not None and self.users[author]["is_bot"]
        human = author_type == "user" and kind == "reply" and not bot_author
        bot = kind == "reply" and (author_type == "bot" or bot_author)
        if human:
            parent["human_replies"] += 1
            moment = at(created)
            if parent["first_response_at"] is None or moment < parent["first_response_at"]:
                parent["first_response_at"] = moment
        parent["bot_replies"] += bot
        return self._add(
            "messages",
            id=message_id,
            conversation_id=conversation,
            author_type=author_type,
            author_id=author,
            kind=kind,
            created_at=at(created),
            inbox_id=parent["inbox_id"],
            customer_id=parent["customer_id"],
            country=parent["country"],
            is_human_reply=human,
            is_bot_reply=bot,
            response_seconds=None,
            **self._from_conversation(conversation),
        )

    def rating(
        self,
        rating_id: str,
        created: str,
        *,
        survey: str = "csat",
        score: int = 5,
        conversation: str | None = None,
        user: str | None = None,
        customer: str | None = None,
        channel: str | None = None,
        inbox: str | None = None,
        country: str | None = None,
        comment: str | None = None,
        browser: str = "Other",
        os: str = "Other",
    ) -> Row:
        parent = self.conversations[conversation] if conversation else {}
        customer_id = customer or parent.get("customer_id")
        return self._add(
            "ratings",
            id=rating_id,
            survey=survey,
            score=score,
            comment=comment,
            created_at=at(created),
            conversation_id=conversation,
            user_agent=None,
            given_user_id=user,
            given_customer_id=customer,
            given_channel=channel,
            given_inbox_id=inbox,
            given_country=country,
            user_id=user or parent.get("assignee_id"),
            customer_id=customer_id,
            inbox_id=inbox or parent.get("inbox_id"),
            country=country or (self.customers[customer_id]["country"] if customer_id else None),
            browser=browser,
            os=os,
            team_id=parent.get("team_id"),
            theme=parent.get("theme"),
            pipeline=parent.get("pipeline"),
            channel=channel or parent.get("channel") or "external",
        )

    def transaction(
        self,
        transaction_id: str,
        created: str,
        *,
        amount: str,
        currency: str = "EUR",
        conversation: str | None = None,
        customer: str | None = None,
    ) -> Row:
        parent = self.conversations[conversation] if conversation else {}
        customer_id = customer or parent.get("customer_id")
        return self._add(
            "transactions",
            id=transaction_id,
            amount_scaled=amount_to_scaled(Decimal(amount)),
            currency=currency,
            created_at=at(created),
            conversation_id=conversation,
            given_customer_id=customer,
            customer_id=customer_id,
            country=self.customers[customer_id]["country"] if customer_id else None,
            inbox_id=parent.get("inbox_id"),
            user_id=parent.get("assignee_id"),
            channel=parent.get("channel"),
            team_id=parent.get("team_id"),
            theme=parent.get("theme"),
            pipeline=parent.get("pipeline"),
        )

    def stage_change(
        self, change_id: str, conversation: str, entered: str, *, pipeline: str, stage: str
    ) -> Row:
        return self._add(
            "stage_changes",
            id=change_id,
            conversation_id=conversation,
            pipeline=pipeline,
            stage=stage,
            entered_at=at(entered),
            inbox_id=self.conversations[conversation]["inbox_id"],
        )


async def token(engine: AsyncEngine, account_id: str, inboxes: tuple[str, ...] = ()) -> str:
    _info, secret = await create_token(engine, account_id, list(inboxes), "test")
    return secret


class Api:
    """The ASGI app over real HTTP (in process), with the engine it uses."""

    def __init__(self, app: Starlette, client: httpx.AsyncClient) -> None:
        self.app = app
        self.client = client
        self.engine: AsyncEngine = app.state.engine
        self.token: str | None = None  # used by query() and errors() unless given one

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body = {"query": query, "variables": variables or {}}
        return await self.client.post("/graphql", json=body, headers=headers)

    async def query(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """The `data` of a query that must succeed."""
        response = await self.post(query, variables, token=token or self.token)
        assert response.status_code == 200, response.text
        result = response.json()
        assert "errors" not in result, result["errors"]
        return result["data"]

    async def errors(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> list[str]:
        """The error messages of a query that must fail."""
        response = await self.post(query, variables, token=token or self.token)
        assert response.status_code == 200, response.text
        result = response.json()
        assert result.get("errors"), result
        return [error["message"] for error in result["errors"]]


@asynccontextmanager
async def api(
    database_url: str, *, dev: bool = False, settings: Settings | None = None
) -> AsyncIterator[Api]:
    app = create_app(settings or Settings(database_url=database_url), dev=dev)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(app, client)
    finally:
        await app.state.engine.dispose()
