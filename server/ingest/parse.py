"""Cell parsers: a CSV cell's text -> the value stored, or `Invalid` saying what is wrong.

Parsers only see non-empty cells; emptiness (required, default) is handled by the caller. Their
messages complete the line `FILE:LINE: column: <message>`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import available_timezones

import pycountry

from server.db.types import AMOUNT_SCALE

Parser = Callable[[str], object]

_INT64 = 2**63
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?")
_DECIMAL_PLACES = len(str(AMOUNT_SCALE)) - 1
_SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class Invalid(ValueError):
    """A cell's value is wrong; str() is the message shown to the user."""


def integer(value: str) -> int:
    if not _INTEGER.fullmatch(value):
        raise Invalid(f"not an integer: {value!r}")
    number = int(value)
    if not -_INT64 <= number < _INT64:
        raise Invalid(f"integer out of range: {value!r}")
    return number


def amount(value: str) -> int:
    """A decimal amount such as `129.90`, returned scaled (see server.db.types.AMOUNT_SCALE)."""
    match = _DECIMAL.fullmatch(value)
    if match is None or not (match[2] or match[3]):
        raise Invalid(f"not a decimal number: {value!r}")
    sign, whole, fraction = match[1], match[2], match[3] or ""
    if len(fraction) > _DECIMAL_PLACES:
        raise Invalid(f"more than {_DECIMAL_PLACES} decimal places: {value!r}")
    scaled = int(whole or "0") * AMOUNT_SCALE + int(fraction.ljust(_DECIMAL_PLACES, "0"))
    if scaled >= _INT64:
        raise Invalid(f"amount too large: {value!r}")
    return -scaled if sign == "-" else scaled


def boolean(value: str) -> bool:
    # Spreadsheets write TRUE/FALSE; accepting any case loses nothing.
    lowered = value.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise Invalid(f"expected true or false, got {value!r}")


def timestamp(value: str) -> int:
    """ISO 8601 with an offset or Z -> microseconds since the epoch (how Timestamp stores it)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(f"not an ISO 8601 timestamp: {value!r}") from None
    if moment.tzinfo is None:
        raise Invalid(f"no time zone offset (add Z or +HH:MM): {value!r}")
    return (moment - _EPOCH) // _MICROSECOND


def one_of(*choices: str) -> Parser:
    allowed = frozenset(choices)
    expected = ", ".join(choices)

    def parse(value: str) -> str:
        if value not in allowed:
            raise Invalid(f"expected one of {expected}; got {value!r}")
        return value

    return parse


def timezone(value: str) -> str:
    if value not in _timezones():
        raise Invalid(f"not an IANA time zone name: {value!r}")
    return value


def country(value: str) -> str:
    # Codes have one canonical case, so upper-casing `fr` is lossless.
    code = value.upper()
    if code not in _countries():
        raise Invalid(f"not an ISO 3166-1 alpha-2 country code: {value!r}")
    return code


def currency(value: str) -> str:
    code = value.upper()
    if code not in _currencies():
        raise Invalid(f"not an ISO 4217 currency code: {value!r}")
    return code


def slug(value: str) -> str:
    if not _SLUG.fullmatch(value):
        raise Invalid(f"not a lower-case slug such as email, chat or phone: {value!r}")
    return value


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


@cache
def _countries() -> frozenset[str]:
    return frozenset(entry.alpha_2 for entry in pycountry.countries)


@cache
def _currencies() -> frozenset[str]:
    return frozenset(entry.alpha_3 for entry in pycountry.currencies)
