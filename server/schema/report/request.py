"""The report results of one GraphQL request, and the nodes that read them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.errors import UserError
from server.metrics.executor import run_queries
from server.metrics.query import Grouping, MetricCall, Order
from server.metrics.results import GroupKey, QueryResult
from server.metrics.time import Days
from server.schema.context import Context
from server.schema.report.filter import REGISTRY
from server.schema.report.selection import NodeContext, SelectionPlanner, query_key


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
            split_metrics=self.context.settings.split_metrics,
            share_scans=self.context.settings.shares_scans(self.context.engine.dialect.name),
            rollups=self.context.settings.rollups,
            concurrent_statements=self.context.settings.limits.statements_per_request,
        )
        for key, query in todo.items():
            self.results[key] = results[query]

    def result(
        self, context: NodeContext, grouping: Grouping, order: Order | None = None
    ) -> QueryResult | None:
        return self.results.get(query_key(context, grouping, order))


class NotPlanned(UserError):
    """A report field whose numbers the planner did not prepare: said, never a quiet null."""


@dataclass
class Node:
    """What backs a Report, a ReportGroup or a ReportBucket: a group of one query's result."""

    request: ReportRequest
    context: NodeContext
    key: GroupKey  # the entity key if any, then dimension keys, then the bucket index
    days: Days  # the local days of the period or bucket

    def metric(self, call: MetricCall, grouping: Grouping, order: Order | None = None) -> Any:
        result = self.request.result(self.context, grouping, order)
        if result is None:
            raise NotPlanned(f"report field `{call[0]}` was not planned for this selection")
        return result.metric(self.key, call, self.days)
