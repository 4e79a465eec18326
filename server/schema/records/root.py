"""The root fields that read records."""

from __future__ import annotations

import strawberry
from sqlalchemy import select

from server.db.tables import (
    conversations,
    inboxes,
    teams,
    users,
)
from server.errors import UserError
from server.schema.context import Context
from server.schema.filters import (
    ConversationFilter,
    RatingFilter,
    conversation_criteria,
    rating_criteria,
)
from server.schema.loaders import (
    fetch,
    root_connection,
    row_by,
)
from server.schema.pagination import DEFAULT_FIRST, Connection, ListQuery, Ordering
from server.schema.records.plain import Inbox
from server.schema.records.types import (
    Conversation,
    Rating,
    Team,
    User,
    conversation_page,
    rating_page,
    record,
)

Info = strawberry.Info[Context, None]


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
        return await record(info, users.c.id, id, User.from_row)

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
