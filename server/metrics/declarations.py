"""What plugins declare: dimensions, metrics, their aggregate parts and their values.

A plugin never writes SQL text or runs a query. It says which fact a metric reads, which rows count
(`where`), which aggregates it needs (`parts`), which numeric fields derive from them (`values`) and
how to build its GraphQL result (`finalize`). The planner turns every metric of a report into one
conditional aggregate per part, so metrics of one fact share a statement.

Column expressions are functions of the fact's table (`lambda t: t.c.score >= 4`): SQLAlchemy
expressions, so user values stay bound parameters and the same declaration runs on every database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import ColumnElement, Table, and_, case, literal

from server.metrics.facts import Fact
from server.metrics.time import Days

if TYPE_CHECKING:  # derived imports this module
    from server.metrics.derived import PartOf

Expression = Callable[[Table], ColumnElement[Any]]
"""A column expression over a fact's table."""


@dataclass(frozen=True)
class LocalWeekday:
    """Splits a part by the local weekday (0 = Monday) of the fact's time, in the report's zone."""


LOCAL_WEEKDAY = LocalWeekday()

Split = Expression | LocalWeekday
"""What a part can be split by: a column expression, or the local weekday of the row's time."""


# --- dimensions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelTable:
    """Labels looked up by key in an entity table of the account (inbox, user and team names)."""

    table: Table
    key: str = "id"
    name: str = "name"


@dataclass(frozen=True)
class Dimension:
    """A groupable and filterable property of facts.

    `columns` maps a table name to the column holding the key on that table's facts; a fact whose
    table is missing cannot be grouped or filtered by the dimension (a GraphQL error names both).
    `local_time` dimensions are computed from each fact's time column in the report's time zone.
    """

    name: str  # the `Dimension` enum value, e.g. "CHANNEL"
    description: str
    columns: Mapping[str, str] = field(default_factory=dict)
    local_time: Literal["weekday", "hour"] | None = None
    filter: str | None = None  # the ReportFilter argument it adds, e.g. "channels"
    filter_is_id: bool = False  # filter values are `ID`s rather than `String`s
    labels: LabelTable | Mapping[str, str] | None = None
    key_format: Callable[[Any], str] | None = None  # database value -> key (weekday 0 -> MONDAY)

    def key(self, value: Any) -> str | None:
        if value is None:
            return None
        return self.key_format(value) if self.key_format else str(value)

    def applies_to(self, fact: Fact) -> bool:
        return self.local_time is not None or fact.table_name in self.columns


def on_every_fact(column: str) -> dict[str, str]:
    """`columns` for a dimension every fact table carries under the same column name."""
    return {
        table: column
        for table in ("conversations", "messages", "ratings", "transactions", "stage_intervals")
    }


# --- aggregate parts --------------------------------------------------------------------------

AggregateKind = Literal["count", "sum", "average", "min", "max", "count_distinct", "percentile"]


@dataclass(frozen=True)
class Part:
    """One aggregate over the metric's rows (after the metric's and the part's `where`).

    `by` splits the aggregate by a column (amounts per currency), by several (times per pipeline
    and stage) or by the local weekday: the part's value is then a dict from that column's value
    (a tuple of values for several) to the aggregate. `fact` overrides the metric's fact.
    """

    kind: AggregateKind
    expression: Expression | None = None
    where: Expression | None = None
    fraction: float | None = None  # for percentiles
    by: Split | tuple[Split, ...] | None = None
    fact: Fact | None = None

    @property
    def splits(self) -> tuple[Split, ...]:
        """The expressions the part is split by, in order (none when it is not split)."""
        if self.by is None:
            return ()
        return self.by if isinstance(self.by, tuple) else (self.by,)


def Count(
    where: Expression | None = None,
    *,
    by: Split | tuple[Split, ...] | None = None,
    fact: Fact | None = None,
) -> Part:
    """The number of rows."""
    return Part("count", where=where, by=by, fact=fact)


def Sum(
    expression: Expression,
    where: Expression | None = None,
    *,
    by: Split | tuple[Split, ...] | None = None,
    fact: Fact | None = None,
) -> Part:
    """The sum of a numeric column (0 over no rows)."""
    return Part("sum", expression, where, by=by, fact=fact)


def Average(
    expression: Expression,
    where: Expression | None = None,
    *,
    by: Split | tuple[Split, ...] | None = None,
    fact: Fact | None = None,
) -> Part:
    """The mean of a numeric column (NULL over no rows)."""
    return Part("average", expression, where, by=by, fact=fact)


def Min(
    expression: Expression, where: Expression | None = None, *, fact: Fact | None = None
) -> Part:
    return Part("min", expression, where, fact=fact)


def Max(
    expression: Expression, where: Expression | None = None, *, fact: Fact | None = None
) -> Part:
    return Part("max", expression, where, fact=fact)


def CountDistinct(
    expression: Expression, where: Expression | None = None, *, fact: Fact | None = None
) -> Part:
    """The number of distinct non-null values."""
    return Part("count_distinct", expression, where, fact=fact)


def Percentile(
    expression: Expression,
    fraction: float,
    where: Expression | None = None,
    *,
    by: Split | tuple[Split, ...] | None = None,
    fact: Fact | None = None,
) -> Part:
    """A linearly interpolated percentile (PostgreSQL's percentile_cont); 0.5 is the median."""
    return Part("percentile", expression, where, fraction=fraction, by=by, fact=fact)


# --- values: numeric fields computed from parts, in Python and (for ordering) in SQL ----------


class Value:
    """A numeric metric field derived from parts; it is also a `MetricValue` to order by.

    `days` are the local days the value is computed for: the report's period, or one bucket of a
    series (`PerDay` divides by their number).
    """

    def evaluate(self, parts: Mapping[str, Any], days: Days) -> float | int | None:
        raise NotImplementedError

    def sql(self, parts: Mapping[str, ColumnElement[Any]], days: Days) -> ColumnElement[Any]:
        raise NotImplementedError

    def part_names(self) -> set[str]:
        raise NotImplementedError


@dataclass(frozen=True)
class PartValue(Value):
    """A part as it is (a count, a mean, a median)."""

    part: str

    def evaluate(self, parts: Mapping[str, Any], days: Days) -> float | int | None:
        return parts[self.part]

    def sql(self, parts: Mapping[str, ColumnElement[Any]], days: Days) -> ColumnElement[Any]:
        return parts[self.part]

    def part_names(self) -> set[str]:
        return {self.part}


@dataclass(frozen=True)
class Ratio(Value):
    """numerator / denominator × scale; null when the denominator is 0 or null."""

    numerator: str
    denominator: str
    scale: float = 1.0

    def evaluate(self, parts: Mapping[str, Any], days: Days) -> float | None:
        top, bottom = parts[self.numerator], parts[self.denominator]
        if top is None or not bottom:
            return None
        return top * self.scale / bottom

    def sql(self, parts: Mapping[str, ColumnElement[Any]], days: Days) -> ColumnElement[Any]:
        bottom = parts[self.denominator]
        return case((bottom == 0, None), else_=parts[self.numerator] * literal(self.scale) / bottom)

    def part_names(self) -> set[str]:
        return {self.numerator, self.denominator}


def Percent(numerator: str, denominator: str) -> Ratio:
    """numerator / denominator × 100, null when the denominator is 0."""
    return Ratio(numerator, denominator, 100.0)


@dataclass(frozen=True)
class PercentDifference(Value):
    """(a − b) / total × 100 (NPS, happiness): null when total is 0."""

    minuend: str
    subtrahend: str
    total: str

    def evaluate(self, parts: Mapping[str, Any], days: Days) -> float | None:
        total = parts[self.total]
        if not total:
            return None
        return (parts[self.minuend] - parts[self.subtrahend]) * 100.0 / total

    def sql(self, parts: Mapping[str, ColumnElement[Any]], days: Days) -> ColumnElement[Any]:
        total = parts[self.total]
        difference = parts[self.minuend] - parts[self.subtrahend]
        return case((total == 0, None), else_=difference * literal(100.0) / total)

    def part_names(self) -> set[str]:
        return {self.minuend, self.subtrahend, self.total}


@dataclass(frozen=True)
class PerDay(Value):
    """A count divided by the number of local days in the period."""

    part: str

    def evaluate(self, parts: Mapping[str, Any], days: Days) -> float | None:
        return parts[self.part] / days.count

    def sql(self, parts: Mapping[str, ColumnElement[Any]], days: Days) -> ColumnElement[Any]:
        return parts[self.part] * literal(1.0) / literal(days.count)

    def part_names(self) -> set[str]:
        return {self.part}


# --- metrics ----------------------------------------------------------------------------------

Finalize = Callable[[Mapping[str, Any], Mapping[str, Any], Days], Any]
"""(values by Python attribute name, parts, the local days) -> the metric's result object."""

ArgumentValues = tuple[tuple[str, Any], ...]
"""A metric field's argument values that restrict something, by GraphQL name, sorted."""


@dataclass(frozen=True)
class Argument:
    """A GraphQL argument of a metric field, e.g. `timeInPipeline(pipeline: String)`.

    `where(table, value)` keeps the metric's rows for a given value; leaving the argument out (or
    null) keeps every row. Two selections of a metric with different values are two results.
    """

    type: type  # a scalar: str, int, float or bool
    description: str
    where: Callable[[Table, Any], ColumnElement[bool]]


@dataclass(frozen=True)
class Metric:
    """A field on `Report` (and on `ReportGroup`, `ReportBucket`): e.g. `csat`.

    `values` are the numeric fields, named as in GraphQL (`promotersPercent`) and exposed as
    `MetricValue` members (`NPS_PROMOTERS_PERCENT`); `finalize` builds the result object from the
    values (keyed by Python attribute name, `promoters_percent`), the parts and the local days the
    result covers; by default it is `result(**values)`. Counts are 0 on days without rows.
    `arguments` become arguments of the metric field, keyed by GraphQL name. A part may be a
    `PartOf` another metric's part: the registry replaces it by that part (`part()` reads parts
    of registered metrics).
    """

    name: str
    description: str
    fact: Fact
    result: type
    parts: Mapping[str, Part | PartOf]
    values: Mapping[str, Value]
    where: Expression | None = None
    finalize: Finalize | None = None
    arguments: Mapping[str, Argument] = field(default_factory=dict)
    # The parts that each field built by `finalize` reads (a distribution, `busiestDay`), so
    # that asking for it alone reads no other fact; a field not listed reads every part.
    field_parts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def part(self, name: str) -> Part:
        """A part of a registered metric, whose `PartOf` references are resolved."""
        part = self.parts[name]
        assert isinstance(part, Part), f"{self.name}.{name} is an unresolved reference"
        return part

    def facts(self) -> list[Fact]:
        seen: dict[str, Fact] = {}
        for name in self.parts:
            fact = self.part(name).fact or self.fact
            seen.setdefault(fact.name, fact)
        return list(seen.values())

    def condition(self, arguments: ArgumentValues) -> Expression | None:
        """The rows of the metric's own fact it reads: its `where` and its arguments' conditions."""
        wheres: list[Expression] = [] if self.where is None else [self.where]
        for name, value in arguments:
            wheres.append(_restricted(self.arguments[name], value))
        if not wheres:
            return None
        if len(wheres) == 1:
            return wheres[0]
        return lambda t: and_(*(where(t) for where in wheres))

    @cached_property
    def part_defaults(self) -> tuple[tuple[str, bool, Any], ...]:
        """(name, whether split, the value of no rows) of each part, in declaration order: an
        empty dict for a split part, 0 for counts and sums, else None."""
        defaults = []
        for name in self.parts:
            part = self.part(name)
            zero = 0 if part.kind in ("count", "count_distinct", "sum") else None
            defaults.append((name, part.by is not None, zero))
        return tuple(defaults)

    @cached_property
    def python_names(self) -> dict[str, str]:
        return {name: python_name(name) for name in self.values}

    def build(self, values: Mapping[str, Any], parts: Mapping[str, Any], days: Days) -> Any:
        names = self.python_names
        attributes = {names[name]: value for name, value in values.items()}
        if self.finalize is not None:
            return self.finalize(attributes, parts, days)
        return self.result(**attributes)


def _restricted(argument: Argument, value: Any) -> Expression:
    """The rows of one value of an argument."""
    return lambda t: argument.where(t, value)


def argument_values(metric: Metric, given: Mapping[str, Any]) -> ArgumentValues:
    """The restricting argument values of a metric field (null and absent ones restrict nothing)."""
    return tuple(
        sorted((name, given[name]) for name in metric.arguments if given.get(name) is not None)
    )


def value_name(metric: str, value: str) -> str:
    """(`csat`, `score`) -> `CSAT_SCORE`; (`timeToClose`, `p90`) -> `TIME_TO_CLOSE_P90`."""
    return f"{_upper_snake(metric)}_{_upper_snake(value)}"


@cache
def python_name(name: str) -> str:
    """`promotersPercent` -> `promoters_percent`."""
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def _upper_snake(name: str) -> str:
    return "".join("_" + c if c.isupper() else c.upper() for c in name).lstrip("_")
