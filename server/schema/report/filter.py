"""`ReportFilter`: one argument per filterable dimension of the installed plugins.

Kept apart from report.py because record types (User, Team, Inbox) take it as an argument, and
report.py imports them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from server.metrics.query import Filter
from server.metrics.time import Period
from server.plugins import registry
from server.schema.context import Context

REGISTRY = registry()
DIMENSIONS = {d.name: d for d in REGISTRY.dimensions}


def _filter_type() -> type:
    annotations: dict[str, Any] = {
        "from_": date,
        "to": date,
        "timezone": str | None,
    }
    namespace: dict[str, Any] = {
        "from_": strawberry.field(name="from", description="first local day, inclusive"),
        "to": strawberry.field(description="last local day, inclusive"),
        "timezone": strawberry.field(
            default=None, description="IANA name; default: the account's time zone"
        ),
    }
    for dimension in REGISTRY.dimensions:
        if dimension.filter:
            item = strawberry.ID if dimension.filter_is_id else str
            annotations[dimension.filter] = list[item] | None  # type: ignore[valid-type]
            namespace[dimension.filter] = strawberry.field(
                default=None, description=f"keep rows whose {dimension.name} is one of these"
            )
    namespace["__annotations__"] = annotations
    return strawberry.input(type("ReportFilter", (), namespace))


ReportFilter = _filter_type()


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
