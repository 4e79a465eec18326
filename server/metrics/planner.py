"""Planning: a Query becomes one statement per (fact, split) of the metrics it asks for.

The number of statements depends only on which facts the asked metrics read, never on how many
fields, groups, buckets or rows there are. Metrics that cannot answer for the query's dimensions
or filters (a browser breakdown of transactions) are left out with an error for their field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.metrics.declarations import LocalWeekday, Metric, Split
from server.metrics.facts import Fact
from server.metrics.query import MetricCall, Query
from server.metrics.rollups import Rollup, choose_rollup
from server.metrics.sql import PlannedPart, Statement, part_conditions
from server.plugins import Registry


@dataclass
class Plan:
    query: Query
    statements: list[Statement] = field(default_factory=list)
    errors: dict[MetricCall, str] = field(default_factory=dict)  # why a metric cannot answer
    # metric call -> part name -> why: parts of a fact that cannot answer while others can
    missing: dict[MetricCall, dict[str, str]] = field(default_factory=dict)


def plan_query(
    query: Query, registry: Registry, *, split_metrics: bool = False, rollups: bool = False
) -> Plan:
    """`split_metrics`: one statement per metric instead of one per fact (see Settings);
    `rollups`: statements a rollup answers exactly read it instead of the fact's rows."""
    plan = Plan(query)
    groups: dict[tuple[str, str | None, str], tuple[Fact, list[PlannedPart]]] = {}
    for call in sorted(query.calls, key=str):
        name, arguments = call
        metric = registry.metric(name)
        problems = {
            fact.name: unsupported(fact, metric, query, registry) for fact in metric.facts()
        }
        if all(problems.values()):
            plan.errors[call] = next(p for p in problems.values() if p)
            continue
        for part_name in needed_parts(metric, call, query):
            part = metric.part(part_name)
            fact = part.fact or metric.fact
            problem = problems[fact.name]
            if problem:
                plan.missing.setdefault(call, {})[part_name] = problem
                continue
            split = split_key(part.splits, fact)
            statement = (fact.name, split, str(call) if split_metrics else "")
            planned = PlannedPart(metric, arguments, part_name, part)
            groups.setdefault(statement, (fact, []))[1].append(planned)
    for _, (fact, parts) in sorted(groups.items(), key=lambda item: str(item[0])):
        rollup = _rollup(query, fact, parts, registry) if rollups else None
        splits = len(parts[0].part.splits)
        plan.statements.append(Statement(query, fact, tuple(parts), splits, rollup=rollup))
    _push_order_down(plan, registry)
    return plan


def split_key(splits: tuple[Split, ...], fact: Fact) -> str | None:
    """What parts split the same way have in common: they share a statement."""
    if not splits:
        return None
    return "|".join(
        "local weekday" if isinstance(split, LocalWeekday) else str(split(fact.table))
        for split in splits
    )


def _rollup(
    query: Query, fact: Fact, parts: list[PlannedPart], registry: Registry
) -> Rollup | None:
    read = [
        (p.part.kind, [e for e in (p.part.expression, *part_conditions(p)) if e is not None])
        for p in parts
    ]
    dimensions = {d.name: d for d in registry.dimensions}
    return choose_rollup(query, fact, read, parts[0].part.splits, dimensions)


def needed_parts(metric: Metric, call: MetricCall, query: Query) -> list[str]:
    """The parts the asked fields of a metric call read (no statement for a fact nobody asks)."""
    needed: set[str] = set()
    for asked_call, asked in query.fields:
        if asked_call != call:
            continue
        value = metric.values.get(asked)
        if value is not None:
            needed |= value.part_names()
        else:
            needed |= set(metric.field_parts.get(asked, metric.parts))
    return [part for part in metric.parts if part in needed]


def unsupported(fact: Fact, metric: Metric, query: Query, registry: Registry) -> str | None:
    """Why `metric` cannot read `fact` grouped or filtered as `query` asks, or None."""
    asked = [(name, "dimension") for name in query.grouping.dimensions]
    asked += [(name, "filter") for name, _ in query.filter.values]
    for name, role in asked:
        dimension = registry.dimension(name)
        if not dimension.applies_to(fact):
            what = f"filter `{dimension.filter}`" if role == "filter" else f"dimension {name}"
            return (
                f"metric `{metric.name}` does not support the {what} (it reads {fact.description})"
            )
    return None


def _push_order_down(plan: Plan, registry: Registry) -> None:
    """Let SQL order and limit a breakdown when one unsplit statement answers all of it."""
    order = plan.query.order
    if order is None or order.value is None or len(plan.statements) != 1:
        return
    if plan.query.grouping.entity:  # the limit applies per entity, not to all rows
        return
    statement = plan.statements[0]
    metric, _, _ = registry.metric_values()[order.value]
    call = (metric.name, ())
    if statement.split or call in plan.errors or call in plan.missing:
        return
    plan.statements[0] = Statement(
        statement.query, statement.fact, statement.parts, False, order.value, statement.rollup
    )
