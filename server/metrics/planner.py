"""Planning: a Query becomes one statement per (fact, split) of the metrics it asks for.

The number of statements depends only on which facts the asked metrics read, never on how many
fields, groups, buckets or rows there are. Metrics that cannot answer for the query's dimensions
or filters (a browser breakdown of transactions) are left out with an error for their field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.metrics.declarations import Metric
from server.metrics.facts import Fact
from server.metrics.query import Query
from server.metrics.sql import PlannedPart, Statement
from server.plugins import Registry


@dataclass
class Plan:
    query: Query
    statements: list[Statement] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # metric name -> why it cannot answer
    # metric name -> part name -> why: parts of a fact that cannot answer while others can
    missing: dict[str, dict[str, str]] = field(default_factory=dict)


def plan_query(query: Query, registry: Registry, *, split_metrics: bool = False) -> Plan:
    """`split_metrics`: one statement per metric instead of one per fact (see Settings)."""
    plan = Plan(query)
    groups: dict[tuple[str, str | None, str], tuple[Fact, list[PlannedPart]]] = {}
    for name in sorted(query.metrics):
        metric = registry.metric(name)
        problems = {
            fact.name: unsupported(fact, metric, query, registry) for fact in metric.facts()
        }
        if all(problems.values()):
            plan.errors[name] = next(p for p in problems.values() if p)
            continue
        for part_name in needed_parts(metric, query):
            part = metric.parts[part_name]
            fact = part.fact or metric.fact
            if problems[fact.name]:
                plan.missing.setdefault(name, {})[part_name] = problems[fact.name]  # type: ignore[assignment]
                continue
            split = None if part.by is None else str(part.by(fact.table))
            statement = (fact.name, split, name if split_metrics else "")
            groups.setdefault(statement, (fact, []))[1].append(PlannedPart(metric, part_name, part))
    for (_, split, _), (fact, parts) in sorted(groups.items(), key=lambda item: str(item[0])):
        plan.statements.append(Statement(query, fact, tuple(parts), split is not None))
    _push_order_down(plan, registry)
    return plan


def needed_parts(metric: Metric, query: Query) -> list[str]:
    """The parts the asked fields of `metric` read (a statement skips a fact nobody asked of)."""
    needed: set[str] = set()
    for name, asked in query.fields:
        if name != metric.name:
            continue
        value = metric.values.get(asked)
        needed |= set(metric.parts) if value is None else value.part_names()
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
    if statement.split or metric.name in plan.errors or metric.name in plan.missing:
        return
    plan.statements[0] = Statement(
        statement.query, statement.fact, statement.parts, False, order.value
    )
