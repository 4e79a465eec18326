"""Metrics built from metrics: a part that reads another metric's part, by name.

`PartOf("volume", "customers_helped")` in a metric's `parts` is volume's part as volume declares
it: the same aggregate over the same fact, with volume's own condition where the part reads
volume's fact. `where=` restricts it further (a metric filter: CSAT's satisfied ratings of email
only). At start-up the registry replaces each reference by the part it names, so the planner sees
an ordinary part and computes it in the statement of its fact, beside the parts of every other
metric reading that fact: never a statement per input. A reference to a metric that is not
installed (or disabled) stops start-up naming the plugin.

Values over the referenced parts are declared as for any part (`Ratio("replies", "resolved")`),
which gives derived values across facts, such as replies per resolved conversation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from sqlalchemy import and_

from server.errors import UserError
from server.metrics.declarations import Expression, Metric, Part


@dataclass(frozen=True)
class PartOf:
    """The part `part` of the metric `metric`, optionally restricted by `where`."""

    metric: str
    part: str
    where: Expression | None = None


class ReferenceError(UserError):
    """A reference to a metric or part that is not there."""


def resolve_references(metrics: list[Metric], plugin_of: Callable[[str], str]) -> list[Metric]:
    """`metrics` with every `PartOf` replaced by the part it names (references may chain)."""
    by_name = {metric.name: metric for metric in metrics}
    resolved: dict[tuple[str, str], Part] = {}

    def part_of(metric: Metric, name: str, seen: tuple[tuple[str, str], ...]) -> Part:
        key = (metric.name, name)
        if key in resolved:
            return resolved[key]
        declared = metric.parts[name]
        if isinstance(declared, PartOf):
            if key in seen:
                chain = " -> ".join(f"{m}.{p}" for m, p in (*seen, key))
                raise ReferenceError(f"plugin {plugin_of(metric.name)!r}: a cycle of parts {chain}")
            part = _resolve(metric, name, declared, by_name, plugin_of, seen + (key,), part_of)
        else:
            part = declared
        resolved[key] = part
        return part

    return [
        replace(metric, parts={name: part_of(metric, name, ()) for name in metric.parts})
        if any(isinstance(part, PartOf) for part in metric.parts.values())
        else metric
        for metric in metrics
    ]


def _resolve(
    metric: Metric,
    name: str,
    reference: PartOf,
    by_name: Mapping[str, Metric],
    plugin_of: Callable[[str], str],
    seen: tuple[tuple[str, str], ...],
    part_of: Callable[[Metric, str, tuple[tuple[str, str], ...]], Part],
) -> Part:
    where = f"plugin {plugin_of(metric.name)!r}: part {metric.name}.{name}"
    source = by_name.get(reference.metric)
    if source is None:
        raise ReferenceError(
            f"{where} reads the metric {reference.metric!r}, which is not installed or is disabled"
        )
    if reference.part not in source.parts:
        known = ", ".join(sorted(source.parts))
        raise ReferenceError(
            f"{where} reads {reference.metric}.{reference.part}, which is not a part of "
            f"{reference.metric} (its parts: {known})"
        )
    part = part_of(source, reference.part, seen)
    fact = part.fact or source.fact
    conditions = [part.where, reference.where]
    if fact == source.fact:
        conditions.insert(0, source.where)
    if fact == metric.fact and (metric.where is not None or metric.arguments):
        # The planner applies a metric's own condition to every part over its own fact: this
        # part would count only the rows of both metrics.
        raise ReferenceError(
            f"{where} reads {reference.metric}.{reference.part} over {fact.description}, the "
            f"metric's own fact, which {metric.name}'s condition would restrict: declare the "
            "part itself"
        )
    return replace(part, fact=fact, where=_all(conditions))


def _all(conditions: list[Expression | None]) -> Expression | None:
    present = [condition for condition in conditions if condition is not None]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return lambda t: and_(*(condition(t) for condition in present))
