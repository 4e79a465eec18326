"""Survey answers: how satisfied a customer felt, turned into csat, happiness, nps and ces scores.

A conversation yields one `satisfaction` figure (about 0.85 for a good one, see
conversations.py).
Each survey adds its own noise and cuts it into its scale at fixed thresholds, chosen so the
distributions look like real ones: csat mostly 4-5, happiness about two thirds Great, NPS in
the 30s, CES mostly easy.
"""

from __future__ import annotations

from bisect import bisect_right
from random import Random

from server.demo.csvfiles import RowWriter
from server.demo.people import Customer
from server.demo.sizes import SURVEYS
from server.demo.timestamps import UtcFormatter
from server.demo.vocabulary import COMMENTS_NEGATIVE, COMMENTS_NEUTRAL, COMMENTS_POSITIVE
from server.demo.weighted import Weighted

# survey -> (lowest score, satisfaction at which each next score starts)
SCALES: dict[str, tuple[int, tuple[float, ...]]] = {
    "csat": (1, (0.40, 0.52, 0.64, 0.82)),
    "happiness": (1, (0.52, 0.70)),
    "nps": (0, (0.05, 0.12, 0.2, 0.28, 0.36, 0.44, 0.55, 0.68, 0.8, 0.92)),
    "ces": (1, (0.25, 0.38, 0.5, 0.62, 0.74, 0.88)),
}
COMMENT_RATES = {"csat": 0.3, "happiness": 0.35, "nps": 0.25, "ces": 0.12}
UNHAPPY = 0.52  # below this, customers complain (and are more likely to write)
HAPPY = 0.72
# The survey goes out when the conversation closes; most answer within the hour.
ANSWER_DELAY_MEDIAN_SECONDS = 1_800
ANSWER_DELAY_MAX_SECONDS = 5 * 86_400
# Surveys answered on a public page: mostly NPS, as the seed's "external" source.
EXTERNAL_SURVEYS = Weighted({"nps": 0.55, "csat": 0.25, "ces": 0.15, "happiness": 0.05}.items())


class Surveys:
    def __init__(
        self,
        account_id: str,
        rates: tuple[float, ...],
        rng: Random,
        format_time: UtcFormatter,
        ratings: RowWriter,
    ) -> None:
        self.account_id = account_id
        self.rates = tuple(zip(SURVEYS, rates, strict=True))
        self.rng = rng
        self.format_time = format_time
        self.write = ratings.writerow

    def after_conversation(
        self, conversation_id: str, closed: int, satisfaction: float, customer: Customer | None
    ) -> None:
        """Send each survey the size asks for; those answered are written with their defaults
        (user, customer, channel, inbox, country) left to the conversation."""
        rng = self.rng
        user_agent = customer.user_agent if customer is not None else None
        for survey, rate in self.rates:
            if rng.random() >= rate:
                continue
            delay = rng.lognormvariate(0, 1.3) * ANSWER_DELAY_MEDIAN_SECONDS
            at = closed + 60 + int(min(delay, ANSWER_DELAY_MAX_SECONDS))
            score, comment = self._answer(survey, satisfaction)
            self.write(
                (
                    self.account_id,
                    f"{conversation_id}-{survey}",
                    survey,
                    score,
                    comment,
                    self.format_time(at),
                    conversation_id,
                    None,
                    None,
                    None,
                    None,
                    None,
                    user_agent if rng.random() < 0.92 else None,
                )
            )

    def external(
        self,
        rating_id: str,
        at: int,
        customer_id: str | None,
        country: str | None,
        user_agent: str | None,
    ) -> None:
        """An answer from a public survey link: channel `external`, no conversation, no agent."""
        rng = self.rng
        survey = EXTERNAL_SURVEYS.pick(rng)
        score, comment = self._answer(survey, rng.gauss(0.74, 0.24))
        self.write(
            (
                self.account_id,
                rating_id,
                survey,
                score,
                comment,
                self.format_time(at),
                None,
                None,
                customer_id,
                "external",
                None,
                country,
                user_agent,
            )
        )

    def _answer(self, survey: str, satisfaction: float) -> tuple[int, str | None]:
        rng = self.rng
        felt = satisfaction + rng.gauss(0, 0.08)
        lowest, thresholds = SCALES[survey]
        score = lowest + bisect_right(thresholds, felt)
        rate = COMMENT_RATES[survey] * (1.6 if felt < UNHAPPY else 1.0)
        if rng.random() >= rate:
            return score, None
        if felt < UNHAPPY:
            return score, rng.choice(COMMENTS_NEGATIVE)
        if felt < HAPPY:
            return score, rng.choice(COMMENTS_NEUTRAL)
        return score, rng.choice(COMMENTS_POSITIVE)
