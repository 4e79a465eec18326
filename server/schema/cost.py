"""The cost budget of SPEC 9: the result cells a request would produce, estimated before any SQL.

Every limit of a single field can hold while their product does not: groups × buckets × fields ×
entities × aliases. The estimate walks the operation with its variables, as the resolvers will
see it, and counts the leaf values (cells) the response would hold:

- a field with a `first` argument (a page) multiplies what it holds by `first`;
- `breakdown` by its `limit`, or by the number of groups its dimensions can have, when every one
  of them has a known number of keys (WEEKDAY 7, HOUR 24, a dimension with fixed labels);
- `series` by the number of its buckets in the report's period;
- any other list (currency totals, inboxes, teams, members, …) counts `UNBOUNDED_LIST` items;
- aliases are fields of their own, and fragments count where they are spread.

It is an estimate on purpose: an upper bound for reports, a page per unbounded list.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
    get_operation_ast,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values

from server.metrics.declarations import Dimension
from server.metrics.time import Granularity, Period
from server.settings import Limits

UNBOUNDED_LIST = 10  # items counted for a list the request does not bound: currencies, teams…
# The walk is cheap whatever the cells (they multiply), but fragments spread in fragments can make
# a small document's walk long: it stops after this many fields, the estimate then a lower bound.
MAX_VISITS = 50_000


@dataclass(frozen=True)
class Walk:
    """Where the walk is: how many times the current selection repeats, in which period."""

    repeats: int
    period: tuple[date, date] | None  # the enclosing report's days, for series buckets


class CostEstimator:
    def __init__(
        self, schema: GraphQLSchema, dimensions: Mapping[str, Dimension], limits: Limits
    ) -> None:
        self.schema = schema
        self.limits = limits
        self.cardinality = {name: _cardinality(d) for name, d in dimensions.items()}

    def estimate(
        self,
        document: DocumentNode,
        operation_name: str | None,
        variables: dict[str, Any] | None,
    ) -> Estimate | None:
        """The cells of the response; None when the request is invalid (execution says why)."""
        operation = get_operation_ast(document, operation_name)
        root = self.schema.query_type
        if operation is None or root is None:
            return None
        coerced = get_variable_values(
            self.schema, operation.variable_definitions or (), variables or {}
        )
        if isinstance(coerced, list):  # errors: execution reports them
            return None
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        counter = _Counter(self, fragments, coerced)
        try:
            counter.selection(operation.selection_set, root, Walk(1, None))
        except GraphQLError:  # a bad argument: execution reports it
            return None
        except _TooLong:
            return Estimate(counter.cells, complete=False)
        return Estimate(counter.cells, complete=True)


@dataclass(frozen=True)
class Estimate:
    cells: int
    complete: bool  # False: the walk stopped early, there are more cells than this

    def __str__(self) -> str:
        return f"{self.cells:,}" if self.complete else f"more than {self.cells:,}"


class _TooLong(Exception):
    pass


class _Counter:
    def __init__(
        self,
        estimator: CostEstimator,
        fragments: dict[str, FragmentDefinitionNode],
        variables: VariableValues,
    ) -> None:
        self.estimator = estimator
        self.fragments = fragments
        self.variables = variables
        self.cells = 0
        self.visits = 0

    def selection(
        self, selection_set: SelectionSetNode, parent: GraphQLObjectType, walk: Walk
    ) -> None:
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                self.field(node, parent, walk)
            elif isinstance(node, InlineFragmentNode):
                self.selection(node.selection_set, parent, walk)
            elif isinstance(node, FragmentSpreadNode):
                fragment = self.fragments.get(node.name.value)
                if fragment is not None:
                    self.selection(fragment.selection_set, parent, walk)

    def field(self, node: FieldNode, parent: GraphQLObjectType, walk: Walk) -> None:
        self.visits += 1
        if self.visits > MAX_VISITS:
            raise _TooLong
        definition = parent.fields.get(node.name.value)
        if definition is None:  # __typename and other introspection: a cell each
            self.cells += walk.repeats
            return
        child = get_named_type(definition.type)
        if node.selection_set is None or not isinstance(child, GraphQLObjectType):
            self.cells += walk.repeats  # a scalar, or a short list of them (keys): one cell
            return
        arguments = get_argument_values(definition, node, self.variables)
        period = _period(arguments) or walk.period
        items = self.items(node.name.value, definition, arguments, period)
        self.selection(node.selection_set, child, Walk(walk.repeats * items, period))

    def items(
        self,
        name: str,
        definition: GraphQLField,
        arguments: dict[str, Any],
        period: tuple[date, date] | None,
    ) -> int:
        """How many times the field's selection repeats per parent. A value over its own limit
        counts 1: the field's own error, with its path, says more than the budget's."""
        limits = self.estimator.limits
        if isinstance(arguments.get("first"), int):
            first = arguments["first"]
            return first if 0 <= first <= limits.max_first else 1
        if not _is_list(definition):
            return 1
        if name == "breakdown" and isinstance(arguments.get("limit"), int):
            limit = arguments["limit"]
            if not 1 <= limit <= limits.max_breakdown_limit:
                return 1
            known = [self.estimator.cardinality.get(_name(d)) for d in arguments.get("by") or ()]
            if known and None not in known:
                return min(limit, math.prod(k for k in known if k is not None))
            return limit
        if name == "series" and period is not None and arguments.get("granularity") is not None:
            buckets = _buckets(period, Granularity(_name(arguments["granularity"])))
            return buckets if buckets <= limits.max_series_buckets else 1
        # Edges of a page: the page's `first` already counted them.
        if name in ("edges", "nodes"):
            return 1
        return UNBOUNDED_LIST


def _cardinality(dimension: Dimension) -> int | None:
    """How many keys a dimension's groups can have, when fixed: None when the data decides."""
    if dimension.local_time == "weekday":
        return 7
    if dimension.local_time == "hour":
        return 24
    if isinstance(dimension.labels, Mapping):
        return len(dimension.labels) + 1  # and rows without a value
    return None


def _period(arguments: dict[str, Any]) -> tuple[date, date] | None:
    """The days of a report's `filter` argument (the schema is read from SDL, so dates come as
    the strings sent); None when absent or invalid, which the resolver refuses."""
    found = arguments.get("filter")
    if not isinstance(found, Mapping):
        return None
    try:
        first, last = date.fromisoformat(found["from"]), date.fromisoformat(found["to"])
    except (KeyError, TypeError, ValueError):
        return None
    return (first, last) if first <= last else None


def _buckets(period: tuple[date, date], granularity: Granularity) -> int:
    try:
        return len(Period(period[0], period[1], "UTC").buckets(granularity))
    except (OverflowError, ValueError):
        return 1  # refused with its own error before any SQL


def _name(value: Any) -> str:
    return str(getattr(value, "name", value))


def _is_list(definition: GraphQLField) -> bool:
    kind = definition.type
    if isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    return isinstance(kind, GraphQLList)
