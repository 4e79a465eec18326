"""Record-list filters: the GraphQL inputs and the SQL conditions they stand for.

An input is first resolved into hashable criteria (periods turned into UTC instants, lists into
tuples): criteria are what per-request loaders are keyed by, and what turns into SQL conditions.
Filters combine with AND, the values inside one filter with OR, and an empty list filters nothing.
The enums live here because they are the vocabulary of both the filters and the record fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from typing import TypeVar

import strawberry
from sqlalchemy import ColumnElement, and_, or_

from server.db.tables import conversations, ratings
from server.errors import UserError
from server.metrics.time import Period, local_midnight, zone
from server.schema.context import Context

T = TypeVar("T")


@strawberry.enum(description="The survey a rating answers.")
class Survey(Enum):
    CSAT = "csat"
    NPS = "nps"
    CES = "ces"
    HAPPINESS = "happiness"


@strawberry.enum
class ConversationStatus(Enum):
    OPEN = "open"
    PENDING = "pending"
    CLOSED = "closed"
    SPAM = "spam"


@strawberry.enum(description="How a rating list is sorted; ties are broken by id.")
class RatingOrder(Enum):
    CREATED_AT = "CREATED_AT"
    SCORE = "SCORE"
    NUMBER = strawberry.enum_value(
        "NUMBER", description="The conversation's number; ratings without one come last."
    )


@strawberry.input(description="Ratings to list. Without from/to: all time.")
class RatingFilter:
    from_: date | None = strawberry.field(
        name="from", default=None, description="First local day, inclusive."
    )
    to: date | None = strawberry.field(default=None, description="Last local day, inclusive.")
    timezone: str | None = strawberry.field(
        default=None, description="IANA name; default: the account's time zone."
    )
    surveys: list[Survey] | None = None
    scores: list[int] | None = None
    users: list[strawberry.ID] | None = strawberry.field(default=None, description="Rated users.")
    inboxes: list[strawberry.ID] | None = None
    channels: list[str] | None = None
    has_comment: bool | None = strawberry.field(
        default=None, description="true: only ratings with a non-empty comment; false: without."
    )
    order_by: RatingOrder = RatingOrder.CREATED_AT
    descending: bool = False


@strawberry.input(description="Conversations to list, by creation time. Without from/to: all time.")
class ConversationFilter:
    from_: date | None = strawberry.field(
        name="from", default=None, description="First local day, inclusive."
    )
    to: date | None = strawberry.field(default=None, description="Last local day, inclusive.")
    timezone: str | None = strawberry.field(
        default=None, description="IANA name; default: the account's time zone."
    )
    statuses: list[ConversationStatus] | None = None
    channels: list[str] | None = None
    inboxes: list[strawberry.ID] | None = None
    users: list[strawberry.ID] | None = strawberry.field(default=None, description="Assignees.")
    themes: list[str] | None = None


@dataclass(frozen=True)
class Window:
    """`[start, end)` in UTC microseconds; None on a side means unbounded."""

    start: int | None = None
    end: int | None = None

    def conditions(self, column: ColumnElement[object]) -> list[ColumnElement[bool]]:
        found = []
        if self.start is not None:
            found.append(column >= self.start)
        if self.end is not None:
            found.append(column < self.end)
        return found


def period_window(
    first: date | None, last: date | None, timezone: str | None, context: Context
) -> Window:
    """The UTC window of local days [first, last]; either side may be open."""
    name = timezone or context.scope.timezone
    if first is not None and last is not None:
        period = Period.parse(first, last, name, context.settings.limits.max_period_years)
        return Window(period.start, period.end)
    tz = zone(name)  # an unknown zone is an error even when no day is given
    return Window(
        None if first is None else local_midnight(first, tz),
        None if last is None else local_midnight(last + timedelta(days=1), tz),
    )


SCORE_SCALE = range(0, 11)  # every survey's scale lies within 0 … 10 (SPEC section 7)


def score_values(scores: Iterable[int] | None) -> tuple[int, ...]:
    """A `scores` filter, each value on a survey's scale (a larger one would not even fit the
    column's type on PostgreSQL)."""
    found = _values(scores)
    for score in found:
        if score not in SCORE_SCALE:
            raise UserError(
                f"scores: {score} is on no survey's scale (scores run from "
                f"{SCORE_SCALE.start} to {SCORE_SCALE.stop - 1})"
            )
    return found


def _values(items: Iterable[T] | None) -> tuple[T, ...]:
    return tuple(dict.fromkeys(items or ()))  # de-duplicated, in the order given


def _any_of(column: ColumnElement[object], values: tuple[object, ...]) -> list[ColumnElement[bool]]:
    return [column.in_(values)] if values else []


@dataclass(frozen=True)
class RatingCriteria:
    """A resolved RatingFilter: hashable, so it can key loaders."""

    window: Window = Window()
    surveys: tuple[str, ...] = ()
    scores: tuple[int, ...] = ()
    users: tuple[str, ...] = ()
    inboxes: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    has_comment: bool | None = None
    order_by: RatingOrder = RatingOrder.CREATED_AT
    descending: bool = False

    def conditions(self) -> list[ColumnElement[bool]]:
        """Conditions on the ratings table (the Scope is added by whoever runs them)."""
        found = [
            *self.window.conditions(ratings.c.created_at),
            *_any_of(ratings.c.survey, self.surveys),
            *_any_of(ratings.c.score, self.scores),
            *_any_of(ratings.c.user_id, self.users),
            *_any_of(ratings.c.inbox_id, self.inboxes),
            *_any_of(ratings.c.channel, self.channels),
        ]
        # Ingest stores empty comments as NULL; the '' test keeps rows written otherwise right.
        has_comment = and_(ratings.c.comment.is_not(None), ratings.c.comment != "")
        if self.has_comment is True:
            found.append(has_comment)
        elif self.has_comment is False:
            found.append(or_(ratings.c.comment.is_(None), ratings.c.comment == ""))
        return found


def rating_criteria(given: RatingFilter | None, context: Context) -> RatingCriteria:
    if given is None:
        return RatingCriteria()
    return RatingCriteria(
        window=period_window(given.from_, given.to, given.timezone, context),
        surveys=_values(s.value for s in given.surveys or ()),
        scores=score_values(given.scores),
        users=_values(given.users),
        inboxes=_values(given.inboxes),
        channels=_values(given.channels),
        has_comment=given.has_comment,
        order_by=given.order_by,
        descending=given.descending,
    )


@dataclass(frozen=True)
class ConversationCriteria:
    """A resolved ConversationFilter: hashable, so it can key loaders."""

    window: Window = Window()
    statuses: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    inboxes: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()

    def conditions(self) -> list[ColumnElement[bool]]:
        """Conditions on the conversations table (the Scope is added by whoever runs them)."""
        return [
            *self.window.conditions(conversations.c.created_at),
            *_any_of(conversations.c.status, self.statuses),
            *_any_of(conversations.c.channel, self.channels),
            *_any_of(conversations.c.inbox_id, self.inboxes),
            *_any_of(conversations.c.assignee_id, self.users),
            *_any_of(conversations.c.theme, self.themes),
        ]


def conversation_criteria(
    given: ConversationFilter | None, context: Context
) -> ConversationCriteria:
    if given is None:
        return ConversationCriteria()
    return ConversationCriteria(
        window=period_window(given.from_, given.to, given.timezone, context),
        statuses=_values(s.value for s in given.statuses or ()),
        channels=_values(given.channels),
        inboxes=_values(given.inboxes),
        users=_values(given.users),
        themes=_values(given.themes),
    )
