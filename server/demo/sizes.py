"""How much data each demo size holds.

`large` is the benchmark set of SPEC section 10 (≥ 1M ratings, ≥ 300k conversations, ≥ 1.5M
messages, 200 users); its rates are set so that those floors hold with a wide margin for any seed.
"""

from __future__ import annotations

from dataclasses import dataclass

SURVEYS = ("csat", "happiness", "nps", "ces")


@dataclass(frozen=True)
class Size:
    name: str
    conversations: int  # over both accounts
    humans: tuple[int, ...]  # human users per account (bots come from the plans)
    customers_per_conversation: float  # below 1: customers come back
    # Chance that a closed conversation gets each survey, in SURVEYS order.
    survey_rates: tuple[float, ...]
    # Survey answers from a public link, with no conversation (channel `external`).
    external_ratings_per_conversation: float
    processes: int  # generate on this many processes at most


SMALL = Size(
    name="small",
    conversations=6_000,
    humans=(20, 18),
    customers_per_conversation=0.45,
    survey_rates=(0.36, 0.3, 0.11, 0.09),
    external_ratings_per_conversation=0.05,
    processes=1,  # a few seconds: starting processes would cost more than it saves
)

LARGE = Size(
    name="large",
    conversations=420_000,
    humans=(119, 78),
    customers_per_conversation=0.3,
    survey_rates=(0.9, 0.75, 0.55, 0.45),
    external_ratings_per_conversation=0.3,
    processes=8,
)

SIZES = {size.name: size for size in (SMALL, LARGE)}
