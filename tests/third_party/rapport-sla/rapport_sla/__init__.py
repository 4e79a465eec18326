"""rapport-sla: a first-response SLA metric and a CUSTOMER dimension for Rapport.

Adds to the schema:

- `Report.sla { responded withinTarget rate median p90 }` (and on `ReportGroup`, `ReportBucket`),
  over conversations whose first human reply falls in the period;
- `MetricValue` members `SLA_RESPONDED`, `SLA_WITHIN_TARGET`, `SLA_RATE`, `SLA_MEDIAN`, `SLA_P90`;
- `Dimension.CUSTOMER`, labelled with customer names, and `ReportFilter.customers: [ID!]`.

Everything here is a declaration: Rapport plans, scopes and runs the SQL.
"""

from __future__ import annotations

import strawberry
from sqlalchemy import ColumnElement, Table

from server.db.tables import customers
from server.hookspecs import hookimpl
from server.metrics.declarations import (
    Count,
    Dimension,
    LabelTable,
    Metric,
    PartValue,
    Percent,
    Percentile,
)
from server.metrics.facts import CONVERSATIONS_FIRST_RESPONSE

TARGET_SECONDS = 3600  # the SLA: a first human reply within one hour of creation


def first_response_seconds(t: Table) -> ColumnElement[float]:
    """Seconds from creation to the first human reply (timestamps are BIGINT microseconds)."""
    return (t.c.first_response_at - t.c.created_at) / 1_000_000.0


# --- the metric -------------------------------------------------------------------------------


@strawberry.type(description="First-response SLA: conversations answered within one hour.")
class Sla:
    responded: int = strawberry.field(description="conversations first answered in the period")
    within_target: int = strawberry.field(description="of those, answered within one hour")
    rate: float | None = strawberry.field(description="withinTarget / responded × 100")
    median: float | None = strawberry.field(description="median first-response time, seconds")
    p90: float | None = strawberry.field(description="90th percentile, seconds")


SLA = Metric(
    name="sla",
    description="First-response SLA: share of conversations first answered within one hour.",
    fact=CONVERSATIONS_FIRST_RESPONSE,
    parts={
        "responded": Count(),
        "within_target": Count(lambda t: first_response_seconds(t) <= TARGET_SECONDS),
        "median": Percentile(first_response_seconds, 0.5),
        "p90": Percentile(first_response_seconds, 0.9),
    },
    values={
        "responded": PartValue("responded"),
        "withinTarget": PartValue("within_target"),
        "rate": Percent("within_target", "responded"),
        "median": PartValue("median"),
        "p90": PartValue("p90"),
    },
    result=Sla,  # built as Sla(responded=…, within_target=…, rate=…, median=…, p90=…)
)


# --- the dimension ----------------------------------------------------------------------------

CUSTOMER = Dimension(
    name="CUSTOMER",
    description="The customer of the conversation (a rating's or transaction's own customer).",
    columns={
        "conversations": "customer_id",
        "ratings": "customer_id",
        "messages": "customer_id",
        "transactions": "customer_id",
        "stage_intervals": "customer_id",
    },
    filter="customers",
    filter_is_id=True,
    labels=LabelTable(customers),
)


# --- the hooks --------------------------------------------------------------------------------


@hookimpl
def rapport_metrics() -> list[Metric]:
    return [SLA]


@hookimpl
def rapport_dimensions() -> list[Dimension]:
    return [CUSTOMER]
