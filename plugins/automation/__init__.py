"""Automation: closed conversations a bot handled alone."""

from __future__ import annotations

import strawberry

from server.hookspecs import hookimpl
from server.metrics.declarations import Count, Metric, PartValue, Percent
from server.metrics.facts import CONVERSATIONS_CLOSED


@strawberry.type(description="Closed conversations answered by bots only.")
class Automation:
    rate: float | None = strawberry.field(description="automated / closed × 100")
    automated: int = strawberry.field(
        description="closed conversations with at least one bot reply and no human reply"
    )
    closed: int = strawberry.field(description="conversations closed in the period")


AUTOMATION = Metric(
    name="automation",
    description="Share of the conversations closed in the period that only bots replied to.",
    fact=CONVERSATIONS_CLOSED,
    parts={
        "closed": Count(),
        # reply counts are over the conversation's whole life, derived at import
        "automated": Count(lambda t: (t.c.bot_replies >= 1) & (t.c.human_replies == 0)),
    },
    values={
        "rate": Percent("automated", "closed"),
        "automated": PartValue("automated"),
        "closed": PartValue("closed"),
    },
    result=Automation,
)


@hookimpl
def rapport_metrics() -> list[Metric]:
    return [AUTOMATION]
