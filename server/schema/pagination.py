"""Keyset pagination: connection types, opaque cursors and the SQL of one or many pages.

A list is sorted by a tuple of non-null keys whose last one is the row id, so every row has one
position. A cursor is that position (base64 JSON, tagged with the ordering's name so a cursor of
another list is refused). The next page is "the rows after this position", a row-value comparison
an index serves, never an OFFSET: pages stay cheap and stable however far a client walks.

Nested lists (each user's ratings, each conversation's messages) are fetched for all parents in one
statement: `row_number() over (partition by parent order by keys)` keeps `first + 1` rows per
parent, the extra row telling whether a next page exists.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

import strawberry
from sqlalchemy import (
    ColumnElement,
    FromClause,
    Row,
    Select,
    func,
    literal,
    select,
    tuple_,
)

from server.errors import UserError
from server.settings import Limits

Node = TypeVar("Node")
DEFAULT_FIRST = 20
_PARENT = "_parent"
_RANK = "_rank"


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")


@strawberry.type
class Edge(Generic[Node]):
    cursor: str
    node: Node


@strawberry.type
class Connection(Generic[Node]):
    edges: list[Edge[Node]]
    page_info: PageInfo
    # Counting is a statement of its own, run only when a client selects totalCount.
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="Rows in the whole list, all pages together.")
    async def total_count(self) -> int:
        return await self.count()


@dataclass(frozen=True, eq=False)  # eq would compare SQL expressions
class Ordering:
    """How a list is sorted: non-null key expressions, the last one unique (the id)."""

    name: str  # tags cursors, e.g. "ratings:SCORE"
    keys: tuple[ColumnElement[Any], ...]
    descending: bool = False

    def order_by(self) -> list[ColumnElement[Any]]:
        return [key.desc() if self.descending else key.asc() for key in self.keys]

    def labelled_keys(self) -> list[ColumnElement[Any]]:
        return [key.label(f"_key{i}") for i, key in enumerate(self.keys)]

    def cursor(self, row: Row[*tuple[Any, ...]]) -> str:
        values = [row._mapping[f"_key{i}"] for i in range(len(self.keys))]
        return base64.urlsafe_b64encode(json.dumps([self.name, values]).encode()).decode()

    def after(self, cursor: str) -> ColumnElement[bool]:
        """The rows after a cursor's position."""
        values = self._decode(cursor)
        # Typed binds: the values reach SQL as parameters of each key's own type.
        position = tuple_(*[literal(v, key.type) for key, v in zip(self.keys, values, strict=True)])
        keys = tuple_(*self.keys)
        return keys < position if self.descending else keys > position

    def _decode(self, cursor: str) -> list[str | int]:
        try:
            name, values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        except (ValueError, TypeError, binascii.Error):
            raise UserError("after: not a cursor (pass a pageInfo.endCursor)") from None
        valid = (
            name == self.name
            and isinstance(values, list)
            and len(values) == len(self.keys)
            and all(_fits(key, value) for key, value in zip(self.keys, values, strict=False))
        )
        if not valid:
            raise UserError("after: this cursor belongs to another list or ordering")
        return values


def _fits(key: ColumnElement[Any], value: object) -> bool:
    """Whether a decoded cursor value has the key's Python type (a forged cursor may not)."""
    return isinstance(value, key.type.python_type) and not isinstance(value, bool)


@dataclass(frozen=True, eq=False)
class ListQuery:
    """The rows of a list: what a row holds, where it comes from, which rows and their order.

    `where` must already hold the Scope condition of every table `source` reads.
    """

    columns: Sequence[ColumnElement[Any]]
    source: FromClause
    where: Sequence[ColumnElement[bool]]
    ordering: Ordering

    def starting_after(self, cursor: str | None) -> ListQuery:
        if cursor is None:
            return self
        return replace(self, where=[*self.where, self.ordering.after(cursor)])

    def page(self, first: int) -> Select[Any]:
        """One page, plus one row to tell whether another follows."""
        return (
            select(*self.columns, *self.ordering.labelled_keys())
            .select_from(self.source)
            .where(*self.where)
            .order_by(*self.ordering.order_by())
            .limit(first + 1)
        )

    def pages(self, parent: ColumnElement[Any], parents: Sequence[Hashable], first: int) -> Select:
        """A page per parent, in one statement; rows carry their parent as `_parent`."""
        rank = func.row_number().over(partition_by=parent, order_by=self.ordering.order_by())
        ranked = (
            select(*self.columns, *self.ordering.labelled_keys(), parent.label(_PARENT))
            .add_columns(rank.label(_RANK))
            .select_from(self.source)
            .where(*self.where, parent.in_(parents))
            .subquery()
        )
        return (
            select(ranked)
            .where(ranked.c[_RANK] <= first + 1)
            .order_by(ranked.c[_PARENT], ranked.c[_RANK])
        )

    def count(self) -> Select[Any]:
        return select(func.count()).select_from(self.source).where(*self.where)

    def counts(self, parent: ColumnElement[Any], parents: Sequence[Hashable]) -> Select[Any]:
        """`(parent, count)` rows for the parents that have any."""
        return (
            select(parent, func.count())
            .select_from(self.source)
            .where(*self.where, parent.in_(parents))
            .group_by(parent)
        )


@dataclass(frozen=True, eq=False)
class Page:
    rows: Sequence[Row[*tuple[Any, ...]]]
    has_next: bool
    ordering: Ordering


def page_of(rows: Sequence[Row[*tuple[Any, ...]]], first: int, ordering: Ordering) -> Page:
    """The page in `rows` fetched with one row too many."""
    return Page(rows[:first], len(rows) > first, ordering)


def split_pages(
    rows: Sequence[Row[*tuple[Any, ...]]],
    parents: Sequence[Hashable],
    first: int,
    ordering: Ordering,
) -> list[Page]:
    """The pages of `pages()` rows, one per parent in the order asked."""
    by_parent: dict[Hashable, list[Row[*tuple[Any, ...]]]] = {}
    for row in rows:
        by_parent.setdefault(row._mapping[_PARENT], []).append(row)
    return [page_of(by_parent.get(parent, []), first, ordering) for parent in parents]


def checked_first(first: int | None, limits: Limits) -> int:
    if first is None:
        return DEFAULT_FIRST
    if first < 0:
        raise UserError(f"first: must be 0 or more, got {first}")
    if first > limits.max_first:
        raise UserError(f"first: {first} is over the limit of {limits.max_first} rows per page")
    return first


def connection(
    page: Page, node: Callable[[Row[*tuple[Any, ...]]], Node], count: Callable[[], Awaitable[int]]
) -> Connection[Node]:
    edges = [Edge(cursor=page.ordering.cursor(row), node=node(row)) for row in page.rows]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None
        ),
        count=count,
    )
