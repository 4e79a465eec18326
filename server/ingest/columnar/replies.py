"""Reply stats of a first load of messages, column by column: every message of each conversation
is in the file (the table was empty), so the worker computes them all, as server.ingest.replies
does in SQL or in one pass (the same rules: a human reply answers the first customer message
since the previous human reply; threads in time order, at equal instants the customer's message
first, then ids by code point)."""

from __future__ import annotations

import polars as pl

from server.ingest.columnar.durations import in_seconds
from server.ingest.columnar.side import REPLY_STATS_COLUMNS


def with_response_seconds(messages: pl.DataFrame) -> pl.DataFrame:
    """The messages, in their order, with their `response_seconds`."""
    conversation = ["account_id", "conversation_id"]
    customer = pl.col("author_type") == "customer"
    human = pl.col("is_human_reply")
    threads = messages.with_row_index("row").sort(
        [*conversation, "created_at", (~customer).cast(pl.Int8), "id"]
    )
    # Each message's segment: the human replies before it in its thread.
    segment = (human.cast(pl.Int64).cum_sum() - human.cast(pl.Int64)).over(conversation)
    waiting_since = pl.col("created_at").filter(customer).min().over([*conversation, "segment"])
    waited = pl.when(human).then(pl.col("created_at") - waiting_since)
    timed = in_seconds(threads.with_columns(segment=segment), waited, "response_seconds")
    return timed.sort("row").drop("row", "segment")


def reply_stats(messages: pl.DataFrame) -> pl.DataFrame:
    """Each conversation's stats, for those with a human or bot reply (the others keep the
    stats of a conversation without messages: none, 0, 0)."""
    human = pl.col("is_human_reply")
    stats = messages.group_by("account_id", "conversation_id").agg(
        first_response_at=pl.col("created_at").filter(human).min(),
        human_replies=human.sum().cast(pl.Int64),
        bot_replies=pl.col("is_bot_reply").sum().cast(pl.Int64),
    )
    replied = (pl.col("human_replies") > 0) | (pl.col("bot_replies") > 0)
    return stats.filter(replied).rename({"conversation_id": "id"}).select(REPLY_STATS_COLUMNS)
