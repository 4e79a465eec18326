"""rapport-sla: a first-response SLA metric and a CUSTOMER dimension for Rapport.

Adds to the schema:

- `Report.sla { responded withinTarget rate median p90 }` (and on `ReportGroup`, `ReportBucket`),
  over conversations whose first human reply falls in the period;
- `MetricValue` members `SLA_RESPONDED`, `SLA_WITHIN_TARGET`, `SLA_RATE`, `SLA_MEDIAN`, `SLA_P90`;
- `Dimension.CUSTOMER`, labelled with customer names, and `ReportFilter.customers: [ID!]`;
- its own data (`reviews.py`): the table `sla_reviews`, filled from `sla_reviews.csv` by
  `rapport import`, the metric `slaReviews { reviewed excused excusedPercent reviewedPercent }`
  (reviewedPercent divides by `sla.responded`: a metric built from a metric) and
  `Dimension.SLA_VERDICT` with `ReportFilter.slaVerdicts`, and the paginated root field
  `Query.slaReviews`, scoped by the core.

Configured by one setting, `target_seconds` (default 3600): `RAPPORT_PLUGIN_SLA_TARGET_SECONDS=1800`
or `target_seconds = 1800` in the `[sla]` table of the file named by `RAPPORT_PLUGINS_FILE`.

Everything here is a declaration: Rapport plans, scopes and runs the SQL.
"""

from __future__ import annotations

import strawberry
from sqlalchemy import ColumnElement, Table

from rapport_sla.reviews import (
    REVIEW_LIST,
    REVIEWS,
    REVIEWS_FILE,
    SLA_REVIEWS_METRIC,
    VERDICT,
)
from server.db.tables import customers
from server.hookspecs import hookimpl
from server.ingest.files import CsvFile
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
from server.plugin_config import PluginSettings, Setting
from server.plugin_records import RecordList

TARGET = Setting(
    "target_seconds",
    int,
    default=3600,
    description="the SLA: a first human reply within this many seconds of creation",
    minimum=1,
)


def first_response_seconds(t: Table) -> ColumnElement[float]:
    """Seconds from creation to the first human reply (timestamps are BIGINT microseconds)."""
    return (t.c.first_response_at - t.c.created_at) / 1_000_000.0


# --- the metric -------------------------------------------------------------------------------


@strawberry.type(description="First-response SLA: conversations answered within the target.")
class Sla:
    responded: int = strawberry.field(description="conversations first answered in the period")
    within_target: int = strawberry.field(description="of those, answered within the target")
    rate: float | None = strawberry.field(description="withinTarget / responded × 100")
    median: float | None = strawberry.field(description="median first-response time, seconds")
    p90: float | None = strawberry.field(description="90th percentile, seconds")


def sla_metric(target_seconds: int) -> Metric:
    return Metric(
        name="sla",
        description="First-response SLA: share of conversations first answered within the target.",
        fact=CONVERSATIONS_FIRST_RESPONSE,
        parts={
            "responded": Count(),
            "within_target": Count(lambda t: first_response_seconds(t) <= target_seconds),
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
def rapport_settings() -> list[Setting]:
    return [TARGET]


@hookimpl
def rapport_tables() -> list[Table]:
    return [REVIEWS]


@hookimpl
def rapport_files() -> list[CsvFile]:
    return [REVIEWS_FILE]


@hookimpl
def rapport_record_lists() -> list[RecordList]:
    return [REVIEW_LIST]


@hookimpl
def rapport_metrics(settings: PluginSettings) -> list[Metric]:
    return [sla_metric(settings["target_seconds"]), SLA_REVIEWS_METRIC]


@hookimpl
def rapport_dimensions() -> list[Dimension]:
    return [CUSTOMER, VERDICT]
