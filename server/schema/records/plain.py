"""Records without lists of their own: inboxes, customers, transactions, stage changes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry
from sqlalchemy import Row

from server.db.types import money
from server.schema.records.entity_report import entity_report_field


@strawberry.type
class Inbox:
    id: strawberry.ID
    name: str

    @classmethod
    def from_row(cls, row: Row[*tuple[Any, ...]]) -> Inbox:
        return cls(id=strawberry.ID(row.id), name=row.name)

    report = entity_report_field("INBOX", "inbox")


@strawberry.type
class Customer:
    id: strawberry.ID
    name: str | None
    email: str | None
    country: str | None = strawberry.field(description="ISO 3166-1 alpha-2.")

    @classmethod
    def from_row(cls, row: Row[*tuple[Any, ...]]) -> Customer:
        return cls(id=strawberry.ID(row.id), name=row.name, email=row.email, country=row.country)


@strawberry.type
class Transaction:
    id: strawberry.ID
    amount: Decimal
    currency: str = strawberry.field(description="ISO 4217.")
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row[*tuple[Any, ...]]) -> Transaction:
        return cls(
            id=strawberry.ID(row.id),
            amount=money(row.amount_scaled),
            currency=row.currency,
            created_at=row.created_at,
        )


@strawberry.type
class StageChange:
    id: strawberry.ID
    pipeline: str
    stage: str
    entered_at: datetime

    @classmethod
    def from_row(cls, row: Row[*tuple[Any, ...]]) -> StageChange:
        return cls(
            id=strawberry.ID(row.id),
            pipeline=row.pipeline,
            stage=row.stage,
            entered_at=row.entered_at,
        )
