"""The `distribution { score count percent }` field shared by score surveys (CSAT, NPS, CES)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import strawberry
from sqlalchemy import ColumnElement, Table

from server.metrics.declarations import Count, Expression, Finalize, Part


@strawberry.type(description="How many responses gave one score, and their share in percent.")
class ScoreCount:
    score: int
    count: int
    percent: float | None


def distribution_parts(
    scores: Sequence[int], score: Callable[[Table], ColumnElement[Any]]
) -> dict[str, Part]:
    """One count per score, named `score_<n>`."""
    return {f"score_{s}": Count(_equal(score, s)) for s in scores}


def _equal(score: Callable[[Table], ColumnElement[Any]], value: int) -> Expression:
    return lambda t: score(t) == value


def distribution(parts: Mapping[str, Any], scores: Sequence[int]) -> list[ScoreCount]:
    counts = {s: parts[f"score_{s}"] for s in scores}
    total = sum(counts.values())
    return [
        ScoreCount(score=s, count=c, percent=c * 100.0 / total if total else None)
        for s, c in counts.items()
    ]


class Distribution(Sequence[ScoreCount]):
    """A distribution built when first read: a day series builds a result per bucket, and most
    dashboards ask only for the score."""

    def __init__(self, parts: Mapping[str, Any], scores: Sequence[int]) -> None:
        self._parts = parts
        self._scores = scores
        self._items: list[ScoreCount] | None = None

    @property
    def items(self) -> list[ScoreCount]:
        if self._items is None:
            self._items = distribution(self._parts, self._scores)
        return self._items

    def __getitem__(self, index: Any) -> Any:
        return self.items[index]

    def __len__(self) -> int:
        return len(self._scores)


def with_distribution(result: type, scores: Sequence[int]) -> Finalize:
    """A `finalize` building `result` from the values plus a `distribution` over `scores`."""
    return lambda values, parts, days: result(**values, distribution=Distribution(parts, scores))
