"""`User.report`, `Team.report` and `Inbox.report`: every entity of a list in one plan.

The entities of one selection are collected by a DataLoader and reported together, grouped by the
entity's dimension, so a page of 100 users costs the statements of one.
"""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader
from strawberry.types import Info

from server.schema.context import Context
from server.schema.report.drilldown import path_key
from server.schema.report.filter import REGISTRY, resolve_filter
from server.schema.report.request import Node, ReportRequest
from server.schema.report.selection import NodeContext, SelectionPlanner, selections
from server.schema.report.types import Report


async def resolve_entity_report(
    info: Info[Context, Any], dimension: str, entity_id: str, report_filter: Any
) -> Any:
    """`User.report`, `Team.report`, `Inbox.report`: batched per request and selection."""
    context = info.context
    base = resolve_filter(context, report_filter)
    cache_key = ("entity-report", dimension, path_key(info), base)
    loader = context.cache.get(cache_key)
    if loader is None:
        selected = selections(info)

        async def load(ids: list[str]) -> list[Any]:
            node_context = NodeContext(
                context.scope, base.with_values(dimension, tuple(sorted(set(ids)))), dimension
            )
            planner = SelectionPlanner(REGISTRY, context.settings.limits)
            planner.report(selected, node_context)
            request = ReportRequest.of(context)
            await request.run(planner)
            days = node_context.filter.period.local_days
            return [Report(node=Node(request, node_context, (i,), days)) for i in ids]

        loader = context.cache[cache_key] = DataLoader(load_fn=load)
    return await loader.load(entity_id)
