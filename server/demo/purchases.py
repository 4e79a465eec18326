"""Orders: the transactions that turn a conversation into revenue (iAdvize's conversion rate)."""

from __future__ import annotations

from random import Random

from server.db.types import AMOUNT_SCALE, money
from server.demo.csvfiles import RowWriter
from server.demo.plans import AccountPlan
from server.demo.timestamps import UtcFormatter
from server.demo.vocabulary import EUROZONE, PRICES_CENTS

# How much more or less likely a purchase is, by theme and by channel.
THEME_CONVERSION = {
    "pricing": 2.0,
    "product": 1.6,
    "shipping": 0.8,
    "billing": 0.6,
    "account": 0.5,
    "technical": 0.3,
    "returns": 0.15,
    "": 0.8,
}
CHANNEL_CONVERSION = {"chat": 1.4, "phone": 1.2, "email": 0.8, "social": 0.6}
SALES_PIPELINE_CONVERSION = 1.5
UPSELL_RATE = 0.08  # a second order within a week
QUANTITIES = (1, 1, 1, 1, 1, 1, 1, 2, 2, 3)
# A promotion code takes 15 % off, and the shop bills the exact result (19.90 -> 16.915): amounts
# with more than two decimals, which revenue must sum exactly.
PROMOTION_RATE = 0.12
PROMOTION_PERCENT_OFF = 15


class Purchases:
    def __init__(
        self, plan: AccountPlan, rng: Random, format_time: UtcFormatter, transactions: RowWriter
    ) -> None:
        self.plan = plan
        self.rng = rng
        self.format_time = format_time
        self.write = transactions.writerow

    def chance(self, base: float, theme: str, channel: str, pipeline: str) -> float:
        boost = SALES_PIPELINE_CONVERSION if pipeline == "sales" else 1.0
        return min(0.9, base * THEME_CONVERSION[theme] * CHANNEL_CONVERSION[channel] * boost)

    def after_conversation(
        self,
        conversation_id: str,
        theme: str,
        country: str | None,
        engaged: int,
        closed: int,
    ) -> None:
        """Orders placed between the moment someone engaged with the customer and a while after
        the conversation closed; the customer defaults to the conversation's."""
        rng = self.rng
        at = engaged + int((closed - engaged) * rng.random()) + rng.randrange(60, 7_200)
        self._order(f"{conversation_id}-t1", at, theme, country, conversation_id, None)
        if rng.random() < UPSELL_RATE:
            at += rng.randrange(3_600, 7 * 86_400)
            self._order(f"{conversation_id}-t2", at, theme, country, conversation_id, None)

    def web_order(self, order_id: str, at: int, customer_id: str, country: str | None) -> None:
        """An order with no conversation behind it: counts as revenue, not as a conversion."""
        self._order(order_id, at, "", country, None, customer_id)

    def _order(
        self,
        order_id: str,
        at: int,
        theme: str,
        country: str | None,
        conversation_id: str | None,
        customer_id: str | None,
    ) -> None:
        rng = self.rng
        cents = rng.choice(PRICES_CENTS[theme]) * rng.choice(QUANTITIES)
        # in 1/10,000 of the currency unit, as stored
        scaled = cents * (AMOUNT_SCALE // 100)
        if rng.random() < PROMOTION_RATE:
            scaled = scaled * (100 - PROMOTION_PERCENT_OFF) // 100
        self.write(
            (
                self.plan.id,
                order_id,
                str(money(scaled)),
                self._currency(country),
                self.format_time(at),
                conversation_id,
                customer_id,
            )
        )

    def _currency(self, country: str | None) -> str:
        """Customers pay in their own currency where the shop offers it."""
        if country == "GB":
            return "GBP"
        if country == "CH":
            return "CHF"
        if self.plan.currency == "EUR":
            return "USD" if country in ("US", "CA") else "EUR"
        return "EUR" if country in EUROZONE else self.plan.currency
