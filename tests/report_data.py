"""A small builder of report test data, written straight into the tables.

Derived columns are given explicitly, as the import would derive them, so each test shows by
hand every value its expected numbers depend on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import tables
from server.db.types import AMOUNT_SCALE
from server.ingest.rollups import rebuild_accounts
from server.schema.context import Context
from server.security.scope import Scope
from server.settings import Limits, Settings


def at(text: str) -> datetime:
    """An aware datetime from ISO text with an offset (`2026-03-01T12:00:00+00:00`)."""
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None, text
    return moment


class Data:
    def __init__(
        self,
        account: str = "acme",
        timezone: str = "UTC",
        *,
        batch: str = "",
        new_account: bool = True,
    ) -> None:
        """`batch` prefixes generated ids, so that a second Data can add rows to the same account."""
        self.account = account
        self.batch = batch
        self.rows: dict[str, list[dict[str, Any]]] = {"accounts": [], "users": []}
        if new_account:
            self.rows["accounts"].append(
                {"id": account, "name": account.title(), "timezone": timezone}
            )
        self._ids = 0

    def _next(self, prefix: str) -> str:
        self._ids += 1
        return f"{self.batch}{prefix}{self._ids}"

    def add(self, table: str, **values: Any) -> dict[str, Any]:
        row = {"account_id": self.account, **values}
        self.rows.setdefault(table, []).append(row)
        return row

    def user(self, user_id: str, name: str | None = None, is_bot: bool = False) -> None:
        self.add("users", id=user_id, name=name or user_id.upper(), is_bot=is_bot)

    def rating(self, survey: str, score: int, created: str, **values: Any) -> dict[str, Any]:
        defaults = {"channel": "email", "inbox_id": "ib1", "browser": "Other", "os": "Other"}
        return self.add(
            "ratings",
            id=values.pop("id", None) or self._next("r"),
            survey=survey,
            score=score,
            created_at=at(created),
            **{**defaults, **values},
        )

    def conversation(self, created: str, **values: Any) -> dict[str, Any]:
        closed = values.pop("closed", None)
        first_response = values.pop("first_response", None)
        defaults = {"status": "closed" if closed else "open", "channel": "email", "inbox_id": "ib1"}
        conversation_id = values.pop("id", None) or self._next("c")
        return self.add(
            "conversations",
            id=conversation_id,
            number=values.pop("number", None) or len(self.rows.get("conversations", [])) + 1,
            created_at=at(created),
            closed_at=at(closed) if closed else None,
            first_response_at=at(first_response) if first_response else None,
            **{"human_replies": 0, "bot_replies": 0, **defaults, **values},
        )

    def message(self, conversation: dict[str, Any], created: str, **values: Any) -> dict[str, Any]:
        defaults = {
            "author_type": "customer",
            "kind": "reply",
            "inbox_id": conversation["inbox_id"],
            "channel": conversation["channel"],
            "customer_id": conversation.get("customer_id"),
            "is_human_reply": False,
            "is_bot_reply": False,
        }
        return self.add(
            "messages",
            id=values.pop("id", None) or self._next("m"),
            conversation_id=conversation["id"],
            created_at=at(created),
            **{**defaults, **values},
        )

    def transaction(self, amount: str, currency: str, created: str, **values: Any) -> None:
        from decimal import Decimal

        self.add(
            "transactions",
            id=values.pop("id", None) or self._next("t"),
            amount_scaled=int(Decimal(amount) * AMOUNT_SCALE),
            currency=currency,
            created_at=at(created),
            **{"inbox_id": "ib1", **values},
        )

    async def write(self, engine: AsyncEngine) -> None:
        async with engine.begin() as connection:
            for table in tables.metadata.sorted_tables:
                rows = self.rows.get(table.name)
                if rows:
                    columns = {c.name for c in table.columns}
                    full = [
                        {c: row.get(c) for c in columns if c in row or not table.c[c].default}
                        for row in rows
                    ]
                    await connection.execute(insert(table), full)
            # the rollups are derived from ratings, as the importer keeps them
            if self.rows.get("ratings"):
                await rebuild_accounts(connection, [self.account])


async def execute(
    engine: AsyncEngine, query: str, variables: dict[str, Any] | None = None, **scope: Any
) -> dict[str, Any]:
    """Run a GraphQL query in-process on the full schema; fails on any GraphQL error."""
    result = await execute_raw(engine, query, variables, **scope)
    assert result.errors is None, result.errors
    return result.data  # type: ignore[return-value]


async def execute_raw(
    engine: AsyncEngine,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    account: str = "acme",
    timezone: str = "UTC",
    inbox_ids: frozenset[str] | None = None,
) -> strawberry.types.ExecutionResult:
    from server.schema.build import build_schema

    # Report tests ask wide selections to check numbers; the cost budget is tested in test_cost.
    settings = Settings(limits=Limits(max_cost_cells=10**9))
    context = Context(engine=engine, scope=Scope(account, inbox_ids, timezone), settings=settings)
    return await build_schema(settings).execute(
        query, variable_values=variables, context_value=context
    )
