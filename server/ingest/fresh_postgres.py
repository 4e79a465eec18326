"""PostgreSQL: loading a table that is empty when its file starts.

Nothing stored can differ from the file's rows, so they are only COPied into a staging table
while the file is read, and written by one INSERT … SELECT at its end. Around that INSERT the
table's indexes (its primary key too, unless another table's foreign key references it) and its
foreign keys are dropped and then built again: one sorted index build and one set-based key check
instead of an index insertion and a key lookup per row (on the peer data's 1.63M messages, 3.4 s
for the INSERT, 1.9 s for the two index builds and 0.4 s for the key, where the same INSERT with
them all in place took 14.2 s; a COPY of them took 7.6 s with the primary key in place, 3.3 s
and 2.2 s to build it afterwards).

All of it happens in the file's transaction, so a failed or killed file leaves the table, its
indexes and its keys as they were. The drops take an exclusive lock on the table, and on the
tables its keys reference, until the file commits; they are taken only after the last row was
read, and after the next file's reading has loaded the rows it needs of those tables
(server.ingest.prefetch).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter

from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db import tables
from server.ingest.bulk import indexes_set_aside, is_empty, leave_room
from server.ingest.columnar import Loaded
from server.ingest.files import Record
from server.ingest.replies import with_response_seconds
from server.ingest.write_common import Change
from server.ingest.write_postgres import copy_csv, copy_rows, insert_from

_FOREIGN_KEYS = text("""
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = (quote_ident(current_schema()) || '.' || quote_ident(:name))::regclass
  AND contype = 'f'
ORDER BY conname
""")


# From this many staged rows on, the indexes and keys are set aside around the INSERT; below,
# their drops and rebuilds (about 10 ms each) cost more than the rows' index insertions.
REBUILD_ROWS = 10_000

# Tables whose rows are all updated by the first load of another table (conversations: their
# reply statistics, by the messages'); loaded while that one is empty, they leave room on their
# pages for it (bulk.leave_room: peer data, the reply statistics took 2.3 s where the UPDATE and
# the index builds after it took 12 s).
_UPDATED_BY = {"conversations": "messages"}

# Derived columns computed from all the staged rows as they are inserted, by table: a message's
# response time depends on the other messages of its conversation, which are all staged (the
# table was empty), so the UPDATE that would otherwise time them after the INSERT is saved.
_COMPUTED: dict[str, tuple[str, Callable[[str, Iterable[str]], str]]] = {
    "messages": ("response_seconds", with_response_seconds),
}


class FreshTable:
    """The rows of a file for an empty table: staged as they come, written by `finish`."""

    def __init__(self, table: Table) -> None:
        self._table = table
        self.fresh_table: str | None = table.name
        self._computed = _COMPUTED.get(table.name)
        self.computed = frozenset({self._computed[0]} if self._computed else ())
        self._staging = f"ingest_fresh_{table.name}"
        self._names: tuple[str, ...] | None = None
        self._loaded: Loaded | None = None
        self._staged = 0

    async def write(self, connection: AsyncConnection, rows: Sequence[Record]) -> list[Change]:
        """Stage the rows; all of them are changes (new)."""
        if self._names is None:
            await connection.exec_driver_sql(
                f'CREATE TEMPORARY TABLE "{self._staging}" ON COMMIT DROP '
                f'AS SELECT * FROM "{self._table.name}" WITH NO DATA'
            )
            self._names = tuple(rows[0])
        names = self._names
        assert set(rows[0]) == set(names), "every row of a file has the same columns"
        await copy_rows(connection, self._staging, names, map(itemgetter(*names), rows))
        self._staged += len(rows)
        return [(None, row) for row in rows]

    async def write_loaded(self, connection: AsyncConnection, loaded: Loaded) -> None:
        """Note the rows a worker left in a CSV file (server.ingest.columnar), every column
        given: `finish` COPies them straight into the table (the peer data's messages: no
        5.2 s INSERT from a staging table)."""
        assert self._names is None and self._loaded is None, "a first load is loaded whole"
        self._loaded = loaded
        self._staged += loaded.rows

    @property
    def locks_on_finish(self) -> frozenset[str]:
        """The tables the drops of foreign keys lock."""
        if not self._sets_aside:
            return frozenset()
        return frozenset(key.column.table.name for key in self._table.foreign_keys)

    @property
    def _sets_aside(self) -> bool:
        """Whether `finish` sets the indexes and keys aside around its INSERT."""
        return self._staged >= REBUILD_ROWS

    async def finish(self, connection: AsyncConnection) -> None:
        """Write the staged rows into the table, its indexes and keys set aside meanwhile."""
        if self._names is None and self._loaded is None:
            return
        if not self._sets_aside:
            await self._write_all(connection)
            return
        name = self._table.name
        keys = (await connection.execute(_FOREIGN_KEYS, {"name": name})).all()
        for key, _ in keys:
            await connection.exec_driver_sql(f'ALTER TABLE "{name}" DROP CONSTRAINT "{key}"')
        updater = _UPDATED_BY.get(name)
        if updater is not None and await is_empty(connection, tables.metadata.tables[updater]):
            await leave_room(connection, name)
        async with indexes_set_aside(connection, name):
            await self._write_all(connection)
        for key, definition in keys:
            await connection.exec_driver_sql(
                f'ALTER TABLE "{name}" ADD CONSTRAINT "{key}" {definition}'
            )

    async def _write_all(self, connection: AsyncConnection) -> None:
        if self._loaded is not None:
            columns, path = self._loaded.columns, self._loaded.path
            await copy_csv(connection, self._table.name, columns, path)
        else:
            await connection.exec_driver_sql(self._insert())

    def _insert(self) -> str:
        assert self._names is not None
        if self._computed is None:
            return insert_from(self._table, self._names, f'"{self._staging}"')
        column, select = self._computed
        staged = select(f'"{self._staging}"', self._names)
        source = f"({staged}) AS staged"
        return insert_from(self._table, (*self._names, column), source)
