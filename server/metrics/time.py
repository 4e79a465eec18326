"""Periods and buckets: local calendar dates in an IANA zone, turned into exact UTC instants.

Boundaries are computed here, in Python, with zoneinfo; SQL only compares and does integer
arithmetic on the stored microseconds, so both databases place every row in the same bucket,
daylight-saving changes included. A local day is found in SQL by adding the zone's UTC offset in
force at the row's instant: the offsets and the instants where they change inside the period are
computed here and passed as a CASE expression.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from functools import cached_property, lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import BigInteger, ColumnElement, case, literal

from server.db.types import MICROS, to_micros
from server.errors import UserError, shown

DAY = 86_400 * MICROS
HOUR = 3_600 * MICROS
EPOCH_DAY_WEEKDAY = 3  # 1970-01-01 was a Thursday: (day number + 3) % 7 is 0 on Mondays


class Granularity(Enum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    QUARTER = "QUARTER"
    YEAR = "YEAR"


class Shift(Enum):
    PERIOD = "PERIOD"
    YEAR = "YEAR"


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    # a folder of the zone database ("America") or a name too long for a file name: OSError
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UserError(f"timezone: unknown time zone {shown(name)} (use an IANA name)") from None


def local_midnight(day: date, tz: ZoneInfo) -> int:
    """The first instant of a local day, in UTC microseconds (in a DST gap: the gap's end)."""
    return to_micros(datetime.combine(day, time(0), tz))


@dataclass(frozen=True)
class Days:
    """The local calendar days a value is computed over: a report's period or a series bucket.

    Values that depend on the calendar (`perDay`, `busiestDay`) read it: a bucket of a series has
    its own number of days and its own count of each weekday.
    """

    first: date
    last: date  # inclusive

    @property
    def count(self) -> int:
        return (self.last - self.first).days + 1

    def weekday_occurrences(self) -> tuple[int, ...]:
        """How many times each weekday occurs, Monday first."""
        weeks, extra = divmod(self.count, 7)
        start = self.first.weekday()
        return tuple(weeks + ((weekday - start) % 7 < extra) for weekday in range(7))


@dataclass(frozen=True)
class Bucket:
    start: date
    end: date  # last day, inclusive
    starts_at: datetime  # UTC

    @property
    def local_days(self) -> Days:
        return Days(self.start, self.end)


@dataclass(frozen=True)
class Period:
    """The local days [first, last] in a zone: `[first 00:00, last+1 00:00)` in UTC microseconds."""

    first: date
    last: date
    timezone: str

    @classmethod
    def parse(cls, first: date, last: date, timezone: str, max_years: int) -> Period:
        """The period, checked: a known zone, from ≤ to, at most `max_years` calendar years
        (the last day before the same date `max_years` later), and boundaries that exist."""
        zone(timezone)
        if first > last:
            raise UserError(f"filter: from ({first}) is after to ({last})")
        limit = _years_later(first, max_years)
        if limit is not None and last >= limit:
            raise UserError(
                f"filter: the period from {first} to {last} is longer than the limit of "
                f"{max_years} years (the last day must be before {limit})"
            )
        period = cls(first, last, timezone)
        period.check_calendar()
        return period

    def check_calendar(self) -> None:
        """A UserError when the period, or its previous periods' days, fall off the calendar
        (before 0001-01-01 or after 9999-12-31, where dates and instants cannot be computed)."""
        try:
            self.start, self.end  # noqa: B018 - computing them is the check
        except (OverflowError, ValueError):
            raise UserError(
                f"filter: the period from {self.first} to {self.last} reaches past the calendar "
                f"(days run from {date.min} to {date.max})"
            ) from None

    @cached_property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def local_days(self) -> Days:
        return Days(self.first, self.last)

    @cached_property
    def start(self) -> int:
        return local_midnight(self.first, self.tz)

    @cached_property
    def end(self) -> int:
        return local_midnight(self.last + timedelta(days=1), self.tz)

    def previous(self, shift: Shift) -> Period:
        """The period before; a UserError when it would start before the calendar does."""
        try:
            if shift is Shift.PERIOD:
                previous = Period(
                    self.first - timedelta(days=self.days),
                    self.first - timedelta(days=1),
                    self.timezone,
                )
            else:
                previous = Period(
                    _year_earlier(self.first), _year_earlier(self.last), self.timezone
                )
        except (OverflowError, ValueError):
            raise UserError(
                f"previous: the period before {self.first} to {self.last} starts before {date.min}"
            ) from None
        previous.check_calendar()
        return previous

    def dates(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.days)]

    # Periods repeat from request to request (a dashboard's period and its previous one), and
    # their buckets and offsets are asked for by every series and every time expression.
    @lru_cache(maxsize=1024)  # noqa: B019 - periods are small values; the cache is bounded
    def buckets(self, granularity: Granularity) -> tuple[Bucket, ...]:
        """Calendar buckets of the period, clipped to it, in order."""
        starts = [self.first]
        day = self.first
        while True:
            try:
                day = _next_unit_start(day, granularity)
            except ValueError:  # the next unit would start after 9999-12-31
                break
            if day > self.last:
                break
            starts.append(day)
        ends = [s - timedelta(days=1) for s in starts[1:]] + [self.last]
        return tuple(
            Bucket(s, e, datetime.fromtimestamp(local_midnight(s, self.tz) / MICROS, UTC))
            for s, e in zip(starts, ends, strict=True)
        )

    # --- SQL ----------------------------------------------------------------------------------

    @lru_cache(maxsize=1024)  # noqa: B019 - as buckets()
    def offsets(self) -> tuple[int, tuple[tuple[int, int], ...]]:
        """(offset at the start, [(UTC instant a new offset starts, offset)]) in microseconds.

        Covers the whole period: an offset change is found at day granularity, then narrowed to the
        exact second by bisection.
        """

        def offset_at(instant: int) -> int:
            offset = datetime.fromtimestamp(instant / MICROS, self.tz).utcoffset()
            assert offset is not None  # an aware datetime (self.tz) always has one
            return int(offset.total_seconds()) * MICROS

        first = current = offset_at(self.start)
        changes: list[tuple[int, int]] = []
        instant = self.start
        while instant < self.end:
            following = min(instant + DAY, self.end)
            if offset_at(following - 1) != current:
                # Offsets change on whole seconds: bisect seconds (old offset at low, new at high).
                low, high = instant // MICROS, (following - 1) // MICROS
                while high - low > 1:
                    middle = (low + high) // 2
                    if offset_at(middle * MICROS) == current:
                        low = middle
                    else:
                        high = middle
                high *= MICROS
                current = offset_at(high)
                changes.append((high, current))
            instant = following
        return first, tuple(changes)

    def local_micros(self, instant: ColumnElement[Any]) -> ColumnElement[Any]:
        """SQL: the row's local wall-clock time, as microseconds since the local epoch."""
        first, changes = self.offsets()
        if not changes:
            return instant + _int(first)
        # Before each change, the offset in force until then.
        before = [first, *(offset for _, offset in changes)]
        offset = case(
            *[(instant < _int(at), _int(before[i])) for i, (at, _) in enumerate(changes)],
            else_=_int(before[-1]),
        )
        return instant + offset

    def local_day(self, instant: ColumnElement[Any]) -> ColumnElement[Any]:
        """SQL: the local day number (days since 1970-01-01) of an instant."""
        return self.local_micros(instant) // _int(DAY)

    def bucket_index(
        self, instant: ColumnElement[Any], granularity: Granularity
    ) -> ColumnElement[Any]:
        """SQL: the 0-based index, in `buckets(granularity)`, of an instant inside the period."""
        return self.bucket_of_day(self.local_day(instant), granularity)

    def bucket_of_day(
        self, day: ColumnElement[Any], granularity: Granularity
    ) -> ColumnElement[Any]:
        """SQL: the 0-based index, in `buckets(granularity)`, of a local day number."""
        first = day_number(self.first)
        if granularity is Granularity.DAY:
            return day - _int(first)
        if granularity is Granularity.WEEK:
            week = (day + _int(EPOCH_DAY_WEEKDAY)) // _int(7)
            return week - _int((first + EPOCH_DAY_WEEKDAY) // 7)
        starts = [day_number(b.start) for b in self.buckets(granularity)[1:]]
        if not starts:
            return _int(0)
        return case(
            *[(day < _int(s), _int(i)) for i, s in enumerate(starts)], else_=_int(len(starts))
        )

    def weekday(self, instant: ColumnElement[Any]) -> ColumnElement[Any]:
        """SQL: 0 (Monday) … 6 (Sunday), local."""
        return weekday_of_day(self.local_day(instant))

    def local_unit_start(
        self, instant: ColumnElement[Any], granularity: Granularity
    ) -> ColumnElement[Any]:
        """SQL: the local day number of the first day of the instant's local month (quarter, …);
        the period must start on the first day of one."""
        starts = [day_number(b.start) for b in self.buckets(granularity)]
        if len(starts) == 1:
            return _int(starts[0])
        day = self.local_day(instant)
        months = zip(starts, starts[1:], strict=False)
        return case(
            *[(day < _int(following), _int(start)) for start, following in months],
            else_=_int(starts[-1]),
        )

    def hour(self, instant: ColumnElement[Any]) -> ColumnElement[Any]:
        """SQL: 0 … 23, local."""
        return (self.local_micros(instant) % _int(DAY)) // _int(HOUR)


def _int(value: int) -> ColumnElement[int]:
    return literal(value, BigInteger)


def day_number(day: date) -> int:
    """Days since 1970-01-01: how local days are numbered in SQL."""
    return (day - date(1970, 1, 1)).days


def weekday_of_day(day: ColumnElement[Any]) -> ColumnElement[Any]:
    """SQL: 0 (Monday) … 6 (Sunday) of a local day number."""
    return (day + _int(EPOCH_DAY_WEEKDAY)) % _int(7)


def _years_later(day: date, years: int) -> date | None:
    """The same date `years` later (29 February: 1 March); None past the calendar's end."""
    if day.year + years > date.max.year:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return date(day.year + years, 3, 1)


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February -> 28 February
        return day.replace(year=day.year - 1, day=28)


def unit_start(day: date, granularity: Granularity) -> date:
    """The first day of the calendar unit (ISO week, month, …) holding `day`."""
    if granularity is Granularity.DAY:
        return day
    if granularity is Granularity.WEEK:
        return day - timedelta(days=day.weekday())
    if granularity is Granularity.MONTH:
        return day.replace(day=1)
    if granularity is Granularity.QUARTER:
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, 1, 1)


def unit_end(day: date, granularity: Granularity) -> date:
    """The last day of the calendar unit holding `day`."""
    try:
        return _next_unit_start(day, granularity) - timedelta(days=1)
    except (ValueError, OverflowError):  # the next unit would start after 9999-12-31
        return date.max


def _next_unit_start(day: date, granularity: Granularity) -> date:
    if granularity is Granularity.DAY:
        return day + timedelta(days=1)
    if granularity is Granularity.WEEK:
        return day + timedelta(days=7 - day.weekday())
    if granularity is Granularity.MONTH:
        return date(day.year + day.month // 12, day.month % 12 + 1, 1)
    if granularity is Granularity.QUARTER:
        quarter_month = (day.month - 1) // 3 * 3 + 4
        return date(day.year + (quarter_month > 12), (quarter_month - 1) % 12 + 1, 1)
    return date(day.year + 1, 1, 1)
