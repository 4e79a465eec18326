"""Revenue (transactions summed exactly per currency) and conversion (closed conversations that
led to a purchase), as in iAdvize's performance report."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import strawberry
from sqlalchemy import Table, exists

from server.db.tables import transactions
from server.db.types import AMOUNT_SCALE, money
from server.hookspecs import hookimpl
from server.metrics.declarations import Count, Metric, PartValue, Percent, Sum
from server.metrics.facts import CONVERSATIONS_CLOSED, TRANSACTIONS
from server.metrics.time import Days

CENT = Decimal("0.01")


@strawberry.type(description="An amount of money in one currency.")
class Money:
    currency: str = strawberry.field(description="ISO 4217")
    amount: Decimal


@strawberry.type(description="Transactions and the money they brought, per currency.")
class Revenue:
    transactions: int
    totals: list[Money] = strawberry.field(description="exact sums, by currency code")
    average_order_value: list[Money] = strawberry.field(
        description="total / transactions per currency, rounded half-even to 2 decimals"
    )


def _per_currency(values: Mapping[str, Any], parts: Mapping[str, Any], _days: Days) -> Revenue:
    totals: dict[str, int] = parts["amount_by_currency"]
    counts: dict[str, int] = parts["transactions_by_currency"]
    currencies = sorted(totals)
    return Revenue(
        **values,
        totals=[Money(currency=c, amount=money(totals[c])) for c in currencies],
        average_order_value=[
            Money(currency=c, amount=_average(totals[c], counts[c])) for c in currencies
        ],
    )


def _average(total_scaled: int, count: int) -> Decimal:
    # one exact division of integers, so a tie (19.995) is a true tie for the rounding
    return (Decimal(total_scaled) / (count * AMOUNT_SCALE)).quantize(CENT, ROUND_HALF_EVEN)


REVENUE = Metric(
    name="revenue",
    description="Transactions created in the period and their amounts, exact per currency.",
    fact=TRANSACTIONS,
    parts={
        "transactions": Count(),
        "amount_by_currency": Sum(lambda t: t.c.amount_scaled, by=lambda t: t.c.currency),
        "transactions_by_currency": Count(by=lambda t: t.c.currency),
    },
    values={"transactions": PartValue("transactions")},
    result=Revenue,
    finalize=_per_currency,
)


@strawberry.type(description="Closed conversations that led to at least one transaction.")
class Conversion:
    rate: float | None = strawberry.field(description="converted / closed × 100")
    converted: int = strawberry.field(description="closed conversations with a transaction")
    closed: int = strawberry.field(description="conversations closed in the period")


def _has_transaction(conversations: Table) -> Any:
    # a transaction at any time, not only in the period (ix_transactions_conversation serves it)
    return exists().where(
        transactions.c.account_id == conversations.c.account_id,
        transactions.c.conversation_id == conversations.c.id,
    )


CONVERSION = Metric(
    name="conversion",
    description="Share of the conversations closed in the period that have a transaction.",
    fact=CONVERSATIONS_CLOSED,
    parts={"closed": Count(), "converted": Count(_has_transaction)},
    values={
        "rate": Percent("converted", "closed"),
        "converted": PartValue("converted"),
        "closed": PartValue("closed"),
    },
    result=Conversion,
)


@hookimpl
def rapport_metrics() -> list[Metric]:
    return [REVENUE, CONVERSION]
