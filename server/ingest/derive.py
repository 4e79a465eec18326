"""Values a row derives from the rows it points at (the comments in server/db/tables.py).

Each deriver completes a chunk of records in place with the derived columns. The same code runs
for rows read from a file and for stored rows whose conversation, customer or author changed
(server.ingest.cascade), so a value is derived the same way whichever changed last.
Conversation-wide values (reply stats, stage intervals) are in server.ingest.replies/stages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from server.ingest.files import Record
from server.ingest.lookups import CONVERSATION_COLUMNS, Key, Lookup, Lookups
from server.ingest.useragent import families

Deriver = Callable[[AsyncConnection, Lookups, list[Record]], Awaitable[None]]
Conversation = Any  # a conversations lookup row, or NO_CONVERSATION

# What a row without a conversation takes from "its conversation": nothing.
NO_CONVERSATION = SimpleNamespace(**dict.fromkeys(CONVERSATION_COLUMNS))

# A rating with neither its own channel nor a conversation came from outside any inbox.
EXTERNAL_CHANNEL = "external"


async def derive(
    connection: AsyncConnection, lookups: Lookups, entity: str, records: list[Record]
) -> None:
    deriver = _DERIVERS.get(entity)
    if deriver is not None and records:
        await deriver(connection, lookups, records)


async def _conversations(
    connection: AsyncConnection, lookups: Lookups, records: list[Record]
) -> None:
    customers = lookups["customers"]
    await customers.load(connection, _keys(records, "customer_id"))
    for record in records:
        record["country"] = _country(customers, record["account_id"], record["customer_id"])


async def _messages(connection: AsyncConnection, lookups: Lookups, records: list[Record]) -> None:
    conversations = await _conversations_of(connection, lookups, records)
    users = lookups["users"]
    await users.load(connection, _keys(records, "author_id"))
    for record, conversation in zip(records, conversations, strict=True):
        account = record["account_id"]
        record["inbox_id"] = conversation.inbox_id
        record["customer_id"] = conversation.customer_id
        record["country"] = conversation.country
        record["channel"] = conversation.channel
        _dimensions(record, conversation)
        author = users.get((account, record["author_id"])) if record["author_id"] else None
        by_bot_user = author is not None and bool(author.is_bot)
        reply = record["kind"] == "reply"
        record["is_human_reply"] = reply and record["author_type"] == "user" and not by_bot_user
        record["is_bot_reply"] = reply and (record["author_type"] == "bot" or by_bot_user)


async def _ratings(connection: AsyncConnection, lookups: Lookups, records: list[Record]) -> None:
    conversations = await _conversations_of(connection, lookups, records)
    for record, conversation in zip(records, conversations, strict=True):
        record["customer_id"] = record["given_customer_id"] or conversation.customer_id
    customers = lookups["customers"]
    await customers.load(connection, _keys(records, "customer_id"))
    for record, conversation in zip(records, conversations, strict=True):
        record["user_id"] = record["given_user_id"] or conversation.assignee_id
        record["inbox_id"] = record["given_inbox_id"] or conversation.inbox_id
        record["channel"] = record["given_channel"] or conversation.channel or EXTERNAL_CHANNEL
        record["country"] = (
            record["given_country"]
            or _country(customers, record["account_id"], record["customer_id"])
            or conversation.country
        )
        record["browser"], record["os"] = families(record["user_agent"])
        _dimensions(record, conversation)


async def _transactions(
    connection: AsyncConnection, lookups: Lookups, records: list[Record]
) -> None:
    conversations = await _conversations_of(connection, lookups, records)
    for record, conversation in zip(records, conversations, strict=True):
        record["customer_id"] = record["given_customer_id"] or conversation.customer_id
    customers = lookups["customers"]
    await customers.load(connection, _keys(records, "customer_id"))
    for record, conversation in zip(records, conversations, strict=True):
        record["country"] = (
            _country(customers, record["account_id"], record["customer_id"]) or conversation.country
        )
        record["inbox_id"] = conversation.inbox_id
        record["user_id"] = conversation.assignee_id
        record["channel"] = conversation.channel
        _dimensions(record, conversation)


async def _stage_changes(
    connection: AsyncConnection, lookups: Lookups, records: list[Record]
) -> None:
    conversations = await _conversations_of(connection, lookups, records)
    for record, conversation in zip(records, conversations, strict=True):
        record["inbox_id"] = conversation.inbox_id


async def _conversations_of(
    connection: AsyncConnection, lookups: Lookups, records: list[Record]
) -> list[Conversation]:
    """Each record's conversation; NO_CONVERSATION, whose values are all None, for a record
    without one. Conversations referenced exist: validated, and kept by the foreign key."""
    lookup = lookups["conversations"]
    await lookup.load(connection, _keys(records, "conversation_id"))
    found = [
        NO_CONVERSATION
        if record["conversation_id"] is None
        else lookup.get((record["account_id"], record["conversation_id"]))
        for record in records
    ]
    assert None not in found
    return found


def _dimensions(record: Record, conversation: Conversation) -> None:
    """The report dimensions every fact takes from its conversation (channel has defaults)."""
    record["team_id"] = conversation.team_id
    record["theme"] = conversation.theme
    record["pipeline"] = conversation.pipeline


def _country(customers: Lookup, account: object, customer_id: object) -> str | None:
    if customer_id is None:
        return None
    customer = customers.get((account, customer_id))
    return customer.country if customer else None


def _keys(records: list[Record], column: str) -> set[Key]:
    return {(r["account_id"], r[column]) for r in records if r[column] is not None}


_DERIVERS: dict[str, Deriver] = {
    "conversations": _conversations,
    "messages": _messages,
    "ratings": _ratings,
    "transactions": _transactions,
    "stage_changes": _stage_changes,
}
