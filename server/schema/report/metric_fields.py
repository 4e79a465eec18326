"""One nullable field per installed metric on the report types, with the metric's arguments."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

import strawberry

from server.metrics.declarations import Metric, argument_values, python_name
from server.schema.report.filter import REGISTRY


def _metric_resolver(metric: Metric, grouping_of: Any) -> Any:
    """A resolver for a metric field, with one keyword argument per declared metric argument."""

    def resolve(root: Any, **given: Any) -> Any:
        arguments = {name: given.get(python_name(name)) for name in metric.arguments}
        call = (metric.name, argument_values(metric, arguments))
        return root.node.metric(call, *grouping_of(root))

    parameters = [inspect.Parameter("root", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    annotations: dict[str, Any] = {}
    for name, argument in metric.arguments.items():
        annotation = Annotated[
            argument.type | None, strawberry.argument(description=argument.description)
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
    return resolve


def with_metrics(cls: type, grouping_of: Any) -> type:
    """Add one nullable field per installed metric to a report type."""
    for metric in REGISTRY.metrics:
        field = strawberry.field(
            resolver=_metric_resolver(metric, grouping_of),
            description=metric.description,
            graphql_type=metric.result | None,
        )
        setattr(cls, metric.name, field)
    return cls
