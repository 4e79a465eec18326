"""The plugin's own data: reviews of SLA breaches, imported from `sla_reviews.csv`.

A team lead reviews conversations answered late and marks each breach `excused` (the customer
asked to wait, a holiday) or `breach`. Rapport creates the table (`rapport db upgrade`), imports
the file (`rapport import`) with its own validation, and scopes every query of it by account
and inbox, as for its own tables; `Query.slaReviews` pages through the rows.
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table

from server.db.types import Timestamp
from server.ingest import parse
from server.ingest.files import CsvFile, Field
from server.metrics.declarations import Count, Dimension, Metric, PartValue, Percent
from server.metrics.derived import PartOf
from server.metrics.facts import Fact
from server.plugin_records import RecordList

REVIEWS = Table(
    "sla_reviews",
    MetaData(),
    Column("account_id", String, nullable=False),
    Column("id", String, nullable=False),
    Column("conversation_id", String),
    Column("inbox_id", String),  # scope: an inbox-scoped token sees its inboxes' reviews
    Column("reviewed_at", Timestamp, nullable=False),
    Column("verdict", String, nullable=False),
    PrimaryKeyConstraint("account_id", "id"),
)

REVIEWS_FILE = CsvFile(
    "sla_reviews.csv",
    REVIEWS,
    (
        Field("account_id", required=True, references="accounts"),
        Field("id", required=True),
        Field("conversation_id", references="conversations"),
        Field("inbox_id", references="inboxes"),
        Field("reviewed_at", parse.timestamp, required=True),
        Field("verdict", parse.one_of("excused", "breach"), required=True),
    ),
    key=("account_id", "id"),
)

SLA_REVIEWS = Fact("sla_reviews", REVIEWS, "reviewed_at", "SLA breach reviews, by when made")

VERDICT = Dimension(
    name="SLA_VERDICT",
    description="The verdict of an SLA breach review: excused or breach.",
    columns={"sla_reviews": "verdict"},
    filter="slaVerdicts",
)


@strawberry.type(description="Reviews of SLA breaches.")
class SlaReviews:
    reviewed: int = strawberry.field(description="breaches reviewed in the period")
    excused: int = strawberry.field(description="of those, excused")
    excused_percent: float | None = strawberry.field(description="excused / reviewed × 100")
    reviewed_percent: float | None = strawberry.field(
        description="reviewed / sla.responded × 100: reviews per conversation answered"
    )


SLA_REVIEWS_METRIC = Metric(
    name="slaReviews",
    description="Reviews of SLA breaches, and their share of the conversations answered.",
    fact=SLA_REVIEWS,
    parts={
        "reviewed": Count(),
        "excused": Count(lambda t: t.c.verdict == "excused"),
        "responded": PartOf("sla", "responded"),  # a part of the sla metric, across facts
    },
    values={
        "reviewed": PartValue("reviewed"),
        "excused": PartValue("excused"),
        "excusedPercent": Percent("excused", "reviewed"),
        "reviewedPercent": Percent("reviewed", "responded"),
    },
    result=SlaReviews,
)


@strawberry.type(description="A review of an SLA breach.")
class SlaReview:
    id: strawberry.ID
    conversation_id: strawberry.ID | None
    inbox_id: strawberry.ID | None
    reviewed_at: datetime
    verdict: str = strawberry.field(description="excused or breach")


REVIEW_LIST = RecordList(
    field="slaReviews",
    table=REVIEWS,
    node=SlaReview,
    order_by=("reviewed_at", "id"),
    description="Reviews of SLA breaches, oldest first.",
)
