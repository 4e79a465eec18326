"""Productivity: how long customers wait for replies and for a conversation to close.

Every duration is in seconds and aggregated in the database: count, mean, median and 90th
percentile (interpolated like PostgreSQL's percentile_cont), min and max.
"""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import BigInteger, Column, ColumnElement, Float, Table, cast, literal, type_coerce

from server.db.types import MICROS
from server.hookspecs import hookimpl
from server.metrics.declarations import (
    Average,
    Count,
    Expression,
    Max,
    Metric,
    Min,
    PartValue,
    Percentile,
)
from server.metrics.facts import (
    CONVERSATIONS_CLOSED,
    CONVERSATIONS_FIRST_RESPONSE,
    MESSAGES,
    Fact,
)

FIELDS = ("count", "average", "median", "p90", "min", "max")


@strawberry.type(description="Durations in seconds.")
class Durations:
    count: int
    average: float | None
    median: float | None
    p90: float | None = strawberry.field(description="90th percentile")
    min: float | None
    max: float | None


def _micros(column: Column[Any]) -> ColumnElement[int]:
    # timestamps as their stored integers, not converted to datetimes
    return type_coerce(column, BigInteger)


def since_created(end: str) -> Expression:
    """Seconds from a conversation's creation to its column `end`."""

    def seconds(t: Table) -> ColumnElement[float]:
        elapsed = _micros(t.c[end]) - _micros(t.c.created_at)
        return cast(elapsed, Float()) / literal(float(MICROS), Float)

    return seconds


def durations(
    name: str,
    description: str,
    fact: Fact,
    seconds: Expression,
    where: Expression | None = None,
) -> Metric:
    return Metric(
        name=name,
        description=description,
        fact=fact,
        where=where,
        parts={
            "count": Count(),
            "average": Average(seconds),
            "median": Percentile(seconds, 0.5),
            "p90": Percentile(seconds, 0.9),
            "min": Min(seconds),
            "max": Max(seconds),
        },
        values={field: PartValue(field) for field in FIELDS},
        result=Durations,
    )


FIRST_RESPONSE_TIME = durations(
    "firstResponseTime",
    "Seconds from creation to the first human reply, for first replies in the period.",
    CONVERSATIONS_FIRST_RESPONSE,
    since_created("first_response_at"),
)

RESPONSE_TIME = durations(
    "responseTime",
    "Seconds from the first customer message after the previous human reply to each human "
    "reply in the period (replies answering no customer message are skipped).",
    MESSAGES,
    lambda t: t.c.response_seconds,
    where=lambda t: t.c.is_human_reply & t.c.response_seconds.is_not(None),
)

TIME_TO_CLOSE = durations(
    "timeToClose",
    "Seconds from creation to closing, for conversations closed in the period.",
    CONVERSATIONS_CLOSED,
    since_created("closed_at"),
)

CHAT_WAIT_TIME = durations(
    "chatWaitTime",
    "The first response time of chats: seconds from creation to the first human reply.",
    CONVERSATIONS_FIRST_RESPONSE,
    since_created("first_response_at"),
    where=lambda t: t.c.channel == "chat",
)


@hookimpl
def rapport_metrics() -> list[Metric]:
    return [FIRST_RESPONSE_TIME, RESPONSE_TIME, TIME_TO_CLOSE, CHAT_WAIT_TIME]
