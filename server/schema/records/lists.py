"""The visible rows of record lists, in their order: what pages and loaders read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    FromClause,
    Integer,
    and_,
    cast,
    func,
    type_coerce,
)

from server.db.tables import (
    conversations,
    ratings,
)
from server.schema.context import Context
from server.schema.filters import (
    RatingOrder,
)
from server.schema.pagination import ListQuery, Ordering


def stored_micros(column: ColumnElement[Any]) -> ColumnElement[int]:
    """A Timestamp column as its stored integer: sort keys and cursors use the raw value."""
    return type_coerce(column, BigInteger)


def rating_list(
    context: Context,
    where: Sequence[ColumnElement[bool]],
    order_by: RatingOrder,
    descending: bool,
) -> ListQuery:
    """Visible ratings matching `where`, in the order asked, ties broken by id."""
    source: FromClause = ratings
    keys: tuple[ColumnElement[Any], ...]
    if order_by is RatingOrder.NUMBER:
        # The number is the conversation's, read only where the Scope sees that conversation.
        source = ratings.outerjoin(
            conversations,
            and_(
                conversations.c.account_id == ratings.c.account_id,
                conversations.c.id == ratings.c.conversation_id,
                context.scope.where(conversations),
            ),
        )
        number = conversations.c.number
        # Ratings without a (visible) conversation come last in both directions.
        missing = number.is_not(None) if descending else number.is_(None)
        keys = (cast(missing, Integer), func.coalesce(number, 0), ratings.c.id)
    elif order_by is RatingOrder.SCORE:
        keys = (ratings.c.score, ratings.c.id)
    else:
        keys = (stored_micros(ratings.c.created_at), ratings.c.id)
    direction = "desc" if descending else "asc"
    return ListQuery(
        columns=list(ratings.c),
        source=source,
        where=[context.scope.where(ratings), *where],
        ordering=Ordering(f"ratings:{order_by.name}:{direction}", keys, descending),
    )


def conversation_list(context: Context, where: Sequence[ColumnElement[bool]]) -> ListQuery:
    """Visible conversations matching `where`, oldest first, ties broken by id."""
    keys = (stored_micros(conversations.c.created_at), conversations.c.id)
    return ListQuery(
        columns=list(conversations.c),
        source=conversations,
        where=[context.scope.where(conversations), *where],
        ordering=Ordering("conversations:CREATED_AT", keys),
    )
