"""`Report`, `ReportGroup` and `ReportBucket`, with the enums generated from the plugins.

Each type gets one field per installed metric (metric_fields.py); the nodes read the results
the request planned and ran before any of these fields resolve (request.py).
"""

from __future__ import annotations

import statistics
from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from server.errors import UserError
from server.metrics.query import Grouping, Order
from server.metrics.time import Days, Granularity, Period, Shift
from server.schema.context import Context
from server.schema.filters import Survey
from server.schema.pagination import DEFAULT_FIRST, Connection
from server.schema.records.types import Conversation, Rating
from server.schema.report.drilldown import drill_down_conversations, drill_down_ratings
from server.schema.report.filter import DIMENSIONS, REGISTRY
from server.schema.report.labels import label_loader
from server.schema.report.metric_fields import with_metrics
from server.schema.report.request import Node, NotPlanned
from server.schema.report.selection import DEFAULT_LIMIT, breakdown_order, check_series, enum_name

# strawberry.enum marks the class itself as a GraphQL enum (and returns it): annotations name it.
strawberry.enum(Granularity, name="Granularity")
strawberry.enum(Shift, name="Shift")
# Generated from the installed plugins: mypy knows these classes, but not their members.
Dimension = Enum("Dimension", {d.name: d.name for d in REGISTRY.dimensions})  # type: ignore[misc]
strawberry.enum(
    Dimension,
    name="Dimension",
    description="What a breakdown groups by; generated from the installed plugins.",
)
MetricValue = Enum("MetricValue", {name: name for name in REGISTRY.metric_values()})  # type: ignore[misc]
strawberry.enum(
    MetricValue,
    name="MetricValue",
    description="A numeric metric field, `<METRIC>_<FIELD>`; generated from the plugins.",
)


@strawberry.type(description="Mean, median, min and max of a value's daily figures.")
class DailyAggregate:
    mean: float | None
    median: float | None
    min: float | None
    max: float | None
    days: int = strawberry.field(description="days used (ratios skip days without rows)")


@strawberry.type
class ReportBucketBase:
    node: strawberry.Private[Node]
    grouping: strawberry.Private[Grouping]
    start: date
    end: date = strawberry.field(description="last day, inclusive")
    starts_at: datetime = strawberry.field(
        description="the bucket's first instant, with the report's UTC offset at that instant"
    )


@strawberry.type(description="A calendar bucket of a series, clipped to the period.")
@with_metrics(lambda root: (root.grouping,))
class ReportBucket(ReportBucketBase):
    pass


def _series(node: Node, dimensions: tuple[str, ...], granularity: Granularity) -> list[Any]:
    context = node.context
    check_series(context, granularity, node.request.context.settings.limits)
    grouping = context.grouping(dimensions, granularity)
    period = context.filter.period
    return [
        ReportBucket(
            node=Node(node.request, context, (*node.key, index), bucket.local_days),
            grouping=grouping,
            start=bucket.start,
            end=bucket.end,
            # With the zone's offset, so that a browser shows local times without converting.
            starts_at=bucket.starts_at.astimezone(period.tz),
        )
        for index, bucket in enumerate(period.buckets(granularity))
    ]


@strawberry.type
class ReportGroupBase:
    node: strawberry.Private[Node]
    by: strawberry.Private[tuple[str, ...]]
    order: strawberry.Private[Order | None]

    @property
    def _dimension_keys(self) -> tuple[Any, ...]:
        entity = 1 if self.node.context.entity else 0
        return self.node.key[entity:]

    @strawberry.field(description="the key of a one-dimension breakdown; null for no value")
    def key(self) -> str | None:
        return self.keys()[0]

    @strawberry.field(description="one key per dimension, in the order asked")
    def keys(self) -> list[str | None]:
        return [DIMENSIONS[d].key(v) for d, v in zip(self.by, self._dimension_keys, strict=True)]

    @strawberry.field(description="names (inbox, user, team, country, weekday) or keys")
    async def label(self, info: Info[Context, None]) -> str:
        loader = label_loader(info.context)
        labels = [
            await loader.load((d, DIMENSIONS[d].key(v)))
            for d, v in zip(self.by, self._dimension_keys, strict=True)
        ]
        return " / ".join(labels)

    @strawberry.field
    def series(self, granularity: Granularity) -> list[ReportBucket]:
        return _series(self.node, self.by, Granularity(enum_name(granularity)))

    @strawberry.field(description="the same group in an earlier period")
    def previous(self, shift: Shift | None = Shift.PERIOD) -> ReportGroup:
        context = self.node.context.shifted(Shift(enum_name(shift or Shift.PERIOD)))
        node = Node(self.node.request, context, self.node.key, context.filter.period.local_days)
        return ReportGroup(node=node, by=self.by, order=None)


@strawberry.type(description="One group of a breakdown.")
@with_metrics(lambda root: (root.node.context.grouping(root.by), root.order))
class ReportGroup(ReportGroupBase):
    pass


@strawberry.type
class ReportBase:
    node: strawberry.Private[Node]

    @property
    def _period(self) -> Period:
        return self.node.context.filter.period

    @strawberry.field(name="from")
    def from_(self) -> date:
        return self._period.first

    @strawberry.field
    def to(self) -> date:
        return self._period.last

    @strawberry.field
    def timezone(self) -> str:
        return self._period.timezone

    @strawberry.field(description="the number of local days in the period")
    def days(self) -> int:
        return self._period.days

    @strawberry.field(
        description="PERIOD: as many days just before; YEAR: the same dates a year earlier"
    )
    def previous(self, shift: Shift | None = Shift.PERIOD) -> Report:
        context = self.node.context.shifted(Shift(enum_name(shift or Shift.PERIOD)))
        return Report(
            node=Node(self.node.request, context, self.node.key, context.filter.period.local_days)
        )

    @strawberry.field(description="every calendar bucket of the period, empty ones included")
    def series(self, granularity: Granularity) -> list[ReportBucket]:
        return _series(self.node, (), Granularity(enum_name(granularity)))

    @strawberry.field(description="groups by one or more dimensions, top-N by a value")
    def breakdown(
        self,
        info: Info[Context, None],
        by: list[Dimension],
        order_by: MetricValue | None = None,
        descending: bool | None = True,
        limit: int | None = DEFAULT_LIMIT,
    ) -> list[ReportGroup]:
        arguments = {"by": by, "orderBy": order_by, "descending": descending, "limit": limit}
        dimensions, order = breakdown_order(arguments, info.context.settings.limits)
        context = self.node.context
        result = self.node.request.result(context, context.grouping(dimensions), order)
        if result is None:
            raise UserError(
                "breakdown: select at least one metric in its groups (or in their series or "
                "previous): groups are the keys where an asked metric has rows"
            )
        keys = result.ordered_keys(self.node.days, prefix=self.node.key)
        return [
            ReportGroup(
                node=Node(self.node.request, context, key, self.node.days),
                by=dimensions,
                order=order,
            )
            for key in keys
        ]

    @strawberry.field(description="the ratings behind the numbers, newest first, same filter")
    async def ratings(
        self,
        info: Info[Context, None],
        first: int | None = DEFAULT_FIRST,
        after: str | None = None,
        surveys: list[Survey] | None = None,
        scores: list[int] | None = None,
    ) -> Connection[Rating]:
        return await drill_down_ratings(self.node, info, first, after, surveys, scores)

    @strawberry.field(description="the conversations created in the period, same filter")
    async def conversations(
        self, info: Info[Context, None], first: int | None = DEFAULT_FIRST, after: str | None = None
    ) -> Connection[Conversation]:
        return await drill_down_conversations(self.node, info, first, after)

    @strawberry.field(description="mean, median, min and max of the value over the local days")
    def daily(self, value: MetricValue) -> DailyAggregate:
        name = enum_name(value)
        context = self.node.context
        result = self.node.request.result(context, context.grouping((), Granularity.DAY))
        if result is None:
            raise NotPlanned("report field `daily` was not planned for this selection")
        figures = [
            figure
            for index, day in enumerate(self._period.dates())
            if (figure := result.value((*self.node.key, index), name, Days(day, day))) is not None
        ]
        if not figures:
            return DailyAggregate(mean=None, median=None, min=None, max=None, days=0)
        return DailyAggregate(
            mean=statistics.fmean(figures),
            median=statistics.median(figures),
            min=min(figures),
            max=max(figures),
            days=len(figures),
        )


@strawberry.type(
    description="Metrics over a period, with its previous period, series and breakdowns."
)
@with_metrics(lambda root: (root.node.context.grouping(),))
class Report(ReportBase):
    pass
