"""Per-conversation reply stats: response_seconds on messages, first reply and counts on
conversations (SPEC section 7: human and bot replies, responseTime, firstResponseTime)."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby
from operator import itemgetter

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.tables import conversations, messages
from server.db.types import MICROS
from server.ingest.files import Record
from server.ingest.query import IN_CHUNK, chunks, select_by_keys
from server.ingest.write import update_rows

Key = tuple[str, str]
Message = Row[tuple[object, ...]]

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
# Time order; at equal instants the customer's message first, as a reply cannot precede what it
# answers. The index on (account, conversation, created_at) serves most of it.
_THREAD_ORDER = [
    messages.c.conversation_id,
    messages.c.created_at,
    messages.c.author_type != "customer",
    messages.c.id,
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
            order_by=_THREAD_ORDER,
        )
        message_updates: list[Record] = []
        stats = {key: _NO_REPLIES for key in chunk}
        for key, thread in groupby(stored, itemgetter(0, 1)):
            stats[key] = _replay(thread, message_updates)  # type: ignore[index]
        await update_rows(connection, messages, message_updates)
        await update_rows(connection, conversations, await _changed_stats(connection, stats))


_NO_REPLIES: tuple[int | None, int, int] = (None, 0, 0)


def _replay(thread: Iterable[Message], updates: list[Record]) -> tuple[int | None, int, int]:
    """(first human reply, human replies, bot replies) of one conversation's messages in order;
    queues the response_seconds that changed.

    A human reply answers the first customer message since the previous human reply.
    """
    waiting_since: int | None = None
    first_response: int | None = None
    human = bot = 0
    for account, _, message_id, author, human_reply, bot_reply, created, stored in thread:
        seconds: float | None = None
        if author == "customer" and waiting_since is None:
            waiting_since = created  # type: ignore[assignment]
        if human_reply:
            human += 1
            if first_response is None:
                first_response = created  # type: ignore[assignment]
            if waiting_since is not None:
                seconds = (created - waiting_since) / MICROS  # type: ignore[operator]
            waiting_since = None
        if bot_reply:
            bot += 1
        if seconds != stored:
            updates.append({"account_id": account, "id": message_id, "response_seconds": seconds})
    return first_response, human, bot


async def _changed_stats(
    connection: AsyncConnection, stats: dict[Key, tuple[int | None, int, int]]
) -> list[Record]:
    stored = await select_by_keys(
        connection, _STAT_COLUMNS, [conversations.c.account_id, conversations.c.id], stats
    )
    changed = []
    for account, conversation_id, *values in stored:
        first_response, human, bot = new = stats[(account, conversation_id)]  # type: ignore[index]
        if tuple(values) != new:
            changed.append(
                {
                    "account_id": account,
                    "id": conversation_id,
                    "first_response_at": first_response,
                    "human_replies": human,
                    "bot_replies": bot,
                }
            )
    return changed
