"""Cumulative values: a value over a window of a series' buckets (MetricFlow's cumulative metrics).

`Window(Ratio("score_sum", "responses"), buckets=7)` among a metric's `values` is, in each bucket
of a series, that ratio over the parts summed across the bucket and the six before it: in a day
series, a trailing 7-day mean. Without `buckets` the window starts at the period's first bucket:
`Window(PartValue("created"))` is a running total.

- Parts are summed, never averaged, so a windowed mean is the mean of the window's rows. Only
  counts and sums that are not split can be summed exactly: start-up checks it.
- Every bucket is in the series' own statement, so a window reads no statement of its own.
- A window stays inside the period: the first buckets of a trailing window have fewer buckets
  before them (rows before the period are not read).
- On a node that is not a bucket (the report, a breakdown group, a previous period) a window
  covers the node's whole period, and orders a breakdown as its inner value does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement

from server.metrics.declarations import Metric, Value
from server.metrics.time import Days

SUMMABLE = ("count", "sum")


@dataclass(frozen=True)
class Window(Value):
    """`value` over its parts summed across the last `buckets` buckets of a series, this one
    included; across every bucket since the period's first when `buckets` is None."""

    value: Value
    buckets: int | None = None

    def evaluate(self, parts: Mapping[str, Any], days: Days) -> float | int | None:
        return self.value.evaluate(parts, days)

    def sql(self, parts: Mapping[str, ColumnElement[Any]], days: Days) -> ColumnElement[Any]:
        return self.value.sql(parts, days)

    def part_names(self) -> set[str]:
        return self.value.part_names()

    def first(self, index: int) -> int:
        """The first bucket of the window that ends with bucket `index`."""
        return 0 if self.buckets is None else max(0, index - self.buckets + 1)


def window_problem(metric: Metric, window: Window) -> str | None:
    """Why `window` cannot be computed from `metric`'s parts, or None."""
    if window.buckets is not None and window.buckets < 1:
        return f"a window of {window.buckets} buckets (at least 1)"
    for name in sorted(window.part_names()):
        part = metric.part(name)
        if part.kind not in SUMMABLE or part.splits:
            kind = f"{part.kind} split by a column" if part.splits else part.kind
            return f"part {name!r} is a {kind}: only counts and sums that are not split add up"
    return None


def windowed_series(
    window: Window, series: Sequence[Mapping[str, Any]], buckets: Sequence[Days]
) -> list[float | int | None]:
    """The window's value at each bucket, from every bucket's parts of one group's series."""
    names = sorted(window.part_names())
    running = dict.fromkeys(names, 0)  # since the first bucket, added in order
    values = []
    for index, parts in enumerate(series):
        for name in names:
            running[name] += parts[name]
        first = window.first(index)
        summed = (
            dict(running)
            if first == 0
            else {name: sum(p[name] for p in series[first : index + 1]) for name in names}
        )
        values.append(window.evaluate(summed, Days(buckets[first].first, buckets[index].last)))
    return values
