"""Compiling a planned statement into SQLAlchemy Core: the only place report SQL is written.

Shape of every statement (one per fact of a query):

    SELECT g0, g1, b, k0, agg(p0), agg(p1), …
    FROM (SELECT <dimension> AS g0, …, <bucket> AS b, <split> AS k0, …,
                 CASE WHEN <metric and part condition> THEN <input> END AS p0, …
          FROM <fact table>
          WHERE <scope> AND <time in period> AND <filters> AND (<any metric's condition>))
    GROUP BY g0, g1, b, k0
    [ORDER BY <value> DESC NULLS LAST, g0, g1 LIMIT n]

The inner query names every computed column, so the outer GROUP BY refers to plain columns (a
bound parameter inside a GROUP BY expression would not match the same expression in SELECT on
PostgreSQL). Parts become conditional aggregates, so metrics of one fact share one scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement, Subquery

from server.metrics.declarations import (
    ArgumentValues,
    Dimension,
    Expression,
    LocalWeekday,
    Metric,
    Part,
    Split,
)
from server.metrics.facts import Fact
from server.metrics.query import Query
from server.metrics.time import Period


@dataclass(frozen=True)
class PlannedPart:
    metric: Metric
    arguments: ArgumentValues  # of the metric field that asked for the part
    name: str
    part: Part

    @property
    def label(self) -> str:
        """`csat.responses`; with arguments `timeInPipeline(pipeline='x').median`."""
        if not self.arguments:
            return f"{self.metric.name}.{self.name}"
        given = ", ".join(f"{name}={value!r}" for name, value in self.arguments)
        return f"{self.metric.name}({given}).{self.name}"


@dataclass(frozen=True)
class Statement:
    """One SQL statement: some parts of some metrics of a query, over one fact."""

    query: Query
    fact: Fact
    parts: tuple[PlannedPart, ...]
    split: int  # how many `by` columns the parts are split by (columns k0, k1, …), 0 for none
    order_by_value: str | None = None  # MetricValue computed here and used to prune to the limit


class percentile_cont(FunctionElement[Any]):  # noqa: N801 - named after the SQL function
    """percentile_cont(fraction) WITHIN GROUP (ORDER BY value) on PostgreSQL; an aggregate
    registered by server.db.engine on SQLite."""

    inherit_cache = True
    name = "percentile_cont"


@compiles(percentile_cont, "postgresql")
def _percentile_postgresql(element: percentile_cont, compiler: Any, **kw: Any) -> str:
    value, fraction = list(element.clauses)
    return (
        f"percentile_cont({compiler.process(fraction, **kw)}) "
        f"WITHIN GROUP (ORDER BY {compiler.process(value, **kw)})"
    )


@compiles(percentile_cont)
def _percentile_default(element: percentile_cont, compiler: Any, **kw: Any) -> str:
    return f"percentile_cont({compiler.process(element.clauses, **kw)})"


def instant(fact: Fact) -> ColumnElement[int]:
    """The fact's time column as raw microseconds (not converted to datetimes)."""
    return type_coerce(fact.table.c[fact.time], BigInteger)


def dimension_expression(dimension: Dimension, fact: Fact, period: Period) -> ColumnElement[Any]:
    if dimension.local_time == "weekday":
        return period.weekday(instant(fact))
    if dimension.local_time == "hour":
        return period.hour(instant(fact))
    return fact.table.c[dimension.columns[fact.table_name]]


def compile_statement(
    statement: Statement,
    dimensions: dict[str, Dimension],
    scope_where: ColumnElement[bool],
    order_value: Any | None = None,
) -> Select[Any]:
    """The SELECT for `statement`; `order_value(columns)` builds the value to order by."""
    query, fact = statement.query, statement.fact
    period = query.filter.period

    grouped: list[ColumnElement[Any]] = [
        dimension_expression(dimensions[name], fact, period).label(f"g{i}")
        for i, name in enumerate(query.grouping.dimensions)
    ]
    if query.grouping.granularity is not None:
        grouped.append(period.bucket_index(instant(fact), query.grouping.granularity).label("b"))
    for index, split in enumerate(statement.parts[0].part.splits):
        grouped.append(split_expression(split, fact, period).label(f"k{index}"))

    inner = rows_subquery(query, fact, statement.parts, grouped, dimensions, scope_where)
    group_columns = [inner.c[column.name] for column in grouped]
    aggregates = [
        aggregate(p.part, inner.c[f"p{i}"]).label(f"a{i}") for i, p in enumerate(statement.parts)
    ]
    outer = select(*group_columns, *aggregates).select_from(inner)
    if group_columns:
        outer = outer.group_by(*group_columns)
    if order_value is not None and query.order is not None:
        by_label = {p.label: aggregates[i] for i, p in enumerate(statement.parts)}
        value = order_value(by_label)
        ordered = value.desc() if query.order.descending else value.asc()
        keys = [_key_order(c) for c in group_columns]
        outer = outer.order_by(ordered.nulls_last(), *keys).limit(query.order.limit)
    return outer


def rows_subquery(
    query: Query,
    fact: Fact,
    parts: tuple[PlannedPart, ...],
    grouped: Sequence[ColumnElement[Any]],
    dimensions: dict[str, Dimension],
    scope_where: ColumnElement[bool],
) -> Subquery:
    """The fact's rows in the query's period and filter: the `grouped` columns (labelled), then
    one input `p<i>` per part (NULL where the part's conditions do not hold)."""
    period = query.filter.period
    inputs = [_part_input(p, fact).label(f"p{i}") for i, p in enumerate(parts)]
    conditions = [
        scope_where,
        instant(fact) >= literal(period.start, BigInteger),
        instant(fact) < literal(period.end, BigInteger),
        *_filter_conditions(query, fact, dimensions),
    ]
    row_filters = dict(_row_filter(p) for p in parts)
    if all(where is not None for where in row_filters.values()):
        # one condition per declaration: metrics share theirs among all their parts
        conditions.append(or_(*[where(fact.table) for where in row_filters.values()]))
    return select(*grouped, *inputs).where(and_(*conditions)).subquery("rows")


def split_expression(split: Split, fact: Fact, period: Period) -> ColumnElement[Any]:
    if isinstance(split, LocalWeekday):
        return period.weekday(instant(fact))
    return split(fact.table)


def _metric_condition(planned: PlannedPart) -> Expression | None:
    """The metric's condition, with its arguments', where the part reads the metric's own fact."""
    part, metric = planned.part, planned.metric
    if (part.fact or metric.fact) != metric.fact:
        return None
    return metric.condition(planned.arguments)


def _condition(planned: PlannedPart, fact: Fact) -> ColumnElement[bool] | None:
    """The rows a part aggregates: its metric's condition (on the metric's own fact) and its own."""
    wheres = [planned.part.where, _metric_condition(planned)]
    conditions = [where(fact.table) for where in wheres if where is not None]
    return and_(*conditions) if conditions else None


def _row_filter(planned: PlannedPart) -> tuple[Any, Expression | None]:
    """A condition true of every row the part may aggregate (its metric's, else its own), with
    a key that is the same for every part sharing that condition."""
    metric_condition = _metric_condition(planned)
    if metric_condition is not None:
        return (planned.metric.name, planned.arguments), metric_condition
    return planned.part.where, planned.part.where


def _part_input(planned: PlannedPart, fact: Fact) -> ColumnElement[Any]:
    part = planned.part
    value: ColumnElement[Any] = (
        literal(1) if part.expression is None else part.expression(fact.table)
    )
    condition = _condition(planned, fact)
    return value if condition is None else case((condition, value))


def aggregate(part: Part, column: ColumnElement[Any]) -> ColumnElement[Any]:
    if part.kind == "count":
        return func.count(column)
    if part.kind == "sum":
        return func.sum(column)
    if part.kind == "average":
        return func.avg(column)
    if part.kind == "min":
        return func.min(column)
    if part.kind == "max":
        return func.max(column)
    if part.kind == "count_distinct":
        return func.count(column.distinct())
    assert part.fraction is not None
    return percentile_cont(column, literal(part.fraction))


def _filter_conditions(
    query: Query, fact: Fact, dimensions: dict[str, Dimension]
) -> list[ColumnElement[bool]]:
    return [
        dimension_expression(dimensions[name], fact, query.filter.period).in_(values)
        for name, values in query.filter.values
    ]


def _key_order(column: ColumnElement[Any]) -> ColumnElement[Any]:
    # Keys sort ascending with NULL last, in code-point order on both databases, as Python does.
    return _binary(column).asc().nulls_last()


class _binary(FunctionElement[Any]):  # noqa: N801
    inherit_cache = True


@compiles(_binary, "postgresql")
def _binary_postgresql(element: _binary, compiler: Any, **kw: Any) -> str:
    (column,) = list(element.clauses)
    if isinstance(column.type, Integer):
        return compiler.process(column, **kw)
    return f'({compiler.process(column, **kw)}) COLLATE "C"'


@compiles(_binary)
def _binary_default(element: _binary, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)
