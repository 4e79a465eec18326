"""What a report asks the database: metrics over a filtered period, grouped some way.

A `Query` is one (period, grouping) of a report with every metric asked for it; the planner splits
it into one statement per fact (see planner.py). Queries are values: two parts of a GraphQL
selection asking the same thing share one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.metrics.declarations import ArgumentValues
from server.metrics.time import Granularity, Period
from server.security.scope import Scope

MetricCall = tuple[str, ArgumentValues]
"""A metric field as selected: its name and its restricting argument values."""


@dataclass(frozen=True)
class Filter:
    """A resolved ReportFilter: the period and, per dimension name, the values kept (OR)."""

    period: Period
    values: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (dimension, values), sorted, non-empty

    def with_values(self, dimension: str, values: tuple[str, ...]) -> Filter:
        return Filter(self.period, tuple(sorted((*self.values, (dimension, values)))))

    def with_period(self, period: Period) -> Filter:
        return Filter(period, self.values)


@dataclass(frozen=True)
class Order:
    """Top-N ordering of a breakdown by a `MetricValue`."""

    value: str | None  # MetricValue name; None: by keys
    descending: bool
    limit: int


@dataclass(frozen=True)
class Grouping:
    dimensions: tuple[str, ...] = ()  # the entity's dimension first, when there is one
    granularity: Granularity | None = None
    entity: bool = False  # the first dimension identifies a User/Team/Inbox of an entity report


@dataclass(frozen=True)
class Query:
    scope: Scope
    filter: Filter
    grouping: Grouping
    # (metric call, field) pairs asked for; a field that is not one of the metric's values (such
    # as a distribution) needs every part of its metric
    fields: frozenset[tuple[MetricCall, str]] = field(default_factory=frozenset)
    order: Order | None = None

    @property
    def calls(self) -> set[MetricCall]:
        return {call for call, _ in self.fields}
