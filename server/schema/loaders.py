"""Per-request DataLoaders: every nested lookup is one batched statement per level of a query.

Loaders live in `Context.cache`, made on first use, so all resolvers at one depth of a query share
one; strawberry's DataLoader gathers the keys they ask for into one statement. The number of
statements thus follows the query's shape, never the number of rows. Every statement here carries
the request's Scope for each table it reads. Loaders hand out rows; record types make objects.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Executable, Row, Table, and_, select
from strawberry.dataloader import DataLoader

from server.db.tables import team_members
from server.schema.context import Context
from server.schema.pagination import (
    Connection,
    ListQuery,
    Page,
    checked_first,
    connection,
    page_of,
    split_pages,
)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
Node = TypeVar("Node")

# Keys per statement: far beyond what one level of a query asks for (pages are at most 100 rows),
# and under the bind-parameter limits of both databases.
MAX_BATCH = 10_000
_OWNER = "_owner"  # the key a linked row was loaded for


async def fetch(context: Context, statement: Executable) -> Sequence[Row[*tuple[Any, ...]]]:
    async with context.engine.connect() as connection:
        return (await connection.execute(statement)).all()


def _loader(
    context: Context, key: Hashable, load: Callable[[list[K]], Awaitable[list[V]]]
) -> DataLoader[K, V]:
    """The request's loader under `key`, made on first use."""
    cache = context.cache
    if key not in cache:
        cache[key] = DataLoader(load_fn=load, max_batch_size=MAX_BATCH)
    return cache[key]


def row_by(
    context: Context, column: ColumnElement[Any]
) -> DataLoader[Hashable, Row[*tuple[Any, ...]] | None]:
    """The visible row of `column`'s table whose unique `column` is the key (an id, a number)."""
    table = column.table

    async def load(keys: list[Hashable]) -> list[Row[*tuple[Any, ...]] | None]:
        statement = select(table).where(context.scope.where(table), column.in_(keys))
        found = {row._mapping[column.name]: row for row in await fetch(context, statement)}
        return [found.get(key) for key in keys]

    return _loader(context, ("row", table.name, column.name), load)


def rows_by(
    context: Context, column: ColumnElement[Any], order_by: Sequence[ColumnElement[Any]]
) -> DataLoader[Hashable, list[Row[*tuple[Any, ...]]]]:
    """The visible rows of `column`'s table whose `column` is the key (a conversation's ratings)."""
    table = column.table

    async def load(keys: list[Hashable]) -> list[list[Row[*tuple[Any, ...]]]]:
        statement = (
            select(table)
            .where(context.scope.where(table), column.in_(keys))
            .order_by(column, *order_by)
        )
        return _grouped(await fetch(context, statement), column.name, keys)

    return _loader(context, ("rows", table.name, column.name), load)


def linked_rows(
    context: Context, table: Table, *, link: str, key: str
) -> DataLoader[str, list[Row[*tuple[Any, ...]]]]:
    """Rows of `table` joined through team_members, by name: a user's teams, a team's members.

    `link` is the team_members column pointing at `table`, `key` the one holding the loader key.
    """

    async def load(keys: list[str]) -> list[list[Row[*tuple[Any, ...]]]]:
        joined = table.join(
            team_members,
            and_(
                team_members.c.account_id == table.c.account_id,
                team_members.c[link] == table.c.id,
            ),
        )
        statement = (
            select(table, team_members.c[key].label(_OWNER))
            .select_from(joined)
            .where(
                context.scope.where(table),
                context.scope.where(team_members),
                team_members.c[key].in_(keys),
            )
            .order_by(table.c.name, table.c.id)
        )
        return _grouped(await fetch(context, statement), _OWNER, keys)

    return _loader(context, ("linked", table.name, key), load)


def _grouped(
    rows: Sequence[Row[*tuple[Any, ...]]], name: str, keys: list[K]
) -> list[list[Row[*tuple[Any, ...]]]]:
    grouped: dict[Hashable, list[Row[*tuple[Any, ...]]]] = {}
    for row in rows:
        grouped.setdefault(row._mapping[name], []).append(row)
    return [grouped.get(key, []) for key in keys]


async def root_connection(
    context: Context,
    query: ListQuery,
    *,
    first: int | None,
    after: str | None,
    node: Callable[[Row[*tuple[Any, ...]]], Node],
) -> Connection[Node]:
    """One page of a list, in one statement (and one more when totalCount is selected)."""
    first = checked_first(first, context.settings.limits)
    rows = await fetch(context, query.starting_after(after).page(first))

    async def count() -> int:
        return (await fetch(context, query.count()))[0][0]

    return connection(page_of(rows, first, query.ordering), node, count)


async def nested_connection(
    context: Context,
    *,
    key: Hashable,
    query: ListQuery,
    parent: ColumnElement[Any],
    parent_id: Hashable,
    first: int | None,
    after: str | None,
    node: Callable[[Row[*tuple[Any, ...]]], Node],
) -> Connection[Node]:
    """The page of one parent's list, fetched with every parent's page at this level.

    `key` must identify `query` (the kind of list and its criteria): parents asking with the same
    key, `first` and `after` share one statement; totalCount is one grouped count per key.
    """
    first = checked_first(first, context.settings.limits)
    page_query = query.starting_after(after)  # a bad cursor fails here, on this field

    async def load_pages(parents: list[Hashable]) -> list[Page]:
        rows = await fetch(context, page_query.pages(parent, parents, first))
        return split_pages(rows, parents, first, query.ordering)

    async def load_counts(parents: list[Hashable]) -> list[int]:
        counts = {p: n for p, n in await fetch(context, query.counts(parent, parents))}
        return [counts.get(p, 0) for p in parents]

    pages = _loader(context, ("pages", key, first, after), load_pages)
    counts = _loader(context, ("counts", key), load_counts)
    return connection(await pages.load(parent_id), node, lambda: counts.load(parent_id))
