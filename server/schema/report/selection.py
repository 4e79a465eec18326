"""From the GraphQL selection of a report to the Queries it needs, before any resolver runs.

The walk mirrors the Report type: metric fields of a node need one query for its (period,
grouping); `previous` shifts the period; `series` adds a calendar grouping; `breakdown` adds
dimensions (and its own `series` and `previous`); `daily` needs a day series of one metric.
Arguments are coerced against the schema, so variables and declared defaults apply as they will
for the resolvers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLResolveInfo,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import VariableValues, get_argument_values
from strawberry.types import Info

from server.errors import UserError
from server.metrics.declarations import argument_values
from server.metrics.query import Filter, Grouping, MetricCall, Order, Query
from server.metrics.time import Granularity, Shift
from server.plugins import Registry
from server.security.scope import Scope
from server.settings import Limits

DEFAULT_LIMIT = 100  # breakdown(limit:), as declared in types.py


@dataclass(frozen=True)
class NodeContext:
    """Where a selection sits: its filter, and the entity dimension of User/Team/Inbox reports."""

    scope: Scope
    filter: Filter
    entity: str | None = None  # the dimension whose key identifies the entity (first group key)

    def grouping(
        self, dimensions: tuple[str, ...] = (), granularity: Granularity | None = None
    ) -> Grouping:
        if self.entity:
            return Grouping((self.entity, *dimensions), granularity, entity=True)
        return Grouping(dimensions, granularity)

    def shifted(self, shift: Shift) -> NodeContext:
        return NodeContext(
            self.scope, self.filter.with_period(self.filter.period.previous(shift)), self.entity
        )


def enum_name(value: Any) -> str:
    return value.name if isinstance(value, Enum) else str(value)


def breakdown_order(arguments: dict[str, Any], limits: Limits) -> tuple[tuple[str, ...], Order]:
    """The dimensions and order of `breakdown(by, orderBy, descending, limit)`, checked."""
    by = tuple(enum_name(d) for d in arguments["by"])
    if not by:
        raise UserError("breakdown: `by` needs at least one dimension")
    if len(set(by)) != len(by):
        raise UserError("breakdown: a dimension is repeated in `by`")
    limit = DEFAULT_LIMIT if arguments["limit"] is None else arguments["limit"]
    if not 1 <= limit <= limits.max_breakdown_limit:
        raise UserError(f"breakdown: limit must be between 1 and {limits.max_breakdown_limit}")
    order_by = arguments.get("orderBy")
    value = None if order_by is None else enum_name(order_by)
    return by, Order(value, arguments["descending"] is not False, limit)


def check_series(context: NodeContext, granularity: Granularity, limits: Limits) -> None:
    count = len(context.filter.period.buckets(granularity))
    if count > limits.max_series_buckets:
        raise UserError(
            f"series: {count} {granularity.name.lower()} buckets, over the limit of "
            f"{limits.max_series_buckets}"
        )


@dataclass(frozen=True)
class Field:
    """A field of the selection with its arguments coerced (variables and defaults applied)."""

    name: str
    arguments: dict[str, Any]
    selections: list[Field]


def selections(info: Info[Any, Any]) -> list[Field]:
    """The fields selected under the report field being resolved, fragments flattened."""
    # Strawberry's Info has no public way to graphql-core's GraphQLResolveInfo, which this needs.
    # Its public `selected_fields` flattens fragments but leaves arguments uncoerced: literals as
    # their source text (`limit: 5` gives "5"), enums as names, no schema defaults, and a
    # variable left out gives None instead of the argument's default. And Info exposes neither
    # the fragment definitions nor graphql-core's field definitions, which get_argument_values
    # coerces with. So this reads the private `_raw_info`, as strawberry's own Info properties
    # do: arguments are coerced exactly as the resolvers receive theirs.
    return selected_fields(info._raw_info)


def selected_fields(info: GraphQLResolveInfo) -> list[Field]:
    """The fields selected under the field being resolved, fragments flattened."""
    field_type = get_named_type(info.return_type)
    assert isinstance(field_type, GraphQLObjectType), "only object fields have selections"
    return [
        field
        for node in info.field_nodes
        for field in _fields(info, node.selection_set, field_type)
    ]


def _variables(info: GraphQLResolveInfo) -> VariableValues:
    # Strawberry's executor hands resolvers the plain dict of coerced values.
    values: Any = info.variable_values
    return VariableValues({}, values) if isinstance(values, dict) else values


def _fields(
    info: GraphQLResolveInfo, selection_set: SelectionSetNode | None, parent: GraphQLObjectType
) -> list[Field]:
    fields: list[Field] = []
    for node in selection_set.selections if selection_set else ():
        if isinstance(node, FieldNode):
            if node.name.value.startswith("__"):
                continue
            definition = parent.fields[node.name.value]
            child = get_named_type(definition.type)
            fields.append(
                Field(
                    node.name.value,
                    get_argument_values(definition, node, _variables(info)),
                    _fields(info, node.selection_set, child)
                    if isinstance(child, GraphQLObjectType)
                    else [],
                )
            )
        elif isinstance(node, FragmentSpreadNode):
            fields += _fields(info, info.fragments[node.name.value].selection_set, parent)
        elif isinstance(node, InlineFragmentNode):
            fields += _fields(info, node.selection_set, parent)
    return fields


class SelectionPlanner:
    """Walks a report's selection into the Queries it needs.

    A part of the selection with an invalid argument (a breakdown limit over the limit, a series
    with too many buckets) is left out: its own resolver runs the same check and reports the error
    at that field's path, so the rest of the report still answers.
    """

    def __init__(self, registry: Registry, limits: Limits) -> None:
        self.registry = registry
        self.limits = limits
        self.metric_names = {m.name for m in registry.metrics}
        self.queries: dict[tuple[Any, ...], Query] = {}

    def report(self, fields: Iterable[Field], context: NodeContext) -> None:
        metrics: set[tuple[MetricCall, str]] = set()
        for field in fields:
            try:
                if field.name in self.metric_names:
                    metrics |= self.asked(field)
                elif field.name == "previous":
                    self.report(field.selections, context.shifted(_shift(field.arguments)))
                elif field.name == "series":
                    self.series(field, context, ())
                elif field.name == "breakdown":
                    self.breakdown(field, context)
                elif field.name == "daily":
                    value = self.value_field(field.arguments["value"])
                    self.need(context, context.grouping((), Granularity.DAY), {value})
            except UserError:
                continue  # reported by the field's resolver
        self.need(context, context.grouping(), metrics)

    def asked(self, field: Field) -> set[tuple[MetricCall, str]]:
        """(metric call, field) pairs a metric field's selection asks for (`csat { __typename }`
        asks for the metric itself: "*" is no value, so every part)."""
        metric = self.registry.metric(field.name)
        call = (metric.name, argument_values(metric, field.arguments))
        return {(call, sub.name) for sub in field.selections} or {(call, "*")}

    def value_field(self, value: Any) -> tuple[MetricCall, str]:
        """(metric call, field) of a `MetricValue`: the metric without arguments."""
        metric, name, _ = self.registry.metric_values()[enum_name(value)]
        return (metric.name, ()), name

    def series(self, field: Field, context: NodeContext, dimensions: tuple[str, ...]) -> None:
        granularity = Granularity(enum_name(field.arguments["granularity"]))
        check_series(context, granularity, self.limits)
        metrics = {
            asked
            for f in field.selections
            if f.name in self.metric_names
            for asked in self.asked(f)
        }
        self.need(context, context.grouping(dimensions, granularity), metrics)

    def breakdown(self, field: Field, context: NodeContext) -> None:
        by, order = breakdown_order(field.arguments, self.limits)
        self.group(field.selections, context, by, order)

    def group(
        self,
        fields: Iterable[Field],
        context: NodeContext,
        by: tuple[str, ...],
        order: Order | None,
    ) -> None:
        fields = list(fields)
        for field in fields:
            try:
                if field.name == "series":
                    self.series(field, context, by)
                elif field.name == "previous":
                    shifted = context.shifted(_shift(field.arguments))
                    self.group(field.selections, shifted, by, None)
            except UserError:
                continue  # reported by the field's resolver
        # The groups are those where any metric asked anywhere inside them has rows, so a
        # breakdown that asks metrics only in its groups' series or previous still finds them.
        metrics = self._metrics_within(fields)
        if order is not None and order.value is not None:
            metrics.add(self.value_field(order.value))
        self.need(context, context.grouping(by), metrics, order)

    def _metrics_within(self, fields: Iterable[Field]) -> set[tuple[MetricCall, str]]:
        metrics: set[tuple[MetricCall, str]] = set()
        for field in fields:
            if field.name in self.metric_names:
                metrics |= self.asked(field)
            elif field.name in ("series", "previous"):
                metrics |= self._metrics_within(field.selections)
        return metrics

    def need(
        self,
        context: NodeContext,
        grouping: Grouping,
        metrics: set[tuple[MetricCall, str]],
        order: Order | None = None,
    ) -> None:
        if not metrics:
            return  # a node asking no metric reads no result (a breakdown then says so)
        key = query_key(context, grouping, order)
        existing = self.queries.get(key)
        merged = frozenset(metrics) | (existing.fields if existing else frozenset())
        self.queries[key] = Query(context.scope, context.filter, grouping, merged, order)


def query_key(context: NodeContext, grouping: Grouping, order: Order | None) -> tuple[Any, ...]:
    return (context.filter, grouping, order)


def _shift(arguments: dict[str, Any]) -> Shift:
    return Shift(enum_name(arguments["shift"] or Shift.PERIOD))
