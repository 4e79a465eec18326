"""Stage intervals of a first load of stage changes, column by column: every stage change of
each conversation is in the file (the table was empty), so the worker computes them all, as
server.ingest.stages does in SQL (the time in a stage runs from its first entry to the next
stage change after its last entry, else to the conversation's close; closed conversations
only; stage changes in time order, then ids by code point)."""

from __future__ import annotations

import polars as pl

from server.db.tables import stage_intervals
from server.ingest.columnar.durations import in_seconds

_CONVERSATION = ["account_id", "conversation_id"]
_STAGE = [*_CONVERSATION, "pipeline", "stage"]
# What an interval takes from its conversation, as (interval column, conversation column).
_FROM_CONVERSATION = {
    "closed_at": "closed_at",
    "inbox_id": "inbox_id",
    "user_id": "assignee_id",
    "customer_id": "customer_id",
    "country": "country",
    "channel": "channel",
    "team_id": "team_id",
    "theme": "theme",
    "pipeline": "pipeline",
}


def intervals(stage_changes: pl.DataFrame, closed: pl.DataFrame) -> pl.DataFrame:
    """The intervals, in the columns of their table; `closed`: the closed conversations, keyed
    by account_id and id, with their closed_at and the columns intervals take from them."""
    ordered = stage_changes.sort([*_CONVERSATION, "entered_at", "id"]).with_columns(
        first_entered=pl.col("entered_at").min().over(_STAGE),
        next_entered=pl.col("entered_at").shift(-1).over(_CONVERSATION),
    )
    last_entries = ordered.unique(_STAGE, keep="last", maintain_order=True)
    conversations = closed.select(
        "account_id",
        conversation_id="id",
        **{f"c_{name}": column for name, column in _FROM_CONVERSATION.items()},
    )
    joined = last_entries.join(conversations, on=_CONVERSATION, how="inner")
    left = pl.coalesce("next_entered", "c_closed_at")
    timed = in_seconds(joined, left - pl.col("first_entered"), "seconds")
    return timed.select(
        pl.col("account_id"),
        pl.col("conversation_id"),
        pl.col("pipeline").alias("stage_pipeline"),
        pl.col("stage"),
        pl.col("seconds"),
        *(pl.col(f"c_{name}").alias(name) for name in _FROM_CONVERSATION),
    ).select(column.name for column in stage_intervals.columns)
