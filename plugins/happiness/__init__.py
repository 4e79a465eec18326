"""Happiness (Help Scout): Great (3), Okay (2) and Not Good (1) ratings.

`ratingsPercent` divides by volume's customers helped: this plugin needs the volume plugin.
"""

from __future__ import annotations

import strawberry

from server.hookspecs import hookimpl
from server.metrics.declarations import (
    Count,
    CountDistinct,
    Metric,
    PartValue,
    Percent,
    PercentDifference,
)
from server.metrics.derived import PartOf
from server.metrics.facts import RATINGS


@strawberry.type(description="Happiness ratings: Great, Okay, Not Good.")
class Happiness:
    score: float | None = strawberry.field(description="greatPercent − notGoodPercent")
    responses: int
    great: int
    okay: int
    not_good: int
    great_percent: float | None
    okay_percent: float | None
    not_good_percent: float | None
    customers_with_ratings: int = strawberry.field(description="distinct customers who rated")
    ratings_percent: float | None = strawberry.field(
        description="customersWithRatings / volume.customersHelped × 100"
    )


HAPPINESS = Metric(
    name="happiness",
    description="Happiness score: percent Great minus percent Not Good.",
    fact=RATINGS,
    where=lambda t: t.c.survey == "happiness",
    parts={
        "responses": Count(),
        "great": Count(lambda t: t.c.score == 3),
        "okay": Count(lambda t: t.c.score == 2),
        "not_good": Count(lambda t: t.c.score == 1),
        "customers_with_ratings": CountDistinct(lambda t: t.c.customer_id),
        # read from the volume plugin: distinct customers of conversations with a human reply
        "customers_helped": PartOf("volume", "customers_helped"),
    },
    values={
        "score": PercentDifference("great", "not_good", "responses"),
        "responses": PartValue("responses"),
        "great": PartValue("great"),
        "okay": PartValue("okay"),
        "notGood": PartValue("not_good"),
        "greatPercent": Percent("great", "responses"),
        "okayPercent": Percent("okay", "responses"),
        "notGoodPercent": Percent("not_good", "responses"),
        "customersWithRatings": PartValue("customers_with_ratings"),
        "ratingsPercent": Percent("customers_with_ratings", "customers_helped"),
    },
    result=Happiness,
)


@hookimpl
def rapport_metrics() -> list[Metric]:
    return [HAPPINESS]
