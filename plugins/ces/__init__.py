"""CES: Customer Effort Score on a 1–7 scale; the score is the mean, easy means 5 or more."""

from __future__ import annotations

import strawberry

from server.hookspecs import hookimpl
from server.metrics.declarations import Average, Count, Metric, PartValue, Percent
from server.metrics.distribution import ScoreCount, distribution_parts, with_distribution
from server.metrics.facts import RATINGS

SCORES = range(1, 8)


@strawberry.type(description="Customer Effort Score (CES) ratings, scored 1 to 7.")
class Ces:
    score: float | None = strawberry.field(description="mean score")
    responses: int
    easy: int = strawberry.field(description="responses scoring 5 or more")
    easy_percent: float | None
    distribution: list[ScoreCount] = strawberry.field(description="every score 1..7")


CES = Metric(
    name="ces",
    description="Customer Effort Score: the mean of CES responses (1–7).",
    fact=RATINGS,
    where=lambda t: t.c.survey == "ces",
    parts={
        "responses": Count(),
        "easy": Count(lambda t: t.c.score >= 5),
        "mean": Average(lambda t: t.c.score),
        **distribution_parts(SCORES, lambda t: t.c.score),
    },
    values={
        "score": PartValue("mean"),
        "responses": PartValue("responses"),
        "easy": PartValue("easy"),
        "easyPercent": Percent("easy", "responses"),
    },
    result=Ces,
    finalize=with_distribution(Ces, SCORES),
)


@hookimpl
def rapport_metrics() -> list[Metric]:
    return [CES]
