"""Drill-down: the ratings and conversations behind a report's numbers, under the same filter.

Inside a User/Team/Inbox report, the records of every entity of the request are listed in one
batched statement per field.
"""

from __future__ import annotations

from typing import Any

from strawberry.types import Info

from server.db.tables import ratings
from server.errors import UserError
from server.metrics.facts import CONVERSATIONS_CREATED, RATINGS, Fact
from server.metrics.sql import Rows, dimension_expression, instant
from server.schema.context import Context
from server.schema.filters import Survey, score_values
from server.schema.pagination import Connection
from server.schema.records.types import (
    Conversation,
    Rating,
    conversation_page,
    nested_conversation_page,
    nested_rating_page,
    rating_page,
)
from server.schema.report.filter import DIMENSIONS
from server.schema.report.request import Node


async def drill_down_ratings(
    node: Node,
    info: Info[Context, None],
    first: int | None,
    after: str | None,
    surveys: list[Survey] | None,
    scores: list[int] | None,
) -> Connection[Rating]:
    where = drill_down_conditions(node, RATINGS)
    if surveys:
        where.append(ratings.c.survey.in_([s.value for s in surveys]))
    if scores:
        where.append(ratings.c.score.in_(score_values(scores)))
    entity = entity_column(node, RATINGS)
    if entity is None:
        return await rating_page(
            info.context, where=where, descending=True, first=first, after=after
        )
    key = (path_key(info), node.context.filter, tuple(surveys or ()), tuple(scores or ()))
    return await nested_rating_page(
        info.context,
        key=(*key, first, after),
        parent=entity,
        parent_id=node.key[0],
        where=where,
        descending=True,
        first=first,
        after=after,
    )


async def drill_down_conversations(
    node: Node, info: Info[Context, None], first: int | None, after: str | None
) -> Connection[Conversation]:
    where = drill_down_conditions(node, CONVERSATIONS_CREATED)
    entity = entity_column(node, CONVERSATIONS_CREATED)
    if entity is None:
        return await conversation_page(info.context, where=where, first=first, after=after)
    return await nested_conversation_page(
        info.context,
        key=(path_key(info), node.context.filter, first, after),
        parent=entity,
        parent_id=node.key[0],
        where=where,
        first=first,
        after=after,
    )


def drill_down_conditions(node: Node, fact: Fact) -> list[Any]:
    """The report's filter as conditions on the records of a fact (ratings, conversations)."""
    period = node.context.filter.period
    conditions = [instant(fact) >= period.start, instant(fact) < period.end]
    for name, values in node.context.filter.values:
        dimension = DIMENSIONS[name]
        if not dimension.applies_to(fact):
            raise UserError(f"{fact.table_name} cannot be filtered by `{dimension.filter}`")
        conditions.append(dimension_expression(dimension, Rows(fact), period).in_(values))
    return conditions


def entity_column(node: Node, fact: Fact) -> Any | None:
    """In a User/Team/Inbox report, the fact's column holding the entity: records are listed
    per entity, in one statement for all entities of the request."""
    if node.context.entity is None:
        return None
    dimension = DIMENSIONS[node.context.entity]
    return fact.table.c[dimension.columns[fact.table_name]]


def path_key(info: Info[Context, Any]) -> tuple[str, ...]:
    """The field's path without list indexes: the same for every entity of a list."""
    return tuple(key for key in info.path.as_list() if isinstance(key, str))
