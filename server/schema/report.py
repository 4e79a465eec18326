"""The Report API, assembled from the installed plugins once, when this module is imported.

`Report`, `ReportGroup` and `ReportBucket` get one field per metric; `ReportFilter` one argument per
filterable dimension; `Dimension` and `MetricValue` one member per dimension and numeric metric
field. Resolving `report` (or `User.report`, batched) first plans the whole selection into
queries and runs them all at once (report_plan.py); the fields below only read those results.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from server.db.tables import ratings
from server.errors import UserError
from server.metrics.declarations import LabelTable
from server.metrics.executor import run_queries
from server.metrics.facts import CONVERSATIONS_CREATED, RATINGS, Fact
from server.metrics.query import Grouping, Order
from server.metrics.results import GroupKey, QueryResult
from server.metrics.sql import dimension_expression, instant
from server.metrics.time import Granularity, Period, Shift
from server.schema.context import Context
from server.schema.filters import Survey, score_values
from server.schema.pagination import DEFAULT_FIRST, Connection
from server.schema.records import (
    Conversation,
    Rating,
    conversation_page,
    nested_conversation_page,
    nested_rating_page,
    rating_page,
)
from server.schema.report_filter import DIMENSIONS, REGISTRY, ReportFilter, resolve_filter
from server.schema.report_plan import (
    DEFAULT_LIMIT,
    Field,
    NodeContext,
    SelectionPlanner,
    breakdown_order,
    check_series,
    enum_name,
    query_key,
    selected_fields,
)

NONE_LABEL = "(none)"

GranularityEnum = strawberry.enum(Granularity, name="Granularity")
ShiftEnum = strawberry.enum(Shift, name="Shift")
DimensionEnum = strawberry.enum(
    Enum("Dimension", {d.name: d.name for d in REGISTRY.dimensions}),  # type: ignore[misc]
    name="Dimension",
    description="What a breakdown groups by; generated from the installed plugins.",
)
MetricValueEnum = strawberry.enum(
    Enum("MetricValue", {name: name for name in REGISTRY.metric_values()}),  # type: ignore[misc]
    name="MetricValue",
    description="A numeric metric field, `<METRIC>_<FIELD>`; generated from the plugins.",
)


# --- results of one request -------------------------------------------------------------------


class ReportRequest:
    """The report results of one GraphQL request, shared by every report node in it."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.results: dict[tuple[Any, ...], QueryResult] = {}

    @classmethod
    def of(cls, context: Context) -> ReportRequest:
        return context.cache.setdefault(cls, cls(context))

    async def run(self, planner: SelectionPlanner) -> None:
        todo = {k: q for k, q in planner.queries.items() if k not in self.results}
        results = await run_queries(
            self.context.engine,
            todo.values(),
            REGISTRY,
            split_metrics=self.context.settings.splits_metrics(self.context.engine.dialect.name),
        )
        for key, query in todo.items():
            self.results[key] = results[query]

    def result(
        self, context: NodeContext, grouping: Grouping, order: Order | None = None
    ) -> QueryResult | None:
        return self.results.get(query_key(context, grouping, order))


@dataclass
class Node:
    """What backs a Report, a ReportGroup or a ReportBucket: a group of one query's result."""

    request: ReportRequest
    context: NodeContext
    key: GroupKey  # the entity key if any, then dimension keys, then the bucket index
    days: int

    def metric(self, name: str, grouping: Grouping, order: Order | None = None) -> Any:
        result = self.request.result(self.context, grouping, order)
        if result is None:
            return None
        return result.metric(self.key, name, self.days)


def _metric_resolver(name: str, grouping_of: Any) -> Any:
    def resolve(root: Any) -> Any:
        return root.node.metric(name, *grouping_of(root))

    return resolve


# --- types ------------------------------------------------------------------------------------


@strawberry.type(description="Mean, median, min and max of a value's daily figures.")
class DailyAggregate:
    mean: float | None
    median: float | None
    min: float | None
    max: float | None
    days: int = strawberry.field(description="days used (ratios skip days without rows)")


def _with_metrics(cls: type, grouping_of: Any) -> type:
    """Add one nullable field per installed metric to a report type."""
    for metric in REGISTRY.metrics:
        field = strawberry.field(
            resolver=_metric_resolver(metric.name, grouping_of),
            description=metric.description,
            graphql_type=metric.result | None,
        )
        setattr(cls, metric.name, field)
    return cls


@strawberry.type
class ReportBucketBase:
    node: strawberry.Private[Node]
    grouping: strawberry.Private[Grouping]
    start: date
    end: date = strawberry.field(description="last day, inclusive")
    starts_at: datetime = strawberry.field(description="the bucket's first instant, UTC")


ReportBucket = strawberry.type(
    _with_metrics(type("ReportBucket", (ReportBucketBase,), {}), lambda root: (root.grouping,)),
    description="A calendar bucket of a series, clipped to the period.",
)


def _series(node: Node, dimensions: tuple[str, ...], granularity: Granularity) -> list[Any]:
    context = node.context
    check_series(context, granularity, node.request.context.settings.limits)
    grouping = context.grouping(dimensions, granularity)
    period = context.filter.period
    return [
        ReportBucket(
            node=Node(
                node.request, context, (*node.key, index), (bucket.end - bucket.start).days + 1
            ),
            grouping=grouping,
            start=bucket.start,
            end=bucket.end,
            starts_at=bucket.starts_at,
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
    def series(self, granularity: GranularityEnum) -> list[ReportBucket]:  # type: ignore[valid-type]
        return _series(self.node, self.by, Granularity(enum_name(granularity)))

    @strawberry.field(description="the same group in an earlier period")
    def previous(self, shift: ShiftEnum | None = Shift.PERIOD) -> ReportGroup:  # type: ignore[valid-type]
        context = self.node.context.shifted(Shift(enum_name(shift or Shift.PERIOD)))
        node = Node(self.node.request, context, self.node.key, context.filter.period.days)
        return ReportGroup(node=node, by=self.by, order=None)


ReportGroup = strawberry.type(
    _with_metrics(
        type("ReportGroup", (ReportGroupBase,), {}),
        lambda root: (root.node.context.grouping(root.by), root.order),
    ),
    description="One group of a breakdown.",
)


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
    def previous(self, shift: ShiftEnum | None = Shift.PERIOD) -> Report:  # type: ignore[valid-type]
        context = self.node.context.shifted(Shift(enum_name(shift or Shift.PERIOD)))
        return Report(
            node=Node(self.node.request, context, self.node.key, context.filter.period.days)
        )

    @strawberry.field(description="every calendar bucket of the period, empty ones included")
    def series(self, granularity: GranularityEnum) -> list[ReportBucket]:  # type: ignore[valid-type]
        return _series(self.node, (), Granularity(enum_name(granularity)))

    @strawberry.field(description="groups by one or more dimensions, top-N by a value")
    def breakdown(
        self,
        info: Info[Context, None],
        by: list[DimensionEnum],  # type: ignore[valid-type]
        order_by: MetricValueEnum | None = None,  # type: ignore[valid-type]
        descending: bool | None = True,
        limit: int | None = DEFAULT_LIMIT,
    ) -> list[ReportGroup]:
        arguments = {"by": by, "orderBy": order_by, "descending": descending, "limit": limit}
        dimensions, order = breakdown_order(arguments, info.context.settings.limits)
        context = self.node.context
        result = self.node.request.result(context, context.grouping(dimensions), order)
        if result is None:
            return []
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
        where = drill_down_conditions(self.node, RATINGS)
        if surveys:
            where.append(ratings.c.survey.in_([s.value for s in surveys]))
        if scores:
            where.append(ratings.c.score.in_(score_values(scores)))
        entity = entity_column(self.node, RATINGS)
        if entity is None:
            return await rating_page(
                info.context, where=where, descending=True, first=first, after=after
            )
        key = (_path(info), self.node.context.filter, tuple(surveys or ()), tuple(scores or ()))
        return await nested_rating_page(
            info.context,
            key=(*key, first, after),
            parent=entity,
            parent_id=self.node.key[0],
            where=where,
            descending=True,
            first=first,
            after=after,
        )

    @strawberry.field(description="the conversations created in the period, same filter")
    async def conversations(
        self, info: Info[Context, None], first: int | None = DEFAULT_FIRST, after: str | None = None
    ) -> Connection[Conversation]:
        where = drill_down_conditions(self.node, CONVERSATIONS_CREATED)
        entity = entity_column(self.node, CONVERSATIONS_CREATED)
        if entity is None:
            return await conversation_page(info.context, where=where, first=first, after=after)
        return await nested_conversation_page(
            info.context,
            key=(_path(info), self.node.context.filter, first, after),
            parent=entity,
            parent_id=self.node.key[0],
            where=where,
            first=first,
            after=after,
        )

    @strawberry.field(description="mean, median, min and max of the value over the local days")
    def daily(self, value: MetricValueEnum) -> DailyAggregate:  # type: ignore[valid-type]
        name = enum_name(value)
        context = self.node.context
        result = self.node.request.result(context, context.grouping((), Granularity.DAY))
        assert result is not None, "planned by SelectionPlanner.report"
        figures = [
            figure
            for index in range(self._period.days)
            if (figure := result.value((*self.node.key, index), name, 1)) is not None
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


Report = strawberry.type(
    _with_metrics(type("Report", (ReportBase,), {}), lambda root: (root.node.context.grouping(),)),
    description="Metrics over a period, with its previous period, series and breakdowns.",
)


# --- labels -----------------------------------------------------------------------------------


def label_loader(context: Context) -> DataLoader[tuple[str, str | None], str]:
    """Labels of group keys, one statement per dimension with a label table per request."""

    async def load(keys: list[tuple[str, str | None]]) -> list[str]:
        found: dict[tuple[str, str | None], str] = {}
        by_dimension: dict[str, set[str]] = {}
        for dimension_name, key in keys:
            if key is not None:
                by_dimension.setdefault(dimension_name, set()).add(key)
        for dimension_name, wanted in by_dimension.items():
            labels = DIMENSIONS[dimension_name].labels
            if isinstance(labels, LabelTable):
                found.update(await _table_labels(context, dimension_name, labels, wanted))
            elif labels is not None:
                found.update({(dimension_name, k): labels[k] for k in wanted if k in labels})
        return [NONE_LABEL if key is None else found.get((d, key), key) for d, key in keys]

    return context.cache.setdefault("report-labels", DataLoader(load_fn=load))


async def _table_labels(
    context: Context, dimension: str, labels: LabelTable, keys: set[str]
) -> dict[tuple[str, str], str]:
    from sqlalchemy import select

    table = labels.table
    query = select(table.c[labels.key], table.c[labels.name]).where(
        context.scope.where(table), table.c[labels.key].in_(sorted(keys))
    )
    async with context.engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    # a row without a name (customer names are optional) keeps its key as label
    return {(dimension, str(key)): name for key, name in rows if name is not None}


# --- entry points -----------------------------------------------------------------------------


def _selections(info: Info[Context, Any]) -> list[Field]:
    return selected_fields(info._raw_info)


async def resolve_report(info: Info[Context, Any], report_filter: Any) -> Any:
    """`Query.report`: plan the whole selection, run it, return the root node."""
    context = info.context
    node_context = NodeContext(context.scope, resolve_filter(context, report_filter))
    planner = SelectionPlanner(REGISTRY, context.settings.limits)
    planner.report(_selections(info), node_context)
    request = ReportRequest.of(context)
    await request.run(planner)
    return Report(node=Node(request, node_context, (), node_context.filter.period.days))


async def resolve_entity_report(
    info: Info[Context, Any], dimension: str, entity_id: str, report_filter: Any
) -> Any:
    """`User.report`, `Team.report`, `Inbox.report`: batched per request and selection."""
    context = info.context
    base = resolve_filter(context, report_filter)
    cache_key = ("entity-report", dimension, _path(info), base)
    loader = context.cache.get(cache_key)
    if loader is None:
        selections = _selections(info)

        async def load(ids: list[str]) -> list[Any]:
            node_context = NodeContext(
                context.scope, base.with_values(dimension, tuple(sorted(set(ids)))), dimension
            )
            planner = SelectionPlanner(REGISTRY, context.settings.limits)
            planner.report(selections, node_context)
            request = ReportRequest.of(context)
            await request.run(planner)
            days = node_context.filter.period.days
            return [Report(node=Node(request, node_context, (i,), days)) for i in ids]

        loader = context.cache[cache_key] = DataLoader(load_fn=load)
    return await loader.load(entity_id)


# --- drill-down and catalog -------------------------------------------------------------------


def drill_down_conditions(node: Node, fact: Fact) -> list[Any]:
    """The report's filter as conditions on the records of a fact (ratings, conversations)."""
    period = node.context.filter.period
    conditions = [instant(fact) >= period.start, instant(fact) < period.end]
    for name, values in node.context.filter.values:
        dimension = DIMENSIONS[name]
        if not dimension.applies_to(fact):
            raise UserError(f"{fact.table_name} cannot be filtered by `{dimension.filter}`")
        conditions.append(dimension_expression(dimension, fact, period).in_(values))
    return conditions


def entity_column(node: Node, fact: Fact) -> Any | None:
    """In a User/Team/Inbox report, the fact's column holding the entity: records are listed
    per entity, in one statement for all entities of the request."""
    if node.context.entity is None:
        return None
    dimension = DIMENSIONS[node.context.entity]
    return fact.table.c[dimension.columns[fact.table_name]]


def _path(info: Info[Context, Any]) -> tuple[str, ...]:
    """The field's path without list indexes: the same for every entity of a list."""
    return tuple(key for key in info.path.as_list() if isinstance(key, str))


@strawberry.type(description="A metric an installed plugin provides.")
class MetricInfo:
    name: str
    description: str
    plugin: str
    fields: list[str] = strawberry.field(description="its numeric fields, as MetricValue names")
    dimensions: list[str] = strawberry.field(description="dimensions it can be broken down by")
    filters: list[str] = strawberry.field(description="ReportFilter arguments it accepts")


def metric_catalog() -> list[MetricInfo]:
    values = REGISTRY.metric_values()
    catalog = []
    for metric in REGISTRY.metrics:
        dimensions = [
            d for d in REGISTRY.dimensions if all(d.applies_to(f) for f in metric.facts())
        ]
        catalog.append(
            MetricInfo(
                name=metric.name,
                description=metric.description,
                plugin=REGISTRY.owners[metric.name],
                fields=[name for name, (m, _, _) in values.items() if m is metric],
                dimensions=[d.name for d in dimensions],
                filters=[d.filter for d in dimensions if d.filter],
            )
        )
    return catalog


@strawberry.type
class ReportQuery:
    """The root fields of reports, merged into `Query` by build.py."""

    @strawberry.field(description="metrics over a period, filtered and broken down")
    async def report(self, info: Info[Context, None], filter: ReportFilter) -> Report:  # noqa: A002 - the API's name
        return await resolve_report(info, filter)

    @strawberry.field(description="every metric the installed plugins provide")
    def metric_catalog(self) -> list[MetricInfo]:
        return metric_catalog()
