"""Rows that imported rows point at, loaded in batches for each chunk and kept for the next ones.

One lookup answers both "does this reference exist (in this account)?" and "what does the row
derive from it?" (a rating's channel from its conversation), so each chunk costs one query per
referenced table. A lookup must not outlive a write to its own table: callers make fresh ones.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db import tables
from server.ingest.query import select_by_keys

# Key values come from records and rows (strings, in every table here), hence object.
Key = tuple[object, ...]

# What derivations read from a conversation.
CONVERSATION_COLUMNS = (
    "inbox_id",
    "customer_id",
    "assignee_id",
    "country",
    "channel",
    "team_id",
    "theme",
    "pipeline",
)
# What derivations read from each referenced table, besides its key.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "accounts": (),
    "inboxes": (),
    "teams": (),
    "users": ("is_bot",),
    "customers": ("country",),
    "conversations": CONVERSATION_COLUMNS,
}

# Bounds memory on huge imports; rows are simply loaded again when a later chunk needs them.
_CACHE_LIMIT = 500_000


class Lookup:
    """Rows of one table by primary key, and the keys known to have none.

    Rows are kept as named tuples of the derivation columns: reading their attributes is
    several times cheaper than reading a SQLAlchemy Row's, and derivation reads millions.
    """

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        self._key_columns = list(table.primary_key.columns)
        self._columns = self._key_columns + [table.c[name] for name in columns]
        self._width = len(self._key_columns)
        # mypy types only namedtuples whose fields are literals; these are known at run time.
        row_type = namedtuple(f"{table.name}_lookup", columns)  # type: ignore[misc]
        self._make: Callable[[Iterable[object]], tuple[object, ...]] = row_type._make
        self._rows: dict[Key, tuple[object, ...]] = {}
        self._absent: set[Key] = set()

    async def load(self, connection: AsyncConnection, keys: set[Key]) -> set[Key]:
        """Load the rows of these keys that are not loaded yet; returns the keys without a row."""
        missing = keys.difference(self._rows, self._absent)
        if missing:
            rows = await select_by_keys(connection, self._columns, self._key_columns, missing)
            width, make = self._width, self._make
            for row in rows:
                key = tuple(row[:width])
                self._rows[key] = make(row[width:])
                missing.discard(key)
            self._absent |= missing
        return keys & self._absent

    def get(self, key: Key) -> Any:
        """The row's named tuple, or None when it does not exist."""
        return self._rows.get(key)

    def trim(self) -> None:
        """Forget everything when the cache is large; call between chunks, never within one."""
        if len(self._rows) + len(self._absent) > _CACHE_LIMIT:
            self._rows.clear()
            self._absent.clear()


class Lookups:
    """One lookup per referenced table, created on first use."""

    def __init__(self) -> None:
        self._lookups: dict[str, Lookup] = {}

    def __getitem__(self, entity: str) -> Lookup:
        lookup = self._lookups.get(entity)
        if lookup is None:
            lookup = Lookup(tables.metadata.tables[entity], _COLUMNS[entity])
            self._lookups[entity] = lookup
        return lookup

    def trim(self) -> None:
        for lookup in self._lookups.values():
            lookup.trim()
