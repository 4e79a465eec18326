"""Record types of SPEC 6.3 (Conversation, Rating, User, …), their lists and the root record fields.

Every nested field goes through a per-request loader (server.schema.loaders), so a query costs one
statement per level, whatever the number of rows. An id the Scope does not see (another account's,
or an inbox the token lacks) reads exactly as an id that does not exist: null, or absent from lists.

`rating_page` / `conversation_page` (one list) and `nested_rating_page` / `nested_conversation_page`
(one list per parent, batched) are the way other parts of the schema, such as report drill-downs,
list records with extra conditions.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    FromClause,
    Integer,
    Row,
    and_,
    cast,
    func,
    select,
    type_coerce,
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
from server.db.types import scaled_to_amount
from server.errors import UserError
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
    fetch,
    linked_rows,
    nested_connection,
    root_connection,
    row_by,
    rows_by,
)
from server.schema.pagination import DEFAULT_FIRST, Connection, ListQuery, Ordering
from server.schema.report.filter import ReportFilter

if TYPE_CHECKING:
    from server.schema.report.types import Report

Info = strawberry.Info[Context, None]
T = TypeVar("T")

# Report types (report/types.py) import this module: `Report` is named lazily.


def entity_report_field(dimension: str, entity: str) -> Any:
    """`report(filter)` of a User, Team or Inbox: the root report with the entity added."""

    async def report(
        root: Any, info: Info, filter: ReportFilter
    ) -> Annotated[Report, strawberry.lazy("server.schema.report.types")]:
        from server.schema.report.entities import resolve_entity_report

        return await resolve_entity_report(info, dimension, root.id, filter)

    return strawberry.field(
        resolver=report, description=f"The root report with this {entity} added to the filter."
    )


def _micros(column: ColumnElement[Any]) -> ColumnElement[int]:
    """A Timestamp column as its stored integer: sort keys and cursors use the raw value."""
    return type_coerce(column, BigInteger)


# --- enums ------------------------------------------------------------------------------------


@strawberry.enum(description="A happiness rating's answer.")
class RatingLabel(Enum):
    GREAT = "GREAT"
    OKAY = "OKAY"
    NOT_GOOD = "NOT_GOOD"


_HAPPINESS_LABELS = {3: RatingLabel.GREAT, 2: RatingLabel.OKAY, 1: RatingLabel.NOT_GOOD}


@strawberry.enum
class AuthorType(Enum):
    CUSTOMER = "customer"
    USER = "user"
    BOT = "bot"


@strawberry.enum
class MessageKind(Enum):
    REPLY = "reply"
    NOTE = "note"


# --- plain records ----------------------------------------------------------------------------


@strawberry.type
class Inbox:
    id: strawberry.ID
    name: str

    @classmethod
    def from_row(cls, row: Row[Any]) -> Inbox:
        return cls(id=strawberry.ID(row.id), name=row.name)

    report = entity_report_field("INBOX", "inbox")


@strawberry.type
class Customer:
    id: strawberry.ID
    name: str | None
    email: str | None
    country: str | None = strawberry.field(description="ISO 3166-1 alpha-2.")

    @classmethod
    def from_row(cls, row: Row[Any]) -> Customer:
        return cls(id=strawberry.ID(row.id), name=row.name, email=row.email, country=row.country)


@strawberry.type
class Transaction:
    id: strawberry.ID
    amount: Decimal
    currency: str = strawberry.field(description="ISO 4217.")
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row[Any]) -> Transaction:
        return cls(
            id=strawberry.ID(row.id),
            amount=_money(row.amount_scaled),
            currency=row.currency,
            created_at=row.created_at,
        )


def _money(scaled: int) -> Decimal:
    """The stored amount with at least two decimals: 129.9000 -> 129.90, 1.2345 stays."""
    amount = scaled_to_amount(scaled).normalize()
    if amount.as_tuple().exponent > -2:  # type: ignore[operator]
        amount = amount.quantize(Decimal("0.01"))
    return amount


@strawberry.type
class StageChange:
    id: strawberry.ID
    pipeline: str
    stage: str
    entered_at: datetime

    @classmethod
    def from_row(cls, row: Row[Any]) -> StageChange:
        return cls(
            id=strawberry.ID(row.id),
            pipeline=row.pipeline,
            stage=row.stage,
            entered_at=row.entered_at,
        )


# --- records with relations -------------------------------------------------------------------


async def _record(
    info: Info, column: ColumnElement[Any], key: Hashable | None, make: Callable[[Row[Any]], T]
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
    def from_row(cls, row: Row[Any]) -> Team:
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
    def from_row(cls, row: Row[Any]) -> User:
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
    def from_row(cls, row: Row[Any]) -> Message:
        return cls(
            id=strawberry.ID(row.id),
            author_type=AuthorType(row.author_type),
            kind=MessageKind(row.kind),
            created_at=row.created_at,
            author_id=row.author_id,
        )

    @strawberry.field(description="The user or bot who wrote it; null for customer messages.")
    async def author(self, info: Info) -> User | None:
        return await _record(info, users.c.id, self.author_id, User.from_row)


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
    def from_row(cls, row: Row[Any]) -> Conversation:
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
        return await _record(info, inboxes.c.id, self.inbox_id, Inbox.from_row)

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        return await _record(info, customers.c.id, self.customer_id, Customer.from_row)

    @strawberry.field
    async def assignee(self, info: Info) -> User | None:
        return await _record(info, users.c.id, self.assignee_id, User.from_row)

    @strawberry.field
    async def team(self, info: Info) -> Team | None:
        return await _record(info, teams.c.id, self.team_id, Team.from_row)

    @strawberry.field(description="Oldest first.")
    async def messages(
        self, info: Info, first: int | None = DEFAULT_FIRST, after: str | None = None
    ) -> Connection[Message]:
        ordering = Ordering("messages:CREATED_AT", (_micros(messages.c.created_at), messages.c.id))
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
    def from_row(cls, row: Row[Any]) -> Rating:
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
        return _HAPPINESS_LABELS.get(self.score) if self.survey is Survey.HAPPINESS else None

    @strawberry.field
    async def conversation(self, info: Info) -> Conversation | None:
        return await _record(info, conversations.c.id, self.conversation_id, Conversation.from_row)

    @strawberry.field(description="The rated user.")
    async def user(self, info: Info) -> User | None:
        return await _record(info, users.c.id, self.user_id, User.from_row)

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        return await _record(info, customers.c.id, self.customer_id, Customer.from_row)


# --- lists, for the root fields and for other parts of the schema ----------------------------


def rating_list(
    context: Context,
    where: Sequence[ColumnElement[bool]],
    order_by: RatingOrder,
    descending: bool,
) -> ListQuery:
    """Visible ratings matching `where`, in the order asked, ties broken by id."""
    source: FromClause = ratings
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
        keys = (_micros(ratings.c.created_at), ratings.c.id)
    direction = "desc" if descending else "asc"
    return ListQuery(
        columns=list(ratings.c),
        source=source,
        where=[context.scope.where(ratings), *where],
        ordering=Ordering(f"ratings:{order_by.name}:{direction}", keys, descending),
    )


def conversation_list(context: Context, where: Sequence[ColumnElement[bool]]) -> ListQuery:
    """Visible conversations matching `where`, oldest first, ties broken by id."""
    keys = (_micros(conversations.c.created_at), conversations.c.id)
    return ListQuery(
        columns=list(conversations.c),
        source=conversations,
        where=[context.scope.where(conversations), *where],
        ordering=Ordering("conversations:CREATED_AT", keys),
    )


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


@strawberry.type
class RecordQuery:
    """The root fields that read records (the report fields are composed in elsewhere)."""

    @strawberry.field(description="Users of the account, by name.")
    async def users(
        self, info: Info, first: int | None = DEFAULT_FIRST, after: str | None = None
    ) -> Connection[User]:
        context = info.context
        query = ListQuery(
            columns=list(users.c),
            source=users,
            where=[context.scope.where(users)],
            ordering=Ordering("users:NAME", (users.c.name, users.c.id)),
        )
        return await root_connection(context, query, first=first, after=after, node=User.from_row)

    @strawberry.field
    async def user(self, info: Info, id: strawberry.ID) -> User | None:
        return await _record(info, users.c.id, id, User.from_row)

    @strawberry.field(description="Teams of the account, by name.")
    async def teams(self, info: Info) -> list[Team]:
        statement = (
            select(teams).where(info.context.scope.where(teams)).order_by(teams.c.name, teams.c.id)
        )
        return [Team.from_row(row) for row in await fetch(info.context, statement)]

    @strawberry.field(description="Inboxes of the account, by name.")
    async def inboxes(self, info: Info) -> list[Inbox]:
        statement = (
            select(inboxes)
            .where(info.context.scope.where(inboxes))
            .order_by(inboxes.c.name, inboxes.c.id)
        )
        return [Inbox.from_row(row) for row in await fetch(info.context, statement)]

    @strawberry.field(description="A conversation by id or by number (both: they must match).")
    async def conversation(
        self, info: Info, id: strawberry.ID | None = None, number: int | None = None
    ) -> Conversation | None:
        if id is None and number is None:
            raise UserError("conversation: give an id or a number")
        if id is not None:
            row = await row_by(info.context, conversations.c.id).load(id)
        else:
            row = await row_by(info.context, conversations.c.number).load(number)
        if row is None or (number is not None and row.number != number):
            return None
        return Conversation.from_row(row)

    @strawberry.field(description="Conversations, oldest first.")
    async def conversations(
        self,
        info: Info,
        filter: ConversationFilter | None = None,
        first: int | None = DEFAULT_FIRST,
        after: str | None = None,
    ) -> Connection[Conversation]:
        criteria = conversation_criteria(filter, info.context)
        return await conversation_page(
            info.context, where=criteria.conditions(), first=first, after=after
        )

    @strawberry.field
    async def ratings(
        self,
        info: Info,
        filter: RatingFilter | None = None,
        first: int | None = DEFAULT_FIRST,
        after: str | None = None,
    ) -> Connection[Rating]:
        criteria = rating_criteria(filter, info.context)
        return await rating_page(
            info.context,
            where=criteria.conditions(),
            order_by=criteria.order_by,
            descending=criteria.descending,
            first=first,
            after=after,
        )
