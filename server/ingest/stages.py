"""Stage intervals: HubSpot's time_in_X per (pipeline, stage) of each closed conversation.

Time in a stage = when it last left the stage (the next stage change after its last entry, else
the conversation's close) - when it first entered it, whatever happened between (SPEC section 7).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.tables import conversations, stage_changes, stage_intervals
from server.db.types import MICROS
from server.ingest.files import Record
from server.ingest.query import IN_CHUNK, chunks, select_by_keys
from server.ingest.write import delete_rows, key_getter, upsert_rows

Key = tuple[str, str]
Conversation = Row[tuple[object, ...]]

# Interval columns copied from the conversation (its assignee is the interval's user).
_COPIED = ("inbox_id", "customer_id", "country", "channel", "team_id", "theme", "pipeline")
_CONVERSATION_COLUMNS = [
    conversations.c.account_id,
    conversations.c.id,
    conversations.c.status,
    conversations.c.closed_at,
    conversations.c.assignee_id,
    *(conversations.c[name] for name in _COPIED),
]
_CHANGE_COLUMNS = [
    stage_changes.c.account_id,
    stage_changes.c.conversation_id,
    stage_changes.c.id,
    stage_changes.c.pipeline,
    stage_changes.c.stage,
    stage_changes.c.entered_at,
]


async def refresh_stage_intervals(connection: AsyncConnection, keys: Iterable[Key]) -> None:
    """Make the intervals of these conversations match their stage changes and status."""
    key_of = key_getter(stage_intervals)
    for chunk in chunks(sorted(keys), IN_CHUNK):
        closed = {
            (c.account_id, c.id): c
            for c in await select_by_keys(
                connection,
                _CONVERSATION_COLUMNS,
                [conversations.c.account_id, conversations.c.id],
                chunk,
            )
            if c.status == "closed" and c.closed_at is not None
        }
        by_conversation = [stage_changes.c.account_id, stage_changes.c.conversation_id]
        changes: dict[Key, list[Row[tuple[object, ...]]]] = defaultdict(list)
        for change in await select_by_keys(connection, _CHANGE_COLUMNS, by_conversation, closed):
            changes[(change.account_id, change.conversation_id)].append(change)  # type: ignore[index]
        desired: dict[tuple[object, ...], Record] = {}
        for key, conversation in closed.items():
            for row in _intervals(conversation, changes.get(key, [])):  # type: ignore[arg-type]
                desired[key_of(row)] = row
        stored = {
            key_of(r._mapping): dict(r._mapping)
            for r in await select_by_keys(
                connection,
                list(stage_intervals.columns),
                [stage_intervals.c.account_id, stage_intervals.c.conversation_id],
                chunk,
            )
        }
        await delete_rows(connection, stage_intervals, [k for k in stored if k not in desired])
        await upsert_rows(
            connection,
            stage_intervals,
            [row for key, row in desired.items() if stored.get(key) != row],
        )


def _intervals(conversation: Conversation, changes: list[Row[tuple[object, ...]]]) -> list[Record]:
    changes.sort(key=lambda c: (c.entered_at, c.id))
    first_entered: dict[tuple[str, str], int] = {}
    last_entry: dict[tuple[str, str], int] = {}
    for index, change in enumerate(changes):
        stage = (change.pipeline, change.stage)
        first_entered.setdefault(stage, change.entered_at)  # type: ignore[arg-type]
        last_entry[stage] = index
    rows = []
    for (pipeline, stage), index in last_entry.items():
        left = changes[index + 1].entered_at if index + 1 < len(changes) else conversation.closed_at
        rows.append(
            {
                "account_id": conversation.account_id,
                "conversation_id": conversation.id,
                "stage_pipeline": pipeline,
                "stage": stage,
                "seconds": (left - first_entered[(pipeline, stage)]) / MICROS,  # type: ignore[operator]
                "closed_at": conversation.closed_at,
                "user_id": conversation.assignee_id,
                **{name: conversation._mapping[name] for name in _COPIED},
            }
        )
    return rows
