"""An account's people: agents with their traits, bots, teams, and customers around the world."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from itertools import accumulate
from random import Random
from typing import NamedTuple

from server.demo.plans import AccountPlan
from server.demo.rhythm import apportion
from server.demo.vocabulary import EMAIL_DOMAINS, LANGUAGE_OF_COUNTRY, NAMES, USER_AGENTS


@dataclass(frozen=True)
class User:
    id: str
    name: str
    email: str | None
    is_bot: bool
    speed: float  # multiplies the agent's reply delays
    quality: float  # shifts how satisfied their customers are
    activity: float  # relative share of their team's conversations (part-timers are lower)


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    members: tuple[User, ...]


class Customer(NamedTuple):
    id: str
    name: str | None
    email: str | None
    country: str | None
    user_agent: str | None  # the device they usually answer surveys from


@dataclass(frozen=True)
class People:
    humans: tuple[User, ...]
    bots: tuple[User, ...]
    teams: tuple[Team, ...]
    customers: tuple[Customer, ...]

    @property
    def users(self) -> tuple[User, ...]:
        return self.humans + self.bots


def build_people(plan: AccountPlan, humans: int, customers: int, rng: Random) -> People:
    agents = _humans(plan, humans, rng)
    bots = tuple(
        User(f"u{humans + i + 1}", name, None, True, speed=1.0, quality=-0.06, activity=1.0)
        for i, name in enumerate(plan.bots)
    )
    return People(agents, bots, _teams(plan, agents, rng), _customers(plan, customers, rng))


def _humans(plan: AccountPlan, count: int, rng: Random) -> tuple[User, ...]:
    taken: set[str] = set()
    users: list[User] = []
    while len(users) < count:
        firsts, lasts = NAMES[rng.choice(plan.name_pools)]
        first, last = rng.choice(firsts), rng.choice(lasts)
        name = f"{first} {last}"
        if name in taken:
            continue
        taken.add(name)
        user_id = f"u{len(users) + 1}"
        users.append(
            User(
                id=user_id,
                name=name,
                email=f"{_ascii(first)}.{_ascii(last)}@{plan.email_domain}",
                is_bot=False,
                speed=rng.lognormvariate(0, 0.35),
                quality=rng.gauss(0, 0.05),
                activity=1.2 if user_id in plan.full_timers else rng.uniform(0.5, 1.3),
            )
        )
    return tuple(users)


def _teams(plan: AccountPlan, humans: tuple[User, ...], rng: Random) -> tuple[Team, ...]:
    """Every agent in one team sized by the plan; some also help out in a second one."""
    shuffled = [agent for agent in humans if agent.id not in plan.full_timers]
    rng.shuffle(shuffled)
    shuffled[:0] = [agent for agent in humans if agent.id in plan.full_timers]
    sizes = apportion(len(shuffled), [team.share for team in plan.teams])
    members: list[list[User]] = []
    start = 0
    for size in sizes:
        members.append(shuffled[start : start + max(size, 1)])  # a tiny team borrows one
        start += size
    for agent in humans:
        if rng.random() < 0.15:
            extra = members[rng.randrange(len(members))]
            if agent not in extra:
                extra.append(agent)
    return tuple(
        Team(team.id, team.name, tuple(sorted(group, key=lambda u: int(u.id[1:]))))
        for team, group in zip(plan.teams, members, strict=True)
    )


def _customers(plan: AccountPlan, count: int, rng: Random) -> tuple[Customer, ...]:
    countries = list(plan.countries)
    country_weights = list(accumulate(plan.countries.values()))
    agents = [agent for agent, _ in USER_AGENTS]
    agent_weights = list(accumulate(share for _, share in USER_AGENTS))
    customers = []
    for n in range(1, count + 1):
        country = rng.choices(countries, cum_weights=country_weights)[0]
        firsts, lasts = NAMES[LANGUAGE_OF_COUNTRY[country]]
        first, last = rng.choice(firsts), rng.choice(lasts)
        suffix = str(rng.randrange(100)) if rng.random() < 0.5 else ""
        email = f"{_ascii(first)}.{_ascii(last)}{suffix}@{rng.choice(EMAIL_DOMAINS)}"
        customers.append(
            Customer(
                id=f"cu{n}",
                # Phone callers and social-media users are not always known by name or address.
                name=f"{first} {last}" if rng.random() < 0.96 else None,
                email=email if rng.random() < 0.94 else None,
                country=country if rng.random() < 0.98 else None,
                user_agent=rng.choices(agents, cum_weights=agent_weights)[0]
                if rng.random() < 0.92
                else None,
            )
        )
    return tuple(customers)


def _ascii(text: str) -> str:
    """`Lefèvre` -> `lefevre`, `de Jong` -> `dejong`: the local part of an address."""
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode().lower().replace(" ", "")
