"""Results of a planned query: aggregate parts per group, finalised into metric values on demand."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from server.errors import UserError
from server.metrics.planner import Plan
from server.metrics.query import MetricCall
from server.metrics.time import Days
from server.metrics.windows import Window, windowed_series
from server.plugins import Registry

GroupKey = tuple[Any, ...]  # dimension keys in the order asked, then the bucket index if any


class MetricUnavailable(UserError):
    """The metric cannot answer for this query (a dimension or filter it lacks)."""


class QueryResult:
    def __init__(self, plan: Plan, registry: Registry, rows: Sequence[Sequence[Any]]) -> None:
        self.plan = plan
        self.registry = registry
        # group key -> metric call -> part name -> value (a dict by split key for split parts;
        # a split key is a tuple when a part is split by several columns)
        self.groups: dict[GroupKey, dict[MetricCall, dict[str, Any]]] = {}
        # (group key without the bucket, metric call, value name) -> the window's value per bucket
        self._windows: dict[tuple[GroupKey, MetricCall, str], list[Any]] = {}
        width = len(plan.query.grouping.dimensions) + (plan.query.grouping.granularity is not None)
        for statement, statement_rows in zip(plan.statements, rows, strict=True):
            for row in statement_rows:
                key = tuple(row[:width])
                splits = tuple(row[width : width + statement.split])
                split = splits[0] if len(splits) == 1 else splits
                values = row[width + statement.split :]
                group = self.groups.setdefault(key, {})
                for planned, value in zip(statement.parts, values, strict=True):
                    parts = group.setdefault((planned.metric.name, planned.arguments), {})
                    value = _plain(planned.part.kind, value)
                    if statement.split:
                        # A split key another metric's rows brought, where this part has none
                        # (NULL, or a count of 0), is no key of this part; a sum or a mean of
                        # 0 over rows is (a refund cancelling an order, a stage left at once).
                        if value is not None and not (value == 0 and _counts(planned.part.kind)):
                            parts.setdefault(planned.name, {})[split] = value
                    else:
                        parts[planned.name] = value

    def parts(self, key: GroupKey, call: MetricCall) -> dict[str, Any]:
        found = self.groups.get(key, {}).get(call, {})
        parts: dict[str, Any] = {}
        for name, split, zero in self.registry.metric(call[0]).part_defaults:
            value = found.get(name)
            if split:
                parts[name] = value or {}
            else:
                parts[name] = zero if value is None else value
        return parts

    def values(self, key: GroupKey, call: MetricCall, days: Days) -> dict[str, Any]:
        """Numeric fields; a field needing a part that cannot answer holds the error instead."""
        return self._values(key, self.parts(key, call), call, days)

    def _values(
        self, key: GroupKey, parts: dict[str, Any], call: MetricCall, days: Days
    ) -> dict[str, Any]:
        missing = self.plan.missing.get(call, {})
        declared = self.registry.metric(call[0]).values
        in_series = self.plan.query.grouping.granularity is not None
        windows = in_series and call[0] in self.registry.windowed_metrics
        if not missing and not windows:  # the usual case, once per group and bucket
            return {name: value.evaluate(parts, days) for name, value in declared.items()}
        values: dict[str, Any] = {}
        for name, value in declared.items():
            why = next((missing[p] for p in value.part_names() if p in missing), None)
            if why:
                values[name] = MetricUnavailable(why)
            elif windows and isinstance(value, Window):
                values[name] = self._window(key, call, name, value)
            else:
                values[name] = value.evaluate(parts, days)
        return values

    def _window(self, key: GroupKey, call: MetricCall, name: str, window: Window) -> Any:
        """A window's value in one bucket, computed for the whole series of its group once."""
        *group, index = key
        cached = (tuple(group), call, name)
        found = self._windows.get(cached)
        if found is None:
            query = self.plan.query
            assert query.grouping.granularity is not None
            buckets = query.filter.period.buckets(query.grouping.granularity)
            series = [self.parts((*group, i), call) for i in range(len(buckets))]
            days = [bucket.local_days for bucket in buckets]
            found = self._windows[cached] = windowed_series(window, series, days)
        return found[index]

    def metric(self, key: GroupKey, call: MetricCall, days: Days) -> Any:
        """The metric's result object for a group (empty groups give counts 0, ratios null)."""
        error = self.plan.errors.get(call)
        if error:
            raise MetricUnavailable(error)
        metric = self.registry.metric(call[0])
        parts = self.parts(key, call)  # once: a year's day series builds 365 results
        return metric.build(self._values(key, parts, call, days), parts, days)

    def value(self, key: GroupKey, value_name: str, days: Days) -> float | int | None:
        """A `MetricValue` of a group, for its metric without arguments."""
        metric, name, _ = self.registry.metric_values()[value_name]
        call = (metric.name, ())
        error = self.plan.errors.get(call)
        if error:
            raise MetricUnavailable(error)
        value = self.values(key, call, days)[name]
        if isinstance(value, MetricUnavailable):
            raise value
        return value

    def ordered_keys(self, days: Days, prefix: GroupKey = ()) -> list[GroupKey]:
        """Breakdown groups under `prefix` (an entity's key): by the order value, nulls last,
        then by keys ascending, nulls last; at most the order's limit."""
        order = self.plan.query.order
        keys = sorted((k for k in self.groups if k[: len(prefix)] == prefix), key=_key_order)
        if order is None:
            return keys
        if order.value is not None:
            values = {key: self.value(key, order.value, days) for key in keys}
            valued = {k: v for k, v in values.items() if v is not None}
            with_value = sorted(valued, key=valued.__getitem__, reverse=order.descending)  # stable
            keys = with_value + [k for k in keys if values[k] is None]
        return keys[: order.limit]


def _key_order(key: GroupKey) -> tuple[tuple[bool, Any], ...]:
    return tuple((part is None, part if part is not None else 0) for part in key)


def _plain(kind: str, value: Any) -> Any:
    """Database numbers as Python ints and floats (PostgreSQL returns NUMERIC for sums, avgs)."""
    if value is None:
        return None
    if kind in ("average", "percentile"):
        return float(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _counts(kind: str) -> bool:
    return kind in ("count", "count_distinct")
