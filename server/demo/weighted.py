"""Weighted choice with the cumulative weights computed once, for the hot loop."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from itertools import accumulate
from random import Random
from typing import Generic, TypeVar

T = TypeVar("T")


class Weighted(Generic[T]):
    def __init__(self, pairs: Iterable[tuple[T, float]]) -> None:
        values, weights = zip(*pairs, strict=True)
        self.values: tuple[T, ...] = values
        self.cumulative = tuple(accumulate(weights))
        self.total = self.cumulative[-1]
        self.last = len(values) - 1

    def pick(self, rng: Random) -> T:
        # min(): rng.random() * total can round up to total itself.
        return self.values[min(bisect_right(self.cumulative, rng.random() * self.total), self.last)]
