"""CES: Customer Effort Score on a 1–7 scale; the score is the mean, easy means 5 or more."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry

from server.hookspecs import hookimpl
from server.metrics.declarations import Average, Count, Metric, PartValue, Percent
from server.metrics.distribution import ScoreCount, distribution, distribution_parts
from server.metrics.facts import RATINGS

SCORES = range(1, 8)


@strawberry.type(description="Customer Effort Score (CES) ratings, scored 1 to 7.")
class Ces:
    score: float | None = strawberry.field(description="mean score")
    responses: int
    easy: int = strawberry.field(description="responses scoring 5 or more")
    easy_percent: float | None
    distribution: list[ScoreCount] = strawberry.field(description="every score 1..7")


def _finalize(values: Mapping[str, Any], parts: Mapping[str, Any]) -> Ces:
    return Ces(**values, distribution=distribution(parts, SCORES))


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
    finalize=_finalize,
)


@hookimpl
def rapport_metrics() -> list[Metric]:
    return [CES]
