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

A statement the planner gives a rollup (rollups.py) reads the same way from the rollup's table:
its period is a range of local day numbers, local days and weekdays come from its day column, and
each part is weighted by the rollup's count `n` (a count sums `n`, a sum sums value × n, an
average divides the two).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    Select,
    Table,
    and_,
    case,
    cast,
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
from server.metrics.rollups import Rollup
from server.metrics.time import Granularity, Period, day_number, weekday_of_day


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
    rollup: Rollup | None = None  # read instead of the fact's rows (rollups.py)

    @property
    def rows(self) -> Rows:
        return Rows(self.fact, self.rollup)


@dataclass(frozen=True)
class Rows:
    """Where a statement reads its rows: the fact's table, or a rollup of it."""

    fact: Fact
    rollup: Rollup | None = None

    @property
    def table(self) -> Table:
        return self.fact.table if self.rollup is None else self.rollup.table

    def local_day(self, period: Period) -> ColumnElement[Any]:
        """SQL: the local day number of each row (on a monthly or quarterly rollup, of the first
        day of the row's month or quarter)."""
        if self.rollup is None:
            return period.local_day(instant(self.fact))
        return self.table.c[self.rollup.column]

    def in_period(self, period: Period) -> list[ColumnElement[bool]]:
        if self.rollup is None:
            return [
                instant(self.fact) >= literal(period.start, BigInteger),
                instant(self.fact) < literal(period.end, BigInteger),
            ]
        day = self.table.c[self.rollup.column]
        return [
            day >= literal(day_number(period.first), BigInteger),
            day <= literal(day_number(period.last), BigInteger),
        ]

    def bucket_index(self, period: Period, granularity: Granularity) -> ColumnElement[Any]:
        if self.rollup is None:
            return period.bucket_index(instant(self.fact), granularity)
        return period.bucket_of_day(self.local_day(period), granularity)

    def weekday(self, period: Period) -> ColumnElement[Any]:
        if self.rollup is None:
            return period.weekday(instant(self.fact))
        return weekday_of_day(self.local_day(period))


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


def dimension_expression(dimension: Dimension, rows: Rows, period: Period) -> ColumnElement[Any]:
    if dimension.local_time == "weekday":
        return rows.weekday(period)
    if dimension.local_time == "hour":
        assert rows.rollup is None, "rollups have no hour"
        return period.hour(instant(rows.fact))
    return rows.table.c[dimension.columns[rows.fact.table_name]]


def compile_statement(
    statement: Statement,
    dimensions: dict[str, Dimension],
    scope_where: ColumnElement[bool],
    order_value: Any | None = None,
) -> Select[Any]:
    """The SELECT for `statement`; `order_value(columns)` builds the value to order by."""
    query, rows = statement.query, statement.rows
    period = query.filter.period

    grouped: list[ColumnElement[Any]] = [
        dimension_expression(dimensions[name], rows, period).label(f"g{i}")
        for i, name in enumerate(query.grouping.dimensions)
    ]
    if query.grouping.granularity is not None:
        grouped.append(rows.bucket_index(period, query.grouping.granularity).label("b"))
    for index, split in enumerate(statement.parts[0].part.splits):
        grouped.append(split_expression(split, rows, period).label(f"k{index}"))

    inner = rows_subquery(query, rows, statement.parts, grouped, dimensions, scope_where)
    group_columns = [inner.c[column.name] for column in grouped]
    aggregates = part_aggregates(statement.parts, inner, rows)
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
    rows: Rows,
    parts: tuple[PlannedPart, ...],
    grouped: Sequence[ColumnElement[Any]],
    dimensions: dict[str, Dimension],
    scope_where: ColumnElement[bool],
) -> Subquery:
    """The rows in the query's period and filter: the `grouped` columns (labelled), then one
    input `p<i>` per part (NULL where the part's conditions do not hold), and for an average
    read from a rollup its weight `w<i>`."""
    period = query.filter.period
    inputs = [column for i, p in enumerate(parts) for column in _part_inputs(p, rows, i)]
    conditions = [
        scope_where,
        *rows.in_period(period),
        *_filter_conditions(query, rows, dimensions),
    ]
    row_filters = dict(_row_filter(p) for p in parts)
    if all(where is not None for where in row_filters.values()):
        # one condition per declaration: metrics share theirs among all their parts
        conditions.append(or_(*[where(rows.table) for where in row_filters.values()]))
    return select(*grouped, *inputs).where(and_(*conditions)).subquery("rows")


def part_aggregates(
    parts: tuple[PlannedPart, ...] | list[PlannedPart], inner: Subquery, rows: Rows
) -> list[ColumnElement[Any]]:
    """One aggregate `a<i>` per part over the inputs of `rows_subquery`."""
    if rows.rollup is None:
        return [aggregate(p.part, inner.c[f"p{i}"]).label(f"a{i}") for i, p in enumerate(parts)]
    return [_rollup_aggregate(p.part, inner, i).label(f"a{i}") for i, p in enumerate(parts)]


def split_expression(split: Split, rows: Rows, period: Period) -> ColumnElement[Any]:
    if isinstance(split, LocalWeekday):
        return rows.weekday(period)
    return split(rows.table)


def _metric_condition(planned: PlannedPart) -> Expression | None:
    """The metric's condition, with its arguments', where the part reads the metric's own fact."""
    part, metric = planned.part, planned.metric
    if (part.fact or metric.fact) != metric.fact:
        return None
    return metric.condition(planned.arguments)


def part_conditions(planned: PlannedPart) -> list[Expression]:
    """The conditions of the rows a part aggregates: its own, and its metric's (on the metric's
    own fact)."""
    wheres = [planned.part.where, _metric_condition(planned)]
    return [where for where in wheres if where is not None]


def _condition(planned: PlannedPart, table: Table) -> ColumnElement[bool] | None:
    conditions = [where(table) for where in part_conditions(planned)]
    return and_(*conditions) if conditions else None


def _row_filter(planned: PlannedPart) -> tuple[Any, Expression | None]:
    """A condition true of every row the part may aggregate (its metric's, else its own), with
    a key that is the same for every part sharing that condition."""
    metric_condition = _metric_condition(planned)
    if metric_condition is not None:
        return (planned.metric.name, planned.arguments), metric_condition
    return planned.part.where, planned.part.where


def _part_inputs(planned: PlannedPart, rows: Rows, index: int) -> list[ColumnElement[Any]]:
    """The input `p<index>` of a part (and on a rollup, an average's weight `w<index>`)."""
    part, table = planned.part, rows.table
    condition = _condition(planned, table)

    def when(value: ColumnElement[Any]) -> ColumnElement[Any]:
        return value if condition is None else case((condition, value))

    if rows.rollup is None:
        value = literal(1) if part.expression is None else part.expression(table)
        return [when(value).label(f"p{index}")]
    count = table.c.n
    if part.kind == "count":
        return [when(count).label(f"p{index}")]
    assert part.expression is not None
    value = part.expression(table)
    if part.kind in ("min", "max"):
        return [when(value).label(f"p{index}")]
    weighted: list[ColumnElement[Any]] = [when(value * count).label(f"p{index}")]
    if part.kind == "average":
        weighted.append(when(count).label(f"w{index}"))
    return weighted


def _rollup_aggregate(part: Part, inner: Subquery, index: int) -> ColumnElement[Any]:
    """The raw rows' aggregate from a rollup's rows, each standing for `n` ratings."""
    column = inner.c[f"p{index}"]
    if part.kind == "count":
        return func.coalesce(func.sum(column), 0)
    if part.kind == "sum":
        return func.sum(column)
    if part.kind == "average":
        return cast(func.sum(column), Float) / func.sum(inner.c[f"w{index}"])
    assert part.kind in ("min", "max"), "planned on a rollup: additive parts only"
    return aggregate(part, column)


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
    query: Query, rows: Rows, dimensions: dict[str, Dimension]
) -> list[ColumnElement[bool]]:
    return [
        dimension_expression(dimensions[name], rows, query.filter.period).in_(values)
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
