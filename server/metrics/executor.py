"""Running planned queries: every statement of a request at once, each on its own connection."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect, Select
from sqlalchemy.ext.asyncio import AsyncEngine

from server.metrics.native import NativeStatement, fetch_native, native_statement
from server.metrics.planner import Plan, plan_query
from server.metrics.query import Query
from server.metrics.results import QueryResult
from server.metrics.shared_scans import CompiledScan, SharedScan, compile_shared, group_statements
from server.metrics.sql import Statement, compile_statement
from server.plugins import Registry


def compile_plan(plan: Plan, registry: Registry) -> list[Select[Any]]:
    return [compile_one(statement, registry) for statement in plan.statements]


def compile_one(statement: Statement, registry: Registry) -> Select[Any]:
    dimensions = {d.name: d for d in registry.dimensions}
    order_value = None
    if statement.order_by_value is not None:
        metric, _, value = registry.metric_values()[statement.order_by_value]
        days = statement.query.filter.period.local_days

        def order_value(aggregates: dict[str, Any]) -> Any:
            return value.sql(
                {name: aggregates[f"{metric.name}.{name}"] for name in value.part_names()}, days
            )

    return compile_statement(
        statement, dimensions, statement.query.scope.where(statement.rows.table), order_value
    )


def compile_scan(scan: SharedScan, registry: Registry) -> CompiledScan:
    dimensions = {d.name: d for d in registry.dimensions}
    first = scan.first
    return compile_shared(scan, dimensions, first.query.scope.where(first.rows.table))


@dataclass(frozen=True)
class CompiledQueries:
    """The plans of some queries and the statements that answer them, ready to run."""

    plans: list[Plan]
    units: list[Statement | SharedScan]
    selects: list[Select[Any] | CompiledScan]
    # On PostgreSQL, the same statements as asyncpg runs them (native.py).
    native: list[NativeStatement] | None = None


# Dashboards repeat the same queries (same periods, scopes, fields): building the SQL expressions
# is the largest part of a request's Python time, so compiled plans are kept, most recent last.
COMPILED_PLANS_KEPT = 256


def compile_queries(
    queries: Iterable[Query],
    registry: Registry,
    *,
    split_metrics: bool,
    share_scans: bool,
    rollups: bool = False,
    dialect: Dialect | None = None,
) -> CompiledQueries:
    unique = tuple(dict.fromkeys(queries))
    cache = registry.compiled_plans
    native = dialect is not None and dialect.name == "postgresql"
    key = (unique, split_metrics, share_scans, rollups, native)
    found = cache.pop(key, None)
    if found is None:
        plans = [
            plan_query(q, registry, split_metrics=split_metrics, rollups=rollups) for q in unique
        ]
        statements = [statement for plan in plans for statement in plan.statements]
        units: list[Statement | SharedScan] = (
            group_statements(statements) if share_scans else list(statements)
        )
        # Statements run a few at a time, in this order: those reading raw rows take longest
        # (a rollup's take a millisecond or two), so they start first and the others fit
        # around them (the full peer dashboard: 33 against 30.6 ms in process).
        units.sort(key=_reads_rollup)
        selects = [
            compile_scan(u, registry) if isinstance(u, SharedScan) else compile_one(u, registry)
            for u in units
        ]
        found = CompiledQueries(plans, units, selects)
        if native:
            assert dialect is not None
            found = CompiledQueries(
                plans, units, selects, [native_statement(_select(s), dialect) for s in selects]
            )
        while len(cache) >= COMPILED_PLANS_KEPT:
            del cache[next(iter(cache))]
    cache[key] = found
    return found


def _reads_rollup(unit: Statement | SharedScan) -> bool:
    return (unit.first if isinstance(unit, SharedScan) else unit).rollup is not None


async def run_queries(
    engine: AsyncEngine,
    queries: Iterable[Query],
    registry: Registry,
    *,
    split_metrics: bool = False,
    share_scans: bool = False,
    rollups: bool = False,
    concurrent_statements: int | None = None,
) -> dict[Query, QueryResult]:
    """`share_scans` (PostgreSQL only): statements reading the same rows become one statement
    with GROUPING SETS (shared_scans.py). `rollups`: statements that a rollup answers exactly
    read it (rollups.py). `concurrent_statements`: how many run at once (None: all)."""
    compiled = compile_queries(
        queries,
        registry,
        split_metrics=split_metrics,
        share_scans=share_scans,
        rollups=rollups,
        dialect=engine.dialect,
    )
    running = asyncio.Semaphore(concurrent_statements or len(compiled.selects) or 1)
    statements: list[Select[Any]] | list[NativeStatement] = compiled.native or [
        _select(s) for s in compiled.selects
    ]
    fetched = await asyncio.gather(*(_fetch(engine, s, running) for s in statements))
    rows_of: dict[int, list[Any]] = {}  # id(statement) -> its rows
    for unit, select, rows in zip(compiled.units, compiled.selects, fetched, strict=True):
        if isinstance(unit, SharedScan):
            assert isinstance(select, CompiledScan)
            for member, member_rows in zip(unit.members, select.split_rows(rows), strict=True):
                rows_of[id(member)] = member_rows
        else:
            rows_of[id(unit)] = rows
    return {
        plan.query: QueryResult(plan, registry, [rows_of[id(s)] for s in plan.statements])
        for plan in compiled.plans
    }


def _select(unit: Select[Any] | CompiledScan) -> Select[Any]:
    return unit.select if isinstance(unit, CompiledScan) else unit


async def _fetch(
    engine: AsyncEngine, statement: Select[Any] | NativeStatement, running: asyncio.Semaphore
) -> list[Any]:
    async with running, engine.connect() as connection:
        if isinstance(statement, NativeStatement):
            return await fetch_native(connection, statement)
        return list((await connection.execute(statement)).all())
