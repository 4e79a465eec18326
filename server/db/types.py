"""Column types shared by the tables."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

MICROS = 1_000_000
# Money is stored as an integer count of 1/10,000 of the currency unit so that sums are exact on
# every database (SQLite has no exact decimal type).
AMOUNT_SCALE = 10_000


def to_micros(moment: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime."""
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * MICROS + delta.microseconds


def from_micros(value: int) -> datetime:
    seconds, micros = divmod(value, MICROS)
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=micros)


def amount_to_scaled(amount: Decimal) -> int:
    return int(amount * AMOUNT_SCALE)


def scaled_to_amount(value: int) -> Decimal:
    return (Decimal(value) / AMOUNT_SCALE).quantize(Decimal("0.0001"))


def money(scaled: int) -> Decimal:
    """A stored amount as shown to users, with at least two decimals: 129.9000 -> 129.90,
    1.2345 stays."""
    amount = scaled_to_amount(scaled).normalize()
    exponent = amount.as_tuple().exponent  # an int: amounts are finite
    if isinstance(exponent, int) and exponent > -2:
        amount = amount.quantize(Decimal("0.01"))
    return amount


class Timestamp(TypeDecorator[datetime]):
    """A UTC instant stored as BIGINT microseconds since the epoch.

    Integers make range filters, bucketing and durations plain integer arithmetic that behaves the
    same on SQLite and PostgreSQL. Reports work on the raw integers; records read aware datetimes.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | int | None, dialect: object) -> int | None:
        if value is None or isinstance(value, int):
            return value
        return to_micros(value)

    def process_result_value(self, value: int | None, dialect: object) -> datetime | None:
        return None if value is None else from_micros(value)
