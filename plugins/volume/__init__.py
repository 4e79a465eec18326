"""Volume (Help Scout's company report): conversations, replies and customers helped.

Each field counts its own fact at its own time: conversations by creation or by closing, messages
by when they were sent. Reply counts (resolved, first-reply resolution) are over the
conversation's whole life, as derived at import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry

from server.hookspecs import hookimpl
from server.metrics.declarations import (
    LOCAL_WEEKDAY,
    Count,
    CountDistinct,
    Metric,
    PartValue,
    PerDay,
)
from server.metrics.facts import CONVERSATIONS_CLOSED, CONVERSATIONS_CREATED, MESSAGES
from server.metrics.time import Days
from server.metrics.weekday import WEEKDAYS, Weekday


@strawberry.type(description="Conversations, replies and customers helped.")
class Volume:
    created: int = strawberry.field(description="conversations created (spam excluded)")
    closed: int = strawberry.field(description="conversations closed")
    resolved: int = strawberry.field(description="closed conversations with a human reply")
    resolved_on_first_reply: int = strawberry.field(
        description="closed conversations with exactly one human reply"
    )
    messages_received: int = strawberry.field(description="customer messages")
    replies_sent: int = strawberry.field(description="human replies")
    customers_helped: int = strawberry.field(
        description="distinct customers of conversations that got a human reply"
    )
    per_day: float = strawberry.field(description="created / days")
    busiest_day: Weekday | None = strawberry.field(
        description="the weekday with the highest mean of created per occurrence; ties to the "
        "earlier weekday"
    )


def busiest_day(created_by_weekday: Mapping[int, int], days: Days) -> Weekday | None:
    """The local weekday with the most conversations created per occurrence of it in `days`."""
    occurrences = days.weekday_occurrences()
    means = {
        weekday: count / occurrences[weekday]
        for weekday, count in created_by_weekday.items()
        if count
    }
    if not means:
        return None
    best = max(means.values())
    return WEEKDAYS[min(weekday for weekday, mean in means.items() if mean == best)]


def _finalize(values: Mapping[str, Any], parts: Mapping[str, Any], days: Days) -> Volume:
    return Volume(**values, busiest_day=busiest_day(parts["created_by_weekday"], days))


def _customer(t: Any) -> Any:
    return t.c.author_type == "customer"


VOLUME = Metric(
    name="volume",
    description="Conversations created and closed, replies sent, customers helped.",
    fact=CONVERSATIONS_CREATED,
    where=lambda t: t.c.status != "spam",
    parts={
        "created": Count(),
        "created_by_weekday": Count(by=LOCAL_WEEKDAY),
        "closed": Count(fact=CONVERSATIONS_CLOSED),
        "resolved": Count(lambda t: t.c.human_replies >= 1, fact=CONVERSATIONS_CLOSED),
        "resolved_on_first_reply": Count(
            lambda t: t.c.human_replies == 1, fact=CONVERSATIONS_CLOSED
        ),
        "messages_received": Count(_customer, fact=MESSAGES),
        "replies_sent": Count(lambda t: t.c.is_human_reply, fact=MESSAGES),
        "customers_helped": CountDistinct(
            lambda t: t.c.customer_id, lambda t: t.c.is_human_reply, fact=MESSAGES
        ),
    },
    values={
        "created": PartValue("created"),
        "closed": PartValue("closed"),
        "resolved": PartValue("resolved"),
        "resolvedOnFirstReply": PartValue("resolved_on_first_reply"),
        "messagesReceived": PartValue("messages_received"),
        "repliesSent": PartValue("replies_sent"),
        "customersHelped": PartValue("customers_helped"),
        "perDay": PerDay("created"),
    },
    result=Volume,
    finalize=_finalize,
    field_parts={"busiestDay": ("created_by_weekday",)},
)


@hookimpl
def rapport_metrics() -> list[Metric]:
    return [VOLUME]
