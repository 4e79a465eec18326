"""CSAT: customer satisfaction on a 1–5 scale; satisfied means 4 or 5."""

from __future__ import annotations

import strawberry

from server.hookspecs import hookimpl
from server.metrics.declarations import Count, Metric, PartValue, Percent, Ratio, Sum
from server.metrics.distribution import ScoreCount, distribution_parts, with_distribution
from server.metrics.facts import RATINGS

SCORES = range(1, 6)


@strawberry.type(description="Customer satisfaction (CSAT) ratings, scored 1 to 5.")
class Csat:
    score: float | None = strawberry.field(description="satisfied / responses × 100")
    responses: int
    satisfied: int = strawberry.field(description="responses scoring 4 or 5")
    average: float | None = strawberry.field(description="mean score")
    distribution: list[ScoreCount] = strawberry.field(description="every score 1..5")


CSAT = Metric(
    name="csat",
    description="Customer satisfaction: share of CSAT responses scoring 4 or 5.",
    fact=RATINGS,
    where=lambda t: t.c.survey == "csat",
    parts={
        "responses": Count(),
        "satisfied": Count(lambda t: t.c.score >= 4),
        "score_total": Sum(lambda t: t.c.score),
        **distribution_parts(SCORES, lambda t: t.c.score),
    },
    values={
        "score": Percent("satisfied", "responses"),
        "responses": PartValue("responses"),
        "satisfied": PartValue("satisfied"),
        "average": Ratio("score_total", "responses"),
    },
    result=Csat,
    finalize=with_distribution(Csat, SCORES),
)


@hookimpl
def rapport_metrics() -> list[Metric]:
    return [CSAT]
