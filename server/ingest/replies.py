"""Per-conversation reply stats: response_seconds on messages, first reply and counts on
conversations (SPEC section 7: human and bot replies, responseTime, firstResponseTime)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.tables import conversations, messages
from server.db.types import MICROS
from server.ingest.files import Record
from server.ingest.query import IN_CHUNK, chunks, select_by_keys
from server.ingest.write import update_rows

Key = tuple[str, str]

_MESSAGE_COLUMNS = [
    messages.c.account_id,
    messages.c.conversation_id,
    messages.c.id,
    messages.c.author_type,
    messages.c.is_human_reply,
    messages.c.is_bot_reply,
    messages.c.created_at,
    messages.c.response_seconds,
]
_STAT_COLUMNS = [
    conversations.c.account_id,
    conversations.c.id,
    conversations.c.first_response_at,
    conversations.c.human_replies,
    conversations.c.bot_replies,
]


async def refresh_replies(connection: AsyncConnection, keys: Iterable[Key]) -> None:
    """Recompute the reply stats of these conversations from all their stored messages."""
    for chunk in chunks(sorted(keys), IN_CHUNK):
        stored = await select_by_keys(
            connection,
            _MESSAGE_COLUMNS,
            [messages.c.account_id, messages.c.conversation_id],
            chunk,
        )
        by_conversation: dict[Key, list[Row[tuple[object, ...]]]] = defaultdict(list)
        for message in stored:
            by_conversation[(message.account_id, message.conversation_id)].append(message)  # type: ignore[index]
        message_updates: list[Record] = []
        stats: dict[Key, Record] = {}
        for key in chunk:
            stats[key] = _replay(by_conversation.get(key, []), message_updates)
        await update_rows(connection, messages, message_updates)
        await update_rows(connection, conversations, await _changed_stats(connection, stats))


def _replay(thread: list[Row[tuple[object, ...]]], updates: list[Record]) -> Record:
    """Walk one conversation's messages in time order; queue response_seconds that changed.

    A human reply answers the first customer message since the previous human reply; at equal
    instants the customer's message comes first, as a reply cannot precede what it answers.
    """
    thread.sort(key=lambda m: (m.created_at, m.author_type != "customer", m.id))
    waiting_since: int | None = None
    first_response: int | None = None
    human = bot = 0
    for message in thread:
        seconds: float | None = None
        if message.author_type == "customer" and waiting_since is None:
            waiting_since = message.created_at  # type: ignore[assignment]
        if message.is_human_reply:
            human += 1
            if first_response is None:
                first_response = message.created_at  # type: ignore[assignment]
            if waiting_since is not None:
                seconds = (message.created_at - waiting_since) / MICROS  # type: ignore[operator]
            waiting_since = None
        if message.is_bot_reply:
            bot += 1
        if seconds != message.response_seconds:
            updates.append(
                {"account_id": message.account_id, "id": message.id, "response_seconds": seconds}
            )
    return {"first_response_at": first_response, "human_replies": human, "bot_replies": bot}


async def _changed_stats(connection: AsyncConnection, stats: dict[Key, Record]) -> list[Record]:
    stored = await select_by_keys(
        connection, _STAT_COLUMNS, [conversations.c.account_id, conversations.c.id], stats
    )
    changed = []
    for row in stored:
        account, conversation_id, *values = row
        new = stats[(account, conversation_id)]  # type: ignore[index]
        if list(new.values()) != values:
            changed.append({"account_id": account, "id": conversation_id, **new})
    return changed
