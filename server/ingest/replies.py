"""Per-conversation reply stats: response_seconds on messages, first reply and counts on
conversations (SPEC section 7: human and bot replies, responseTime, firstResponseTime).

A human reply answers the first customer message since the previous human reply. On PostgreSQL,
in set-based SQL over the conversations to refresh: number each message's *segment*, the human
replies before it in thread order; a human reply's wait started at the earliest customer message
of its segment. On SQLite, whose window functions are slow, in one pass over the messages read in
thread order. Only rows whose values differ are updated, so a re-import writes nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.tables import conversations
from server.db.types import MICROS
from server.ingest.bulk import has_room, indexes_set_aside, room_used, row_count
from server.ingest.keyset import Key, key_table

# Time order; at equal instants the customer's message first, as a reply cannot precede what it
# answers, then ids by code point, as Python compares them: SQLite's default, and on PostgreSQL
# whatever the database's collation (ICU's en-US puts `ma` before `Mb`). The index on (account,
# conversation, created_at) serves most of it.
_SQLITE_THREAD_ORDER = "m.created_at, CASE WHEN m.author_type = 'customer' THEN 0 ELSE 1 END, m.id"
_THREAD_ORDER = f'{_SQLITE_THREAD_ORDER} COLLATE "C"'
# PostgreSQL: from this share of the conversations on, when they are locked already, their
# indexes (all but the primary key other tables reference) are set aside while their reply
# counts are written.
SET_ASIDE_SHARE = 0.5
# The conversations' columns the reply counts set.
_STATS = ("first_response_at", "human_replies", "bot_replies")

# Each message's segment: the human replies before it in its conversation's thread.
_SEGMENT = f"""coalesce(sum(CASE WHEN m.is_human_reply THEN 1 ELSE 0 END) OVER (
    PARTITION BY m.account_id, m.conversation_id ORDER BY {_THREAD_ORDER}
    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)"""
# A human reply's wait, over rows that have their segment.
_RESPONSE = f"""CASE WHEN is_human_reply THEN CAST(created_at - min(
    CASE WHEN author_type = 'customer' THEN created_at END
) OVER (PARTITION BY account_id, conversation_id, segment) AS DOUBLE PRECISION) / {MICROS} END"""

_MESSAGES = f"""
WITH segmented AS (
    SELECT m.account_id, m.conversation_id, m.id, m.author_type, m.is_human_reply, m.created_at,
           {_SEGMENT} AS segment
    FROM messages AS m
    JOIN {{keys}} AS k ON m.account_id = k.account_id AND m.conversation_id = k.id
), timed AS (
    SELECT account_id, id, {_RESPONSE} AS seconds FROM segmented
)
UPDATE messages SET response_seconds = timed.seconds
FROM timed
WHERE messages.account_id = timed.account_id AND messages.id = timed.id
  AND messages.response_seconds IS DISTINCT FROM timed.seconds
"""

_CONVERSATIONS = """
WITH stats AS (
    SELECT k.account_id, k.id,
           min(CASE WHEN m.is_human_reply THEN m.created_at END) AS first_response_at,
           coalesce(sum(CASE WHEN m.is_human_reply THEN 1 ELSE 0 END), 0) AS human_replies,
           coalesce(sum(CASE WHEN m.is_bot_reply THEN 1 ELSE 0 END), 0) AS bot_replies
    FROM {keys} AS k
    LEFT JOIN messages AS m ON m.account_id = k.account_id AND m.conversation_id = k.id
    GROUP BY k.account_id, k.id
)
UPDATE conversations
SET first_response_at = stats.first_response_at, human_replies = stats.human_replies,
    bot_replies = stats.bot_replies
FROM stats
WHERE conversations.account_id = stats.account_id AND conversations.id = stats.id
  AND (conversations.first_response_at IS DISTINCT FROM stats.first_response_at
       OR conversations.human_replies <> stats.human_replies
       OR conversations.bot_replies <> stats.bot_replies)
"""


def with_response_seconds(staging: str, names: Iterable[str]) -> str:
    """A SELECT of the `names` columns of the messages in table `staging`, then the response
    seconds of each: for messages of conversations that have no others stored, which are then
    timed as they are written (server.ingest.fresh_postgres)."""
    columns = ", ".join(f'"{name}"' for name in names)
    return (
        f"SELECT {columns}, {_RESPONSE} AS response_seconds "
        f"FROM (SELECT m.*, {_SEGMENT} AS segment FROM {staging} AS m) AS segmented"
    )


async def refresh_replies(
    connection: AsyncConnection,
    keys: Iterable[Key],
    *,
    responses: bool = True,
    locked: bool = False,
    every_message: bool = False,
) -> None:
    """Recompute the reply stats of these conversations from all their stored messages; with
    `responses` False, only the conversations' (their messages' response seconds are known).
    `locked`: the transaction holds the conversations exclusively already. `every_message`:
    the keys are the conversations of every stored message (a first load of messages), which
    SQLite then walks without a table of keys to join (peer data: 7.2 s against 2.8 s to fill
    the table and 9.2 s to read through it)."""
    keys = set(keys)
    if not keys:
        return
    if connection.dialect.name == "sqlite":
        table = None if every_message else await key_table(connection, _KEYS, keys)
        await _refresh_in_one_pass(connection, table, responses=responses)
        return
    table = await key_table(connection, _KEYS, keys)
    statements = (_MESSAGES, _CONVERSATIONS) if responses else (_CONVERSATIONS,)
    # Most conversations updated (a first load of messages): their indexes are built
    # again afterwards instead of taking an entry per row, which no reader can see meanwhile
    # (peer data: the UPDATE took 4.8 s and the builds 1.2 s, against 9-10 s with them).
    async with _set_aside_if_most(connection, len(keys)) if locked else nullcontext():
        for statement in statements:
            await connection.exec_driver_sql(statement.format(keys=table))


_STORE_LOADED = """
UPDATE conversations
SET first_response_at = s.first_response_at, human_replies = s.human_replies,
    bot_replies = s.bot_replies
FROM {stats} AS s
WHERE conversations.account_id = s.account_id AND conversations.id = s.id
"""


async def store_reply_stats(connection: AsyncConnection, stats: str, *, locked: bool) -> None:
    """Set the reply stats of the conversations in table `stats` (account_id, id and the
    stats): those of a first load of messages, computed as it was read (server.ingest.columnar);
    the other conversations have no reply. `locked`: as in refresh_replies."""
    writing: AbstractAsyncContextManager[None] = nullcontext()
    if locked and connection.dialect.name == "postgresql":
        count = await connection.scalar(text(f"SELECT count(*) FROM {stats}")) or 0
        writing = _set_aside_if_most(connection, count)
    async with writing:
        await connection.exec_driver_sql(_STORE_LOADED.format(stats=stats))


@asynccontextmanager
async def _set_aside_if_most(connection: AsyncConnection, count: int) -> AsyncIterator[None]:
    """PostgreSQL, the transaction holding the conversations already (a first load of
    messages, whose drops of foreign keys lock them), while the reply counts of `count` of them
    are written: their indexes set aside when that is most of them. Conversations loaded with
    room for them (server.ingest.fresh_postgres) are updated in place: only the index over
    the reply counts is set aside, and the room is then used."""
    if count < SET_ASIDE_SHARE * await row_count(connection, conversations):
        yield
        return
    roomy = await has_room(connection, conversations.name)
    async with indexes_set_aside(connection, conversations.name, _STATS if roomy else None):
        yield
    if roomy:
        await room_used(connection, conversations.name)


# SQLite: the messages of the conversations to refresh, in thread order; then their conversations.
# Without a table of keys, every message (every conversation): see refresh_replies.
_THREADS = f"""
SELECT m.rowid, m.account_id, m.conversation_id, m.author_type, m.is_human_reply,
       m.is_bot_reply, m.created_at, m.response_seconds
FROM {{messages}}
ORDER BY m.account_id, m.conversation_id, {_SQLITE_THREAD_ORDER}
"""
_KEYED_MESSAGES = (
    "{keys} AS k JOIN messages AS m ON m.account_id = k.account_id AND m.conversation_id = k.id"
)
_STORED_STATS = """
SELECT c.rowid, c.account_id, c.id, c.first_response_at, c.human_replies, c.bot_replies
FROM {conversations}
"""
_KEYED_CONVERSATIONS = (
    "{keys} AS k JOIN conversations AS c ON c.account_id = k.account_id AND c.id = k.id"
)
_STORE_RESPONSES = "UPDATE messages SET response_seconds = ? WHERE rowid = ?"
_STORE_STATS = """
UPDATE conversations SET first_response_at = ?, human_replies = ?, bot_replies = ?
WHERE rowid = ?
"""
_FETCH_ROWS = 50_000
_KEYS = "ingest_reply_keys"
_NO_REPLIES = (None, 0, 0)  # first_response_at, human_replies, bot_replies


async def _refresh_in_one_pass(
    connection: AsyncConnection, keys: str | None, *, responses: bool
) -> None:
    """SQLite: the reply stats of the conversations in table `keys` (None: every one), by
    walking their messages in thread order. On a first load of the peer data's 1.63M messages,
    the messages' deriving took 8.4 s and 9.2 s this way, against 10.6 s and 11.2 s with the
    window functions above (which take 6 s to compute; reading the threads in order and walking
    them, 5 s)."""
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    stats: dict[tuple[str, str], tuple[int | None, int, int]] = {}
    timed: list[tuple[float | None, int]] = []  # (response_seconds, rowid) to write
    conversation = None
    first = waiting_since = None
    human = bot = 0
    messages = "messages AS m" if keys is None else _KEYED_MESSAGES.format(keys=keys)
    async with driver.execute(_THREADS.format(messages=messages)) as cursor:
        while rows := await cursor.fetchmany(_FETCH_ROWS):
            for rowid, account, thread, author, is_human, is_bot, created, stored in rows:
                if (account, thread) != conversation:
                    if conversation is not None:
                        stats[conversation] = (first, human, bot)
                    conversation = (account, thread)
                    first = waiting_since = None
                    human = bot = 0
                seconds = None
                if author == "customer":
                    if waiting_since is None:
                        waiting_since = created
                elif is_human:
                    human += 1
                    if first is None:
                        first = created
                    if waiting_since is not None:
                        seconds = (created - waiting_since) / MICROS
                    waiting_since = None  # the next customer message starts a new wait
                bot += is_bot
                if seconds != stored:
                    timed.append((seconds, rowid))
    if conversation is not None:
        stats[conversation] = (first, human, bot)
    if responses and timed:
        await connection.exec_driver_sql(_STORE_RESPONSES, timed)
    changed = []
    stored_in = "conversations AS c" if keys is None else _KEYED_CONVERSATIONS.format(keys=keys)
    async with driver.execute(_STORED_STATS.format(conversations=stored_in)) as cursor:
        for rowid, account, id_, *stored in await cursor.fetchall():
            new = stats.get((account, id_), _NO_REPLIES)
            if tuple(stored) != new:
                changed.append((*new, rowid))
    if changed:
        await connection.exec_driver_sql(_STORE_STATS, changed)
