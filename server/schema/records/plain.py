"""Records without lists of their own: inboxes, customers, transactions, stage changes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry
from sqlalchemy import Row

from server.db.types import scaled_to_amount
from server.schema.records.entity_report import entity_report_field


@strawberry.type
class Inbox:
    id: strawberry.ID
    name: str

    @classmethod
    def from_row(cls, row: Row[Any]) -> Inbox:
        return cls(id=strawberry.ID(row.id), name=row.name)

    report = entity_report_field("INBOX", "inbox")


@strawberry.type
class Customer:
    id: strawberry.ID
    name: str | None
    email: str | None
    country: str | None = strawberry.field(description="ISO 3166-1 alpha-2.")

    @classmethod
    def from_row(cls, row: Row[Any]) -> Customer:
        return cls(id=strawberry.ID(row.id), name=row.name, email=row.email, country=row.country)


@strawberry.type
class Transaction:
    id: strawberry.ID
    amount: Decimal
    currency: str = strawberry.field(description="ISO 4217.")
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row[Any]) -> Transaction:
        return cls(
            id=strawberry.ID(row.id),
            amount=_money(row.amount_scaled),
            currency=row.currency,
            created_at=row.created_at,
        )


def _money(scaled: int) -> Decimal:
    """The stored amount with at least two decimals: 129.9000 -> 129.90, 1.2345 stays."""
    amount = scaled_to_amount(scaled).normalize()
    if amount.as_tuple().exponent > -2:  # type: ignore[operator]
        amount = amount.quantize(Decimal("0.01"))
    return amount


@strawberry.type
class StageChange:
    id: strawberry.ID
    pipeline: str
    stage: str
    entered_at: datetime

    @classmethod
    def from_row(cls, row: Row[Any]) -> StageChange:
        return cls(
            id=strawberry.ID(row.id),
            pipeline=row.pipeline,
            stage=row.stage,
            entered_at=row.entered_at,
        )
