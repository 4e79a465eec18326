"""Rows that imported rows point at, loaded in batches for each chunk and kept for the next ones.

One lookup answers both "does this reference exist (in this account)?" and "what does the row
derive from it?" (a rating's channel from its conversation), so each chunk costs one query per
referenced table. A lookup must not outlive a write to its own table: callers make fresh ones.
"""

from __future__ import annotations

from collections import Counter, namedtuple
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db import tables
from server.ingest.bulk import row_count
from server.ingest.query import plain, select_by_keys

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
LOOKUP_COLUMNS: dict[str, tuple[str, ...]] = {
    "accounts": (),
    "inboxes": (),
    "teams": (),
    "users": ("is_bot",),
    "customers": ("country",),
    "conversations": CONVERSATION_COLUMNS,
}

# Bounds memory on huge imports; rows are simply loaded again when a later chunk needs them.
_CACHE_LIMIT = 500_000
# The share of an account's rows whose keys, once asked for, make loading all its rows cheaper
# than loading them by IN lists (a key in an IN list costs several times a row of a scan).
WHOLE_SHARE = 0.1


class Lookup:
    """Rows of one table by primary key, and the keys known to have none.

    Rows are kept as named tuples of the derivation columns: reading their attributes is
    several times cheaper than reading a SQLAlchemy Row's, and derivation reads millions.

    With `whole_accounts`, an account's rows are all loaded in one scan, when they fit in the
    cache, once the keys asked for in it reach a `WHOLE_SHARE` of them: a large file referring
    to most of a table then costs one scan instead of an IN list per chunk (the peer data's
    ratings asked for its 330k conversations 2,000 at a time), while a re-import that changed a
    few rows looks up only theirs (500 changed transactions loaded 330k conversations).
    """

    def __init__(
        self,
        table: Table,
        columns: Sequence[str],
        *,
        whole_accounts: bool,
        key: Sequence[str] = (),
    ) -> None:
        """Rows by `key` (the primary key by default), with the `columns` named."""
        self._table = table
        self._key_columns = [table.c[name] for name in key] or list(table.primary_key.columns)
        self._columns = self._key_columns + [table.c[name] for name in columns]
        self._width = len(self._key_columns)
        # mypy types only namedtuples whose fields are literals; these are known at run time.
        row_type = namedtuple(f"{table.name}_lookup", columns)  # type: ignore[misc]
        self._make: Callable[[Iterable[object]], tuple[object, ...]] = row_type._make
        self._rows: dict[Key, tuple[object, ...]] = {}
        self._absent: set[Key] = set()
        by_account = len(self._key_columns) == 2 and self._key_columns[0].name == "account_id"
        self._whole_accounts = whole_accounts and by_account
        self._loaded: set[object] = set()  # accounts whose rows are all in the cache
        self._too_large: set[object] = set()  # accounts loaded key by key
        self._sizes: dict[object, int] = {}  # account -> its row count
        self._asked: Counter[object] = Counter()  # account -> keys loaded by IN lists
        self._whole_table = False  # every row of the table is in the cache (`preload`)

    async def preload(self, connection: AsyncConnection) -> None:
        """Load every row of the table, when they fit in the cache: the lookup then answers
        without another query (until `trim` forgets them)."""
        size = await row_count(connection, self._table)
        if len(self._rows) + len(self._absent) + size <= _CACHE_LIMIT:
            self._keep(await connection.execute(select(*map(plain, self._columns))))
            self._whole_table = True

    async def load(self, connection: AsyncConnection, keys: set[Key]) -> set[Key]:
        """Load the rows of these keys that are not loaded yet; returns the keys without a row."""
        missing = keys.difference(self._rows, self._absent)
        if missing and self._whole_table:
            self._absent |= missing
            missing = set()
        if missing and self._whole_accounts:
            asked = Counter(key[0] for key in missing)
            for account in asked.keys() - self._loaded - self._too_large:
                self._asked[account] += asked[account]
                await self._load_account(connection, account)
            whole = {key for key in missing if key[0] in self._loaded}
            self._absent |= whole.difference(self._rows)
            missing -= whole
        if missing:
            rows = await select_by_keys(connection, self._columns, self._key_columns, missing)
            self._keep(rows)
            missing.difference_update(self._rows)
            self._absent |= missing
        return keys & self._absent

    async def _load_account(self, connection: AsyncConnection, account: object) -> None:
        """Load all the account's rows if enough of them were asked for and they fit."""
        in_account = self._table.c.account_id == account
        size = self._sizes.get(account)
        if size is None:
            count = await connection.scalar(select(func.count()).where(in_account))
            size = self._sizes[account] = count or 0
        if len(self._rows) + len(self._absent) + size > _CACHE_LIMIT:
            self._too_large.add(account)
        elif self._asked[account] >= WHOLE_SHARE * size:
            rows = await connection.execute(select(*map(plain, self._columns)).where(in_account))
            self._keep(rows)
            self._loaded.add(account)

    def _keep(self, rows: Iterable[Sequence[object]]) -> None:
        width, make = self._width, self._make
        for row in rows:
            self._rows[tuple(row[:width])] = make(row[width:])

    def get(self, key: Key) -> Any:
        """The row's named tuple, or None when it does not exist."""
        return self._rows.get(key)

    def trim(self) -> None:
        """Forget everything when the cache is large; call between chunks, never within one."""
        if len(self._rows) + len(self._absent) > _CACHE_LIMIT:
            self._rows.clear()
            self._absent.clear()
            self._whole_table = False
            self._too_large |= self._loaded  # not loaded whole again: it would not last
            self._loaded.clear()


class Lookups:
    """One lookup per referenced table, created on first use; `whole_accounts` as in Lookup."""

    def __init__(self, *, whole_accounts: bool = False) -> None:
        self._whole_accounts = whole_accounts
        self._lookups: dict[str, Lookup] = {}

    def __getitem__(self, entity: str) -> Lookup:
        lookup = self._lookups.get(entity)
        if lookup is None:
            table = tables.metadata.tables[entity]
            lookup = Lookup(table, LOOKUP_COLUMNS[entity], whole_accounts=self._whole_accounts)
            self._lookups[entity] = lookup
        return lookup

    def holders(self, entity: str, column: str) -> Lookup:
        """The `id` of the entity's row holding each value of a column unique per account,
        by (account, value)."""
        name = f"{entity}.{column}"
        lookup = self._lookups.get(name)
        if lookup is None:
            table = tables.metadata.tables[entity]
            lookup = Lookup(
                table, ("id",), whole_accounts=self._whole_accounts, key=("account_id", column)
            )
            self._lookups[name] = lookup
        return lookup

    async def preload(self, connection: AsyncConnection, entities: Iterable[str]) -> None:
        """Load every row of the entities' tables, those that fit in the cache."""
        for entity in sorted(entities):
            await self[entity].preload(connection)

    def trim(self) -> None:
        for lookup in self._lookups.values():
            lookup.trim()
