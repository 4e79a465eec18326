"""Shared scans: one PostgreSQL statement with GROUPING SETS for statements that read the same rows.

A dashboard asks one metric of one period several ways: the headline, a day series, a breakdown by
channel, the top agents. Planned alone, each is a statement scanning the same rows of the fact.
Statements of one fact, split, scope and filter (period included) that differ only in their
grouping are compiled here into one statement:

    SELECT g0, g1, b, GROUPING(g0, g1, b) AS gid, agg(p0), agg(p1), …
    FROM (<the rows of every member, as sql.rows_subquery gives them>) AS rows
    GROUP BY GROUPING SETS ((), (b), (g0), (g1))

Every aggregate of every grouping set is computed by PostgreSQL over exactly the rows the member
statement would have read, so every number is the one the member would have given; `GROUPING()`
tells a grouping set's rows from another's (and a NULL key from a rolled-up column). The rows are
then handed back to each member in the shape its own statement returns. A member ordered and
limited in SQL gets all its groups instead: `QueryResult.ordered_keys` orders and limits them the
same way in Python.

The number of statements stays bounded by the query's shape: at most one per (fact, split,
period, filter), at least one less per merged grouping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, tuple_

from server.metrics.declarations import Dimension
from server.metrics.planner import split_key
from server.metrics.sql import (
    PlannedPart,
    Statement,
    dimension_expression,
    part_aggregates,
    rows_subquery,
    split_expression,
)

GroupingKey = tuple[str, Any]  # ("dimension", name) | ("bucket", granularity) | ("split", index)


@dataclass(frozen=True)
class SharedScan:
    """Member statements answered by one GROUPING SETS statement."""

    members: tuple[Statement, ...]

    @property
    def first(self) -> Statement:
        return self.members[0]


def share_key(statement: Statement) -> tuple[Any, ...]:
    """Statements with equal keys read the same rows (their parts may differ)."""
    split = split_key(statement.parts[0].part.splits, statement.fact)
    calls = tuple(sorted({(p.metric.name, p.arguments) for p in statement.parts}, key=str))
    query = statement.query
    rollup = statement.rollup.name if statement.rollup else None
    return (statement.fact.name, rollup, split, calls, query.scope, query.filter)


def group_statements(statements: Sequence[Statement]) -> list[Statement | SharedScan]:
    """Statements in order, those sharing rows (and differing in grouping) as one SharedScan
    where the first of them was."""
    by_key: dict[tuple[Any, ...], list[Statement]] = {}
    for statement in statements:
        by_key.setdefault(share_key(statement), []).append(statement)
    grouped: list[Statement | SharedScan] = []
    for members in by_key.values():
        if len({_grouping(m) for m in members}) > 1:
            grouped.append(SharedScan(tuple(members)))
        else:
            grouped.extend(members)
    return grouped


def _grouping(statement: Statement) -> tuple[GroupingKey, ...]:
    """What a statement groups by, in the order of its result columns."""
    grouping = statement.query.grouping
    keys: list[GroupingKey] = [("dimension", name) for name in grouping.dimensions]
    if grouping.granularity is not None:
        keys.append(("bucket", grouping.granularity))
    keys += [("split", index) for index in range(statement.split)]
    return tuple(keys)


@dataclass(frozen=True)
class CompiledScan:
    select: Select[Any]
    key_count: int  # result columns before `gid`
    # per member: its grouping id, the result positions of its keys and of its parts' aggregates
    layouts: tuple[tuple[int, tuple[int, ...], tuple[int, ...]], ...]

    def split_rows(self, rows: Sequence[Sequence[Any]]) -> list[list[tuple[Any, ...]]]:
        """The rows of each member, shaped as its own statement would have returned them."""
        by_id: dict[int, list[Sequence[Any]]] = {}
        for row in rows:
            by_id.setdefault(row[self.key_count], []).append(row)
        return [
            [
                tuple(row[i] for i in keys) + tuple(row[i] for i in parts)
                for row in by_id.get(gid, ())
            ]
            for gid, keys, parts in self.layouts
        ]


def compile_shared(
    scan: SharedScan, dimensions: dict[str, Dimension], scope_where: ColumnElement[bool]
) -> CompiledScan:
    first = scan.first
    query, rows = first.query, first.rows
    period = query.filter.period

    keys: list[GroupingKey] = list(dict.fromkeys(k for m in scan.members for k in _grouping(m)))
    parts: list[PlannedPart] = list({p.label: p for m in scan.members for p in m.parts}.values())

    def expression(key: GroupingKey) -> ColumnElement[Any]:
        kind, value = key
        if kind == "dimension":
            return dimension_expression(dimensions[value], rows, period)
        if kind == "bucket":
            return rows.bucket_index(period, value)
        return split_expression(first.parts[0].part.splits[value], rows, period)

    grouped = [expression(key).label(f"g{i}") for i, key in enumerate(keys)]
    inner = rows_subquery(query, rows, tuple(parts), grouped, dimensions, scope_where)
    columns = [inner.c[f"g{i}"] for i in range(len(keys))]
    sets = list(dict.fromkeys(_grouping(m) for m in scan.members))
    grouping_sets = [tuple_(*[columns[keys.index(k)] for k in s]) for s in sets]
    aggregates = part_aggregates(parts, inner, rows)
    select_ = (
        select(*columns, func.grouping(*columns).label("gid"), *aggregates)
        .select_from(inner)
        .group_by(func.grouping_sets(*grouping_sets))
    )

    labels = [p.label for p in parts]
    first_aggregate = len(keys) + 1
    layouts = []
    for member in scan.members:
        member_keys = _grouping(member)
        # GROUPING(): one bit per column, the first column the most significant, set when the
        # column is not grouped in the row's set
        gid = sum(1 << (len(keys) - 1 - i) for i, k in enumerate(keys) if k not in member_keys)
        layouts.append(
            (
                gid,
                tuple(keys.index(k) for k in member_keys),
                tuple(first_aggregate + labels.index(p.label) for p in member.parts),
            )
        )
    return CompiledScan(select_, len(keys), tuple(layouts))
