"""Facts: the tables metrics read, each with the time column that places a row in a period.

One table can back several facts (a conversation counts as created on one day and closed on
another). Dimensions name columns per table, so every fact of a table shares them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table

from server.db import tables


@dataclass(frozen=True)
class Fact:
    name: str
    table: Table
    time: str  # the column whose instant must fall in the period
    description: str

    @property
    def table_name(self) -> str:
        return self.table.name


RATINGS = Fact("ratings", tables.ratings, "created_at", "ratings, by when they were given")
MESSAGES = Fact("messages", tables.messages, "created_at", "messages, by when they were sent")
TRANSACTIONS = Fact("transactions", tables.transactions, "created_at", "transactions, by date")
CONVERSATIONS_CREATED = Fact(
    "conversations_created", tables.conversations, "created_at", "conversations, by creation"
)
CONVERSATIONS_CLOSED = Fact(
    "conversations_closed", tables.conversations, "closed_at", "conversations, by closing"
)
CONVERSATIONS_FIRST_RESPONSE = Fact(
    "conversations_first_response",
    tables.conversations,
    "first_response_at",
    "conversations, by their first human reply",
)
STAGE_INTERVALS = Fact(
    "stage_intervals",
    tables.stage_intervals,
    "closed_at",
    "time spent in each pipeline stage, by when the conversation closed",
)

ALL_FACTS: tuple[Fact, ...] = (
    RATINGS,
    MESSAGES,
    TRANSACTIONS,
    CONVERSATIONS_CREATED,
    CONVERSATIONS_CLOSED,
    CONVERSATIONS_FIRST_RESPONSE,
    STAGE_INTERVALS,
)
