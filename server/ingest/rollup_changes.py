"""What one transaction's changes to ratings (and to accounts' time zones) do to the rollups.

A few changed ratings of an account adjust the rollups by their differences
(server.ingest.rollup_deltas); more of them (a first load), and the local days they fall on are
counted again from the stored ratings (server.ingest.rollups), which is set-based and cheaper per
rating. An account whose time zone changes has its rollups counted again entirely.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.types import MICROS, to_micros
from server.ingest.files import Record
from server.ingest.rollup_deltas import CountedRating, adjust
from server.ingest.rollups import account_timezone, local_day, rebuild_account, refresh_days
from server.ingest.write_common import Change
from server.metrics.rollups import ROLLUPS
from server.metrics.time import zone

# The rating columns some rollup counts by, besides its account and its time: a rating whose
# change is elsewhere (its comment, its theme from a changed conversation) stays in the same
# rollup rows.
_VALUES = frozenset().union(*(rollup.columns for rollup in ROLLUPS))
_COUNTED = _VALUES | {"account_id", "created_at"}
# Changed ratings per account and transaction up to which the rollups are adjusted by
# differences (a new rating counts half: it takes from no rollup row); past it the days they
# fall on are counted again.
DELTA_RATINGS = 20_000
# Changed ratings are also noted by the UTC hour they fall in (a few thousand a year, however many
# ratings), for counting again: an hour overlaps one or two local days in any zone.
_HOUR = 3_600 * MICROS


class RollupChanges:
    """The ratings (and the accounts' time zones) one transaction changed."""

    def __init__(self) -> None:
        self._hours: dict[str, set[int]] = defaultdict(set)  # account -> UTC hours
        self._counted: dict[str, list[CountedRating]] = defaultdict(list)  # while few
        self._many: set[str] = set()  # accounts whose days are counted again
        self._whole: set[str] = set()  # accounts to count again entirely

    def note(self, entity: str, changes: list[Change]) -> None:
        if entity == "ratings":
            for old, new in changes:
                if old is not None and all(old.get(c) == new.get(c) for c in _COUNTED):
                    continue
                if old is not None:
                    self._note_rating(-1, old)
                self._note_rating(1, new)
        elif entity == "accounts":
            for old, new in changes:
                if old is not None and "timezone" in new and old["timezone"] != new["timezone"]:
                    self._whole.add(str(new["id"]))

    def _note_rating(self, sign: int, row: Record) -> None:
        account = str(row["account_id"])
        created = row.get("created_at")
        if created is None:  # not among the written columns: its day is unknown
            self._whole.add(account)
            return
        if isinstance(created, datetime):
            instant = to_micros(created)
        else:
            assert isinstance(created, int), created  # rows as stored: integer microseconds
            instant = created
        self._hours[account].add(instant // _HOUR)
        if account in self._many:
            return
        counted = self._counted[account]
        if len(counted) >= 2 * DELTA_RATINGS or not row.keys() >= _VALUES:
            self._many.add(account)
            del self._counted[account]
            return
        counted.append(CountedRating(sign, instant, {name: row[name] for name in _VALUES}))

    async def settle(self, connection: AsyncConnection) -> None:
        for account in sorted(self._whole):
            await rebuild_account(connection, account)
        for account, hours in sorted(self._hours.items()):
            if account in self._whole:
                continue
            timezone = await account_timezone(connection, account)
            tz = zone(timezone)
            counted = self._counted.get(account)
            if counted is None or not await adjust(connection, account, tz, counted):
                for statement in refresh_days(account, timezone, _local_days(hours, tz)):
                    await connection.execute(statement)
        self._hours.clear()
        self._counted.clear()
        self._many.clear()
        self._whole.clear()


def _local_days(hours: Iterable[int], tz: ZoneInfo) -> set[date]:
    """The local days these UTC hours overlap."""
    return {
        local_day(instant, tz)
        for hour in hours
        for instant in (hour * _HOUR, (hour + 1) * _HOUR - 1)
    }
