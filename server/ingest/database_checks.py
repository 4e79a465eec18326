"""A chunk's rows checked against the database: what they refer to exists in their account, and
no other stored row of the account holds their unique values. One batched query per referenced
table and unique column (server.ingest.lookups), for a chunk of rows at once."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from server.ingest.files import CsvFile, Field, Record
from server.ingest.lookups import Key, Lookups
from server.ingest.validate import Row

# How a reference names the thing that does not exist.
_SINGULAR = {
    "accounts": "account",
    "inboxes": "inbox",
    "users": "user",
    "teams": "team",
    "customers": "customer",
    "conversations": "conversation",
}


class DatabaseChecks:
    """The database checks of one file's rows."""

    def __init__(self, spec: CsvFile) -> None:
        self.spec = spec
        self._references = [(f.name, f.target, f.references) for f in spec.fields if f.references]
        self._unique = [f for f in spec.fields if f.unique]

    async def check(self, connection: AsyncConnection, lookups: Lookups, rows: list[Row]) -> None:
        """Add to each row the problems the database finds with it."""
        records = [row.record for row in rows]
        for name, target, entity in self._references:
            absent = await _absent(connection, lookups, records, target, entity)
            if absent:  # rare: only then look for the rows that point at them
                for row in rows:
                    key = _reference(row.record, target, entity)
                    if key in absent:
                        row.problems.append((name, _missing(entity, key)))
        for unique in self._unique:
            await self._check_unique(connection, lookups, rows, unique)

    async def agree(
        self, connection: AsyncConnection, lookups: Lookups, records: list[Record]
    ) -> bool:
        """Whether `check` would find nothing wrong with these records: every reference
        exists, and no other row of the database holds their unique values."""
        for _, target, entity in self._references:
            if await _absent(connection, lookups, records, target, entity):
                return False
        for unique in self._unique:
            holders = lookups.holders(self.spec.table.name, unique.target)
            claims = {
                (record["account_id"], value): record["id"]
                for record in records
                if (value := record.get(unique.target)) is not None
            }
            await holders.load(connection, set(claims))
            for claim, id_ in claims.items():
                holder = holders.get(claim)
                if holder is not None and holder.id != id_:
                    return False
        return True

    async def _check_unique(
        self, connection: AsyncConnection, lookups: Lookups, rows: list[Row], unique: Field
    ) -> None:
        """A value held in the database by another row of the account is taken.

        Checked against the database as it stands, so renumbering two stored conversations into
        each other's numbers takes two imports; that keeps every write within the constraint.
        """
        table, column = self.spec.table, unique.target
        keyed = [
            r
            for r in rows
            if None not in (r.record.get(column), r.record.get("account_id"), r.record.get("id"))
        ]
        holders = lookups.holders(table.name, column)
        await holders.load(connection, {(r.record["account_id"], r.record[column]) for r in keyed})
        for row in keyed:
            holder = holders.get((row.record["account_id"], row.record[column]))
            if holder is not None and holder.id != row.record["id"]:
                row.problems.append(
                    (
                        unique.name,
                        f"{row.record[column]} is already used by "
                        f"{_SINGULAR[table.name]} {holder.id!r}",
                    )
                )


async def _absent(
    connection: AsyncConnection,
    lookups: Lookups,
    records: Sequence[Record],
    target: str,
    entity: str,
) -> set[Key]:
    """The keys the records refer to in column `target` that `entity` does not hold."""
    keys: set[Key]
    if entity == "accounts":
        keys = {(v,) for record in records if (v := record.get(target)) is not None}
    else:
        keys = {
            (a, v)
            for record in records
            if (v := record.get(target)) is not None and (a := record.get("account_id")) is not None
        }
    return await lookups[entity].load(connection, keys)


def _reference(record: Record, target: str, entity: str) -> Key | None:
    """The key a record refers to in column `target` (None: it refers to nothing)."""
    value = record.get(target)
    if value is None:
        return None
    if entity == "accounts":
        return (value,)
    account = record.get("account_id")
    return None if account is None else (account, value)


def _missing(entity: str, key: Key) -> str:
    if entity == "accounts":
        return f"account {key[0]!r} does not exist"
    return f"{_SINGULAR[entity]} {key[1]!r} does not exist in account {key[0]!r}"
