"""`metricCatalog`: what the installed plugins provide, for clients that adapt to them."""

from __future__ import annotations

import strawberry

from server.schema.report.filter import REGISTRY


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
