"""Running planned queries: every statement of a request at once, each on its own connection."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncEngine

from server.metrics.planner import Plan, plan_query
from server.metrics.query import Query
from server.metrics.results import QueryResult
from server.metrics.sql import Statement, compile_statement
from server.plugins import Registry


def compile_plan(plan: Plan, registry: Registry) -> list[Select[Any]]:
    dimensions = {d.name: d for d in registry.dimensions}
    values = registry.metric_values()

    def order_value(statement: Statement) -> Any:
        if statement.order_by_value is None:
            return None
        metric, _, value = values[statement.order_by_value]
        return lambda aggregates: value.sql(
            {name: aggregates[f"{metric.name}.{name}"] for name in value.part_names()},
            plan.query.filter.period.local_days,
        )

    return [
        compile_statement(
            statement,
            dimensions,
            plan.query.scope.where(statement.fact.table),
            order_value(statement),
        )
        for statement in plan.statements
    ]


async def run_queries(
    engine: AsyncEngine,
    queries: Iterable[Query],
    registry: Registry,
    *,
    split_metrics: bool = False,
) -> dict[Query, QueryResult]:
    plans = [
        plan_query(query, registry, split_metrics=split_metrics) for query in dict.fromkeys(queries)
    ]
    selects = [compile_plan(plan, registry) for plan in plans]
    flat = [select for plan_selects in selects for select in plan_selects]
    rows = await asyncio.gather(*(_fetch(engine, select) for select in flat))
    results: dict[Query, QueryResult] = {}
    position = 0
    for plan, plan_selects in zip(plans, selects, strict=True):
        count = len(plan_selects)
        results[plan.query] = QueryResult(plan, registry, rows[position : position + count])
        position += count
    return results


async def _fetch(engine: AsyncEngine, select: Select[Any]) -> list[Any]:
    async with engine.connect() as connection:
        return list((await connection.execute(select)).all())
