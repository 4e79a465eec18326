"""Everything about one demo account that is decided before any conversation is simulated.

Built from the seed alone and cached per process, so generation workers rebuild the same world
instead of receiving it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from random import Random

from server.demo.calendar import LocalCalendar
from server.demo.people import People, build_people
from server.demo.plans import ACCOUNTS, FIRST_DAY, LAST_DAY, AccountPlan
from server.demo.rhythm import daily_counts
from server.demo.sizes import SIZES

FIRST_NUMBER = 1001  # conversation numbers start here, as in a help desk that has been set up


@dataclass(frozen=True)
class AccountWorld:
    plan: AccountPlan
    people: People
    calendar: LocalCalendar
    daily_counts: tuple[int, ...]  # conversations created on each local day

    def first_number(self, day: int) -> int:
        """The number of the first conversation created on `day` (numbers follow creation)."""
        return FIRST_NUMBER + sum(self.daily_counts[:day])


@cache
def account_world(account_index: int, size_name: str, seed: int) -> AccountWorld:
    plan = ACCOUNTS[account_index]
    size = SIZES[size_name]
    conversations = round(size.conversations * plan.share)
    people = build_people(
        plan,
        humans=size.humans[account_index],
        customers=round(conversations * size.customers_per_conversation),
        rng=Random(f"{seed}/{plan.id}/people"),
    )
    calendar = LocalCalendar(plan.timezone, FIRST_DAY, LAST_DAY, plan.opening_hours)
    counts = daily_counts(plan, calendar, conversations, Random(f"{seed}/{plan.id}/volume"))
    return AccountWorld(plan, people, calendar, tuple(counts))
