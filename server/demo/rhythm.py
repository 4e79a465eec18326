"""When customers write: busier on Mondays, quiet at weekends and on holidays, by channel and hour.

Daily counts are drawn once per account and then fixed, so every generation chunk (a month) knows
how many conversations come before it and can number its own without talking to the others.
"""

from __future__ import annotations

from random import Random

from server.demo.calendar import LocalCalendar
from server.demo.plans import AccountPlan

WEEKDAY_VOLUME = (1.35, 1.15, 1.08, 1.02, 0.92, 0.38, 0.3)  # Monday first
HOLIDAY_VOLUME = 0.3
PEAK_VOLUME = 2.0
YEARLY_GROWTH = 0.12  # the business grows over the year

# Relative arrivals per local hour (0-23). Chat and phone follow the opening hours; email and
# social media arrive around the clock, social peaking in the evening.
HOURLY_ARRIVALS: dict[str, tuple[float, ...]] = {
    "email": (0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.5, 1.2, 2.5, 3.5, 3.8, 3.6,
              2.8, 3.2, 3.5, 3.3, 3.0, 2.5, 1.8, 1.4, 1.2, 1.0, 0.8, 0.5),
    "chat": (0.05, 0.02, 0.01, 0.01, 0.01, 0.02, 0.1, 0.6, 2.0, 3.5, 4.0, 3.8,
             2.8, 3.2, 3.8, 3.6, 3.2, 2.6, 1.8, 1.2, 0.8, 0.5, 0.3, 0.1),
    "phone": (0, 0, 0, 0, 0, 0, 0, 0, 2.5, 4.0, 4.0, 3.5,
              2.0, 3.0, 3.8, 3.5, 3.0, 2.0, 0.5, 0, 0, 0, 0, 0),
    "social": (0.6, 0.4, 0.2, 0.1, 0.1, 0.2, 0.4, 0.8, 1.5, 2.0, 2.2, 2.2,
               2.4, 2.3, 2.2, 2.2, 2.2, 2.3, 2.5, 2.8, 2.9, 2.6, 1.8, 1.1),
}  # fmt: skip


def daily_counts(plan: AccountPlan, calendar: LocalCalendar, total: int, rng: Random) -> list[int]:
    """Conversations created on each local day, summing to exactly `total`."""
    weights = []
    for day in range(calendar.days):
        local = calendar.dates[day]
        weight = WEEKDAY_VOLUME[local.weekday()] * plan.season[local.month - 1]
        weight *= 1 + YEARLY_GROWTH * day / calendar.days
        if local in plan.holidays:
            weight *= HOLIDAY_VOLUME
        if local in plan.peaks:
            weight *= PEAK_VOLUME
        weights.append(weight * rng.uniform(0.85, 1.15))
    return apportion(total, weights)


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights` by largest remainders: the parts sum to `total`."""
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: counts[i] - exact[i])
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts
