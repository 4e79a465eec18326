"""What one transaction's changes to ratings (and to accounts' time zones) do to the rollups.

Changed ratings adjust the rollups by their differences (server.ingest.rollup_deltas), summed while
the rows are written. When the differences cannot be trusted (a count would fall below zero: the
rollups did not match the ratings), the local days the changed ratings fall on are counted again
from the stored ratings (server.ingest.rollups). An account whose time zone changes has its
rollups counted again entirely.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db import tables
from server.db.types import to_micros
from server.ingest.columnar.side import copy_derived
from server.ingest.files import Record
from server.ingest.rollup_deltas import AccountDeltas, adjust
from server.ingest.rollups import (
    account_timezone,
    local_day,
    rebuild_account,
    refresh_days,
)
from server.ingest.write_common import Change
from server.metrics.rollups import ROLLUPS
from server.metrics.time import HOUR, zone

# The rating columns some rollup counts by, besides its account and its time: a rating whose
# change is elsewhere (its comment, its theme from a changed conversation) stays in the same
# rollup rows.
_VALUES = frozenset().union(*(rollup.columns for rollup in ROLLUPS))
_COUNTED = _VALUES | {"account_id", "created_at"}


async def account_timezones(connection: AsyncConnection) -> dict[str, str]:
    """Every account's time zone, which its rollups are kept in."""
    accounts = tables.accounts
    result = await connection.execute(select(accounts.c.id, accounts.c.timezone))
    return {account: timezone or "UTC" for account, timezone in result}


class RollupChanges:
    """The ratings (and the accounts' time zones) one transaction changed."""

    def __init__(self, timezones: Mapping[str, str]) -> None:
        """`timezones`: each account's time zone when the transaction started."""
        self._timezones = timezones
        # Changed ratings are also noted by the UTC hour they fall in (a few thousand a year,
        # however many ratings), for counting again: an hour overlaps one or two local days in
        # any zone.
        self._hours: dict[str, set[int]] = defaultdict(set)  # account -> UTC hours
        self._deltas: dict[str, AccountDeltas] = {}
        self._recount: set[str] = set()  # accounts whose days are counted again
        self._whole: set[str] = set()  # accounts to count again entirely
        self._counted: set[str] = set()  # accounts whose rollups were counted, and where
        self._counted_at: Path | None = None

    def note(self, entity: str, changes: list[Change]) -> None:
        if entity == "ratings":
            moved = [
                (old, new)
                for old, new in changes
                if old is not None and any(old.get(c) != new.get(c) for c in _COUNTED)
            ]
            for account, rows in _by_account([old for old, _ in moved]):
                self._note_ratings(-1, account, rows)
            added = [new for old, new in changes if old is None] + [new for _, new in moved]
            for account, rows in _by_account(added):
                self._note_ratings(1, account, rows)
        elif entity == "accounts":
            for old, new in changes:
                if old is not None and "timezone" in new and old["timezone"] != new["timezone"]:
                    self._whole.add(str(new["id"]))

    def note_counted(self, accounts: Iterable[str], target: Path) -> None:
        """Every rating of these accounts is new (a first load), and their rollups were
        counted as they were read, left beside them at `target` (server.ingest.columnar)."""
        self._counted.update(accounts)
        self._counted_at = target

    def _note_ratings(self, sign: int, account: str, rows: list[Record]) -> None:
        """Ratings of one account, taken from the rollups (-1) or added to them (+1)."""
        created = [row.get("created_at") for row in rows]
        if None in created:  # not among the written columns: their days are unknown
            self._whole.add(account)
            return
        instants = [c if c.__class__ is int else _micros(c) for c in created]
        self._hours[account].update({instant // HOUR for instant in instants})
        if account in self._recount:
            return
        deltas = self._deltas.get(account)
        timezone = self._timezones.get(account)
        if timezone is None or not rows[0].keys() >= _VALUES:  # every row has the same columns
            self._recount.add(account)
            self._deltas.pop(account, None)
            return
        if deltas is None:
            deltas = self._deltas[account] = AccountDeltas(timezone)
        deltas.add(sign, instants, rows)

    async def settle(self, connection: AsyncConnection) -> None:
        if self._counted_at is not None:
            await self._store_counted(connection, self._counted_at)
        for account in sorted(self._whole):
            await rebuild_account(connection, account)
        for account, hours in sorted(self._hours.items()):
            if account in self._whole:
                continue
            timezone = await account_timezone(connection, account)
            deltas = self._deltas.get(account)
            if (
                deltas is None
                or deltas.timezone != timezone
                or not await adjust(connection, account, deltas)
            ):
                for statement in refresh_days(
                    account, timezone, _local_days(hours, zone(timezone))
                ):
                    await connection.execute(statement)
        self._hours.clear()
        self._deltas.clear()
        self._recount.clear()
        self._whole.clear()
        self._counted.clear()
        self._counted_at = None

    async def _store_counted(self, connection: AsyncConnection, target: Path) -> None:
        """The rollups of `_counted` accounts, as counted."""
        accounts = sorted(self._counted)
        for rollup in ROLLUPS:
            table = rollup.table
            await connection.execute(delete(table).where(table.c.account_id.in_(accounts)))
            await copy_derived(connection, target, table.name, [c.name for c in table.columns])


def _by_account(rows: list[Record]) -> list[tuple[str, list[Record]]]:
    """The rows grouped by account (a file's chunk is mostly one account's)."""
    accounts = {str(row["account_id"]) for row in rows}
    if len(accounts) <= 1:
        return [(account, rows) for account in accounts]
    grouped: dict[str, list[Record]] = defaultdict(list)
    for row in rows:
        grouped[str(row["account_id"])].append(row)
    return sorted(grouped.items())


def _micros(value: object) -> int:
    """A rating's time: integer microseconds as stored, or a datetime as read back."""
    if isinstance(value, datetime):
        return to_micros(value)
    assert isinstance(value, int), value
    return value


def _local_days(hours: Iterable[int], tz: ZoneInfo) -> set[date]:
    """The local days these UTC hours overlap."""
    return {
        local_day(instant, tz) for hour in hours for instant in (hour * HOUR, (hour + 1) * HOUR - 1)
    }
