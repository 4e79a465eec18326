"""NPS: Net Promoter Score on a 0–10 scale (promoters 9–10, passives 7–8, detractors 0–6)."""

from __future__ import annotations

import strawberry

from server.hookspecs import hookimpl
from server.metrics.declarations import Count, Metric, PartValue, Percent, PercentDifference
from server.metrics.distribution import ScoreCount, distribution_parts, with_distribution
from server.metrics.facts import RATINGS

SCORES = range(0, 11)


@strawberry.type(description="Net Promoter Score (NPS) ratings, scored 0 to 10.")
class Nps:
    score: float | None = strawberry.field(description="(promoters − detractors) / responses × 100")
    responses: int
    promoters: int = strawberry.field(description="responses scoring 9 or 10")
    passives: int = strawberry.field(description="responses scoring 7 or 8")
    detractors: int = strawberry.field(description="responses scoring 0 to 6")
    promoters_percent: float | None
    passives_percent: float | None
    detractors_percent: float | None
    distribution: list[ScoreCount] = strawberry.field(description="every score 0..10 (rates)")


NPS = Metric(
    name="nps",
    description="Net Promoter Score: promoters minus detractors, in percent of responses.",
    fact=RATINGS,
    where=lambda t: t.c.survey == "nps",
    parts={
        "responses": Count(),
        "promoters": Count(lambda t: t.c.score >= 9),
        "passives": Count(lambda t: t.c.score.between(7, 8)),
        "detractors": Count(lambda t: t.c.score <= 6),
        **distribution_parts(SCORES, lambda t: t.c.score),
    },
    values={
        "score": PercentDifference("promoters", "detractors", "responses"),
        "responses": PartValue("responses"),
        "promoters": PartValue("promoters"),
        "passives": PartValue("passives"),
        "detractors": PartValue("detractors"),
        "promotersPercent": Percent("promoters", "responses"),
        "passivesPercent": Percent("passives", "responses"),
        "detractorsPercent": Percent("detractors", "responses"),
    },
    result=Nps,
    finalize=with_distribution(Nps, SCORES),
)


@hookimpl
def rapport_metrics() -> list[Metric]:
    return [NPS]
