"""One nullable field per installed metric on the report types, with the metric's arguments."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import strawberry
from graphql import GraphQLObjectType, GraphQLSchema

from server.metrics.declarations import Metric, argument_values, python_name
from server.schema.report.filter import REGISTRY

T = TypeVar("T", bound=type)
GroupingOf = Callable[[Any], tuple[Any, ...]]
"""A report node -> the grouping (and order) its metric fields read: `Node.metric`'s arguments."""


def _metric_resolver(metric: Metric, grouping_of: GroupingOf) -> Any:
    """A resolver for a metric field, with one keyword argument per declared metric argument."""

    def resolve(root: Any, **given: Any) -> Any:
        arguments = {name: given.get(python_name(name)) for name in metric.arguments}
        call = (metric.name, argument_values(metric, arguments))
        return root.node.metric(call, *grouping_of(root))

    parameters = [inspect.Parameter("root", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    annotations: dict[str, Any] = {}
    for name, argument in metric.arguments.items():
        # The type is a value of the declaration, given as graphql_type: not a static annotation.
        annotation = Annotated[
            Any,
            strawberry.argument(
                description=argument.description, graphql_type=argument.type | None
            ),
        ]
        parameters.append(
            inspect.Parameter(
                python_name(name),
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=annotation,
            )
        )
        annotations[python_name(name)] = annotation
    resolve.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    resolve.__annotations__ = annotations
    if not metric.arguments:
        call = (metric.name, argument_values(metric, {}))

        def direct(root: Any, info: Any) -> Any:
            return root.node.metric(call, *grouping_of(root))

        resolve.direct = direct  # type: ignore[attr-defined]
    return resolve


def resolve_metric_fields_directly(schema: GraphQLSchema) -> None:
    """Let graphql-core call the metric fields without arguments directly.

    Strawberry wraps every resolver to convert arguments, build its `Info` and run field
    extensions: about half the time of a metric field, none of which such a field uses, and a
    year's day series has 365 of them per metric asked.
    """
    objects = [t for t in schema.type_map.values() if isinstance(t, GraphQLObjectType)]
    for field in (field for named in objects for field in named.fields.values()):
        definition = (field.extensions or {}).get("strawberry-definition")
        resolver = getattr(definition, "base_resolver", None)
        direct = getattr(getattr(resolver, "wrapped_func", None), "direct", None)
        if direct is not None and not field.args:
            field.resolve = direct


def with_metrics(grouping_of: GroupingOf) -> Callable[[T], T]:
    """A class decorator (under `@strawberry.type`) adding one nullable field per installed
    metric to a report type."""

    def add_fields(cls: T) -> T:
        for metric in REGISTRY.metrics:
            field = strawberry.field(
                resolver=_metric_resolver(metric, grouping_of),
                description=metric.description,
                graphql_type=metric.result | None,
            )
            setattr(cls, metric.name, field)
        return cls

    return add_fields
