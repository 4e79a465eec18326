"""Records with relations (teams, users, messages, conversations, ratings) and their pages."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import strawberry
from sqlalchemy import (
    ColumnElement,
    Row,
)
from strawberry import Private

from server.db.tables import (
    conversations,
    customers,
    inboxes,
    messages,
    ratings,
    stage_changes,
    teams,
    transactions,
    users,
)
from server.schema.context import Context
from server.schema.filters import (
    ConversationFilter,
    ConversationStatus,
    RatingFilter,
    RatingOrder,
    Survey,
    conversation_criteria,
    rating_criteria,
)
from server.schema.loaders import (
    linked_rows,
    nested_connection,
    root_connection,
    row_by,
    rows_by,
)
from server.schema.pagination import DEFAULT_FIRST, Connection, ListQuery, Ordering
from server.schema.records.entity_report import entity_report_field
from server.schema.records.enums import HAPPINESS_LABELS, AuthorType, MessageKind, RatingLabel
from server.schema.records.lists import conversation_list, rating_list, stored_micros
from server.schema.records.plain import Customer, Inbox, StageChange, Transaction

Info = strawberry.Info[Context, None]
T = TypeVar("T")


async def record(
    info: Info,
    column: ColumnElement[Any],
    key: Hashable | None,
    make: Callable[[Row[*tuple[Any, ...]]], T],
) -> T | None:
    """The record whose unique `column` is `key`, batched with its siblings; None if invisible."""
    if key is None:
        return None
    row = await row_by(info.context, column).load(key)
    return None if row is None else make(row)


@strawberry.type
class Team:
    id: strawberry.ID
    name: str

    @classmethod
    def from_row(cls, row: Row[*tuple[Any, ...]]) -> Team:
        return cls(id=strawberry.ID(row.id), name=row.name)

    report = entity_report_field("TEAM", "team")

    @strawberry.field
    async def members(self, info: Info) -> list[User]:
        rows = await linked_rows(info.context, users, link="user_id", key="team_id").load(self.id)
        return [User.from_row(row) for row in rows]


@strawberry.type
class User:
    id: strawberry.ID
    name: str
    email: str | None
    is_bot: bool

    @classmethod
    def from_row(cls, row: Row[*tuple[Any, ...]]) -> User:
        return cls(id=strawberry.ID(row.id), name=row.name, email=row.email, is_bot=row.is_bot)

    @strawberry.field
    async def teams(self, info: Info) -> list[Team]:
        rows = await linked_rows(info.context, teams, link="team_id", key="user_id").load(self.id)
        return [Team.from_row(row) for row in rows]

    report = entity_report_field("USER", "user")

    @strawberry.field(description="Ratings this user received.")
    async def ratings(
        self,
        info: Info,
        filter: RatingFilter | None = None,
        first: int | None = DEFAULT_FIRST,
        after: str | None = None,
    ) -> Connection[Rating]:
        criteria = rating_criteria(filter, info.context)
        return await nested_rating_page(
            info.context,
            key=("User.ratings", criteria),
            parent=ratings.c.user_id,
            parent_id=self.id,
            where=criteria.conditions(),
            order_by=criteria.order_by,
            descending=criteria.descending,
            first=first,
            after=after,
        )

    @strawberry.field(description="Conversations assigned to this user.")
    async def conversations(
        self,
        info: Info,
        filter: ConversationFilter | None = None,
        first: int | None = DEFAULT_FIRST,
        after: str | None = None,
    ) -> Connection[Conversation]:
        criteria = conversation_criteria(filter, info.context)
        return await nested_conversation_page(
            info.context,
            key=("User.conversations", criteria),
            parent=conversations.c.assignee_id,
            parent_id=self.id,
            where=criteria.conditions(),
            first=first,
            after=after,
        )


@strawberry.type
class Message:
    id: strawberry.ID
    author_type: AuthorType
    kind: MessageKind
    created_at: datetime
    author_id: Private[str | None]

    @classmethod
    def from_row(cls, row: Row[*tuple[Any, ...]]) -> Message:
        return cls(
            id=strawberry.ID(row.id),
            author_type=AuthorType(row.author_type),
            kind=MessageKind(row.kind),
            created_at=row.created_at,
            author_id=row.author_id,
        )

    @strawberry.field(description="The user or bot who wrote it; null for customer messages.")
    async def author(self, info: Info) -> User | None:
        return await record(info, users.c.id, self.author_id, User.from_row)


@strawberry.type
class Conversation:
    id: strawberry.ID
    number: int
    status: ConversationStatus
    channel: str
    theme: str | None
    pipeline: str | None
    created_at: datetime
    closed_at: datetime | None
    first_response_at: datetime | None = strawberry.field(description="The first human reply.")
    inbox_id: Private[str]
    customer_id: Private[str | None]
    assignee_id: Private[str | None]
    team_id: Private[str | None]

    @classmethod
    def from_row(cls, row: Row[*tuple[Any, ...]]) -> Conversation:
        return cls(
            id=strawberry.ID(row.id),
            number=row.number,
            status=ConversationStatus(row.status),
            channel=row.channel,
            theme=row.theme,
            pipeline=row.pipeline,
            created_at=row.created_at,
            closed_at=row.closed_at,
            first_response_at=row.first_response_at,
            inbox_id=row.inbox_id,
            customer_id=row.customer_id,
            assignee_id=row.assignee_id,
            team_id=row.team_id,
        )

    @strawberry.field
    async def inbox(self, info: Info) -> Inbox | None:
        return await record(info, inboxes.c.id, self.inbox_id, Inbox.from_row)

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        return await record(info, customers.c.id, self.customer_id, Customer.from_row)

    @strawberry.field
    async def assignee(self, info: Info) -> User | None:
        return await record(info, users.c.id, self.assignee_id, User.from_row)

    @strawberry.field
    async def team(self, info: Info) -> Team | None:
        return await record(info, teams.c.id, self.team_id, Team.from_row)

    @strawberry.field(description="Oldest first.")
    async def messages(
        self, info: Info, first: int | None = DEFAULT_FIRST, after: str | None = None
    ) -> Connection[Message]:
        ordering = Ordering(
            "messages:CREATED_AT", (stored_micros(messages.c.created_at), messages.c.id)
        )
        query = ListQuery(
            columns=list(messages.c),
            source=messages,
            where=[info.context.scope.where(messages)],
            ordering=ordering,
        )
        return await nested_connection(
            info.context,
            key="Conversation.messages",
            query=query,
            parent=messages.c.conversation_id,
            parent_id=self.id,
            first=first,
            after=after,
            node=Message.from_row,
        )

    @strawberry.field(description="Oldest first.")
    async def ratings(self, info: Info) -> list[Rating]:
        order = (ratings.c.created_at, ratings.c.id)
        rows = await rows_by(info.context, ratings.c.conversation_id, order).load(self.id)
        return [Rating.from_row(row) for row in rows]

    @strawberry.field(description="Oldest first.")
    async def transactions(self, info: Info) -> list[Transaction]:
        order = (transactions.c.created_at, transactions.c.id)
        rows = await rows_by(info.context, transactions.c.conversation_id, order).load(self.id)
        return [Transaction.from_row(row) for row in rows]

    @strawberry.field(description="In the order they happened.")
    async def stage_changes(self, info: Info) -> list[StageChange]:
        order = (stage_changes.c.entered_at, stage_changes.c.id)
        rows = await rows_by(info.context, stage_changes.c.conversation_id, order).load(self.id)
        return [StageChange.from_row(row) for row in rows]


@strawberry.type
class Rating:
    id: strawberry.ID
    survey: Survey
    score: int
    comment: str | None
    created_at: datetime
    channel: str
    browser: str
    os: str
    country: str | None = strawberry.field(description="ISO 3166-1 alpha-2.")
    conversation_id: Private[str | None]
    user_id: Private[str | None]
    customer_id: Private[str | None]

    @classmethod
    def from_row(cls, row: Row[*tuple[Any, ...]]) -> Rating:
        return cls(
            id=strawberry.ID(row.id),
            survey=Survey(row.survey),
            score=row.score,
            comment=row.comment,
            created_at=row.created_at,
            channel=row.channel,
            browser=row.browser,
            os=row.os,
            country=row.country,
            conversation_id=row.conversation_id,
            user_id=row.user_id,
            customer_id=row.customer_id,
        )

    @strawberry.field(description="GREAT, OKAY or NOT_GOOD for happiness ratings, else null.")
    def label(self) -> RatingLabel | None:
        return HAPPINESS_LABELS.get(self.score) if self.survey is Survey.HAPPINESS else None

    @strawberry.field
    async def conversation(self, info: Info) -> Conversation | None:
        return await record(info, conversations.c.id, self.conversation_id, Conversation.from_row)

    @strawberry.field(description="The rated user.")
    async def user(self, info: Info) -> User | None:
        return await record(info, users.c.id, self.user_id, User.from_row)

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        return await record(info, customers.c.id, self.customer_id, Customer.from_row)


async def rating_page(
    context: Context,
    *,
    where: Sequence[ColumnElement[bool]] = (),
    order_by: RatingOrder = RatingOrder.CREATED_AT,
    descending: bool = False,
    first: int | None = DEFAULT_FIRST,
    after: str | None = None,
) -> Connection[Rating]:
    """A page of the visible ratings matching `where` (conditions on the ratings table)."""
    query = rating_list(context, where, order_by, descending)
    return await root_connection(context, query, first=first, after=after, node=Rating.from_row)


async def conversation_page(
    context: Context,
    *,
    where: Sequence[ColumnElement[bool]] = (),
    first: int | None = DEFAULT_FIRST,
    after: str | None = None,
) -> Connection[Conversation]:
    """A page of the visible conversations matching `where` (conditions on conversations)."""
    query = conversation_list(context, where)
    return await root_connection(
        context, query, first=first, after=after, node=Conversation.from_row
    )


async def nested_rating_page(
    context: Context,
    *,
    key: Hashable,
    parent: ColumnElement[Any],
    parent_id: Hashable,
    where: Sequence[ColumnElement[bool]] = (),
    order_by: RatingOrder = RatingOrder.CREATED_AT,
    descending: bool = False,
    first: int | None = DEFAULT_FIRST,
    after: str | None = None,
) -> Connection[Rating]:
    """One parent's page of ratings (`parent`: a ratings column, e.g. user_id), batched.

    Every call with the same `key` (which must identify `where` and the ordering) during one level
    of the query is answered by one statement; totalCount by one grouped count.
    """
    return await nested_connection(
        context,
        key=key,
        query=rating_list(context, where, order_by, descending),
        parent=parent,
        parent_id=parent_id,
        first=first,
        after=after,
        node=Rating.from_row,
    )


async def nested_conversation_page(
    context: Context,
    *,
    key: Hashable,
    parent: ColumnElement[Any],
    parent_id: Hashable,
    where: Sequence[ColumnElement[bool]] = (),
    first: int | None = DEFAULT_FIRST,
    after: str | None = None,
) -> Connection[Conversation]:
    """One parent's page of conversations (`parent`: a conversations column), batched."""
    return await nested_connection(
        context,
        key=key,
        query=conversation_list(context, where),
        parent=parent,
        parent_id=parent_id,
        first=first,
        after=after,
        node=Conversation.from_row,
    )
