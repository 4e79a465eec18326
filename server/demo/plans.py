"""The two demo companies: who they are, how their inboxes and teams are organised, when they work.

Everything here is a hand-written fact about the story the demo tells; sizes and randomness live
elsewhere. The first account holds the ids the example queries use (inboxes `ib01`-`ib03`,
user `u17`, pipeline `support`, channels `chat` and `email`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from server.demo.vocabulary import COUNTRIES_AMERICA, COUNTRIES_EUROPE

FIRST_DAY = date(2025, 12, 1)
LAST_DAY = date(2026, 11, 30)

# An empty string in the weights below means "no value" (no theme, no pipeline, no team).
Weights = dict[str, float]


@dataclass(frozen=True)
class InboxPlan:
    id: str
    name: str
    share: float  # of the account's conversations
    channels: Weights
    themes: Weights
    pipelines: Weights
    teams: Weights
    conversion: float  # chance that a closed conversation leads to a purchase (before adjustments)
    automation: float  # chance that a bot handles a conversation alone


@dataclass(frozen=True)
class TeamPlan:
    id: str
    name: str
    share: float  # of the account's human users


@dataclass(frozen=True)
class AccountPlan:
    id: str
    name: str
    timezone: str
    share: float  # of all demo conversations
    email_domain: str
    currency: str  # the shop's own currency; customers abroad may pay in theirs
    countries: Weights
    name_pools: tuple[str, ...]  # where the agents' names come from (vocabulary.NAMES keys)
    opening_hours: tuple[tuple[int, int] | None, ...]  # local hours, Monday first; None: closed
    season: tuple[float, ...]  # volume factor per calendar month, January first
    holidays: frozenset[date]  # quiet days
    peaks: frozenset[date]  # sales events: twice the usual volume
    inboxes: tuple[InboxPlan, ...]
    teams: tuple[TeamPlan, ...]
    bots: tuple[str, ...]
    # Agents working full time in the first team, so the example queries about one user (u17)
    # find plenty of conversations and ratings.
    full_timers: tuple[str, ...] = ()


ACME = AccountPlan(
    id="acme",
    name="Acme Support",
    timezone="Europe/Paris",
    share=0.6,
    email_domain="acme.example",
    currency="EUR",
    countries=COUNTRIES_EUROPE,
    name_pools=("fr", "fr", "de", "en", "es", "it", "nl", "nordic"),
    opening_hours=((8, 19), (8, 19), (8, 19), (8, 19), (8, 18), (9, 17), None),
    season=(1.2, 1.0, 1.02, 0.96, 0.92, 0.95, 0.82, 0.68, 1.05, 1.05, 1.15, 1.12),
    holidays=frozenset(
        {
            date(2025, 12, 25),
            date(2026, 1, 1),
            date(2026, 4, 6),
            date(2026, 5, 1),
            date(2026, 5, 8),
            date(2026, 5, 14),
            date(2026, 7, 14),
            date(2026, 8, 15),
            date(2026, 11, 11),
        }
    ),
    peaks=frozenset({date(2026, 1, 7), date(2026, 11, 27), date(2026, 11, 30)}),
    inboxes=(
        InboxPlan(
            id="ib01",
            name="Support",
            share=0.5,
            channels={"email": 0.45, "chat": 0.33, "phone": 0.13, "social": 0.09},
            themes={
                "technical": 0.28,
                "account": 0.2,
                "shipping": 0.2,
                "returns": 0.15,
                "billing": 0.07,
                "": 0.1,
            },
            pipelines={"support": 0.95, "": 0.05},
            teams={"t1": 0.72, "t2": 0.25, "": 0.03},
            conversion=0.03,
            automation=0.07,
        ),
        InboxPlan(
            id="ib02",
            name="Billing",
            share=0.2,
            channels={"email": 0.6, "chat": 0.22, "phone": 0.18},
            themes={"billing": 0.55, "account": 0.25, "returns": 0.1, "": 0.1},
            pipelines={"support": 0.92, "": 0.08},
            teams={"t3": 0.83, "t2": 0.15, "": 0.02},
            conversion=0.07,
            automation=0.05,
        ),
        InboxPlan(
            id="ib03",
            name="Sales",
            share=0.3,
            channels={"chat": 0.6, "email": 0.25, "phone": 0.1, "social": 0.05},
            themes={"pricing": 0.3, "product": 0.3, "shipping": 0.2, "billing": 0.1, "": 0.1},
            pipelines={"sales": 0.55, "support": 0.4, "": 0.05},
            teams={"t4": 0.75, "t1": 0.23, "": 0.02},
            conversion=0.22,
            automation=0.16,
        ),
    ),
    teams=(
        TeamPlan("t1", "Tier 1", 0.45),
        TeamPlan("t2", "Tier 2", 0.2),
        TeamPlan("t3", "Billing", 0.15),
        TeamPlan("t4", "Sales", 0.2),
    ),
    bots=("Acme Assistant",),
    full_timers=("u17",),
)

GLOBEX = AccountPlan(
    id="globex",
    name="Globex",
    timezone="America/New_York",
    share=0.4,
    email_domain="globex.example",
    currency="USD",
    countries=COUNTRIES_AMERICA,
    name_pools=("en", "en", "en", "es", "pt", "in"),
    opening_hours=((8, 20), (8, 20), (8, 20), (8, 20), (8, 20), (10, 16), (10, 16)),
    season=(1.1, 0.95, 1.0, 0.97, 0.95, 0.93, 0.9, 0.9, 1.0, 1.05, 1.2, 1.2),
    holidays=frozenset(
        {
            date(2025, 12, 25),
            date(2026, 1, 1),
            date(2026, 1, 19),
            date(2026, 5, 25),
            date(2026, 7, 4),
            date(2026, 9, 7),
            date(2026, 11, 26),
        }
    ),
    peaks=frozenset(
        {date(2025, 12, 1), date(2025, 12, 26), date(2026, 11, 27), date(2026, 11, 30)}
    ),
    inboxes=(
        InboxPlan(
            id="ib01",
            name="Help Desk",
            share=0.55,
            channels={"email": 0.4, "chat": 0.35, "phone": 0.15, "social": 0.1},
            themes={"technical": 0.3, "account": 0.25, "shipping": 0.2, "billing": 0.15, "": 0.1},
            pipelines={"support": 0.9, "": 0.1},
            teams={"t1": 0.78, "t4": 0.2, "": 0.02},
            conversion=0.03,
            automation=0.12,
        ),
        InboxPlan(
            id="ib02",
            name="Returns",
            share=0.2,
            channels={"email": 0.55, "chat": 0.3, "phone": 0.15},
            themes={"returns": 0.7, "shipping": 0.2, "": 0.1},
            pipelines={"support": 0.95, "": 0.05},
            teams={"t2": 0.88, "t4": 0.1, "": 0.02},
            conversion=0.04,
            automation=0.1,
        ),
        InboxPlan(
            id="ib03",
            name="Sales",
            share=0.25,
            channels={"chat": 0.55, "email": 0.25, "phone": 0.15, "social": 0.05},
            themes={"pricing": 0.35, "product": 0.35, "billing": 0.1, "shipping": 0.1, "": 0.1},
            pipelines={"sales": 0.6, "support": 0.35, "": 0.05},
            teams={"t3": 0.85, "t1": 0.13, "": 0.02},
            conversion=0.25,
            automation=0.2,
        ),
    ),
    teams=(
        TeamPlan("t1", "Help Desk", 0.5),
        TeamPlan("t2", "Returns", 0.2),
        TeamPlan("t3", "Sales", 0.2),
        TeamPlan("t4", "Escalations", 0.1),
    ),
    bots=("Globex Copilot", "Order Tracker"),
)

ACCOUNTS: tuple[AccountPlan, ...] = (ACME, GLOBEX)
