"""`ReportFilter`: one argument per filterable dimension of the installed plugins.

Kept apart from report.py because record types (User, Team, Inbox) take it as an argument, and
report.py imports them.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

import strawberry

from server.metrics.query import Filter
from server.metrics.time import Period
from server.plugins import registry
from server.schema.context import Context

REGISTRY = registry()
DIMENSIONS = {d.name: d for d in REGISTRY.dimensions}


T = TypeVar("T", bound=type)


def _with_dimension_filters(cls: T) -> T:
    """Add one argument per filterable dimension (under `@strawberry.input`)."""
    for dimension in REGISTRY.dimensions:
        if dimension.filter:
            values = list[strawberry.ID] if dimension.filter_is_id else list[str]
            cls.__annotations__[dimension.filter] = values | None
            field = strawberry.field(
                default=None, description=f"keep rows whose {dimension.name} is one of these"
            )
            setattr(cls, dimension.filter, field)
    return cls


@strawberry.input
@_with_dimension_filters
class ReportFilter:
    from_: date = strawberry.field(name="from", description="first local day, inclusive")
    to: date = strawberry.field(description="last local day, inclusive")
    timezone: str | None = strawberry.field(
        default=None, description="IANA name; default: the account's time zone"
    )


def resolve_filter(context: Context, report_filter: Any) -> Filter:
    period = Period.parse(
        report_filter.from_,
        report_filter.to,
        report_filter.timezone or context.scope.timezone,
        context.settings.limits.max_period_years,
    )
    values = []
    for dimension in REGISTRY.dimensions:
        chosen = getattr(report_filter, dimension.filter, None) if dimension.filter else None
        if chosen:  # an empty list means no filter
            values.append((dimension.name, tuple(sorted(set(map(str, chosen))))))
    return Filter(period, tuple(sorted(values)))
