"""The root fields of reports: `Query.report` and `Query.metricCatalog`."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from server.schema.context import Context
from server.schema.report.catalog import MetricInfo, metric_catalog
from server.schema.report.filter import REGISTRY, ReportFilter, resolve_filter
from server.schema.report.request import Node, ReportRequest
from server.schema.report.selection import NodeContext, SelectionPlanner, selections
from server.schema.report.types import Report


async def resolve_report(info: Info[Context, Any], report_filter: Any) -> Any:
    """`Query.report`: plan the whole selection, run it, return the root node."""
    context = info.context
    node_context = NodeContext(context.scope, resolve_filter(context, report_filter))
    planner = SelectionPlanner(REGISTRY, context.settings.limits)
    planner.report(selections(info), node_context)
    request = ReportRequest.of(context)
    await request.run(planner)
    return Report(node=Node(request, node_context, (), node_context.filter.period.local_days))


@strawberry.type
class ReportQuery:
    """The root fields of reports, merged into `Query` by build.py."""

    @strawberry.field(description="metrics over a period, filtered and broken down")
    async def report(self, info: Info[Context, None], filter: ReportFilter) -> Report:  # noqa: A002 - the API's name
        return await resolve_report(info, filter)

    @strawberry.field(description="every metric the installed plugins provide")
    def metric_catalog(self) -> list[MetricInfo]:
        return metric_catalog()
