"""What makes a large load cheaper on each database, without changing what it writes.

- SQLite: temporary tables and sorts in memory for the importing connection, and a
  table that is empty when its file starts gets its secondary indexes built after its rows are
  in (one sorted build instead of millions of random inserts). The drop and the rebuild are in
  the file's transaction, so an interrupted import leaves the indexes as they were.
- PostgreSQL: a table that is empty when its file starts is loaded in bulk
  (server.ingest.fresh_postgres), its indexes set aside meanwhile (`indexes_set_aside`),
  as are the conversations' while a first load of messages writes their reply counts; loaded
  before any message, the conversations leave room on their pages for those counts
  (`leave_room`), which are then written in place.
- Both: statistics refreshed (ANALYZE) for the tables a file changed substantially
  (`worth_analysing`), inside its transaction, so the first reports after an import are planned
  for the data they read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager

from sqlalchemy import Table, func, literal, select, text
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncConnection

from server.metrics.rollups import ROLLUPS

# A file that changes at least this many rows, and this share of the rows it holds, has its
# statistics refreshed (the share is PostgreSQL autovacuum's default for ANALYZE): a re-import
# changing 1% of its rows leaves them as they are.
ANALYZE_ROWS = 10_000
ANALYZE_SHARE = 0.1
# The tables whose derived values a file's rows feed, besides its own.
DERIVED_TABLES: dict[str, tuple[str, ...]] = {
    "conversations": ("stage_intervals",),
    "messages": ("conversations",),
    "ratings": tuple(rollup.name for rollup in ROLLUPS),
    "stage_changes": ("stage_intervals",),
}
# Rows SQLite's ANALYZE reads per index: approximate statistics, in a fraction of a full scan.
_SQLITE_ANALYSIS_LIMIT = 2000


async def prepare(connection: AsyncConnection) -> None:
    """Set up the connection that writes a file (before its transaction starts)."""
    if connection.dialect.name == "sqlite":
        # Sorts and staging tables in memory (every connection has a 200 MB page cache already).
        await connection.exec_driver_sql("PRAGMA temp_store = MEMORY")
    await connection.commit()  # the pragmas' implicit transaction, if any


async def is_empty(connection: AsyncConnection, table: Table) -> bool:
    stored = await connection.execute(select(literal(1)).select_from(table).limit(1))
    return stored.first() is None


async def row_count(connection: AsyncConnection, table: Table) -> int:
    return await connection.scalar(select(func.count()).select_from(table)) or 0


# PostgreSQL memory for one import transaction's sorts and hashes (window functions over a
# file's messages, GROUP BYs over its conversations) and index builds; the defaults (4 MB,
# 64 MB) send them to disk. Set for the transaction only.
_POSTGRES_SETTINGS = {"work_mem": "256MB", "maintenance_work_mem": "512MB"}


async def tune(connection: AsyncConnection) -> None:
    """Set up the file's transaction (call first in it)."""
    if connection.dialect.name == "postgresql":
        for name, value in _POSTGRES_SETTINGS.items():
            await connection.exec_driver_sql(f"SET LOCAL {name} = '{value}'")


class DeferredIndexes:
    """SQLite: the secondary indexes of an empty table, dropped until its rows are written
    (PostgreSQL loads an empty table in bulk instead: server.ingest.fresh_postgres)."""

    def __init__(self) -> None:
        self._definitions: list[str] = []

    async def drop(self, connection: AsyncConnection, table: Table) -> None:
        assert connection.dialect.name == "sqlite"
        # sql is NULL for the indexes of primary keys and unique constraints: those stay.
        result: CursorResult[str, str] = await connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (table.name,),
        )
        definitions = result.all()
        if definitions:
            # The sqlite3 module opens its transaction before the first INSERT, UPDATE or DELETE
            # only: a DROP INDEX before any would commit at once, and outlive a rollback.
            await connection.exec_driver_sql(f'DELETE FROM "{table.name}" WHERE 0')
        for name, definition in definitions:
            await connection.exec_driver_sql(f'DROP INDEX "{name}"')
            self._definitions.append(definition)

    async def rebuild(self, connection: AsyncConnection) -> None:
        for definition in self._definitions:
            await connection.exec_driver_sql(definition)
        self._definitions.clear()


# PostgreSQL: a table's indexes that no foreign key relies on, with the definition that builds
# each again: a plain index's own, or its primary key or unique constraint's (no upsert runs while
# they are aside, and a key another table's foreign key references stays: it would have to go too).
_INDEXES_TO_SET_ASIDE = text("""
WITH i AS (
    SELECT indexname, indexdef,
           (quote_ident(schemaname) || '.' || quote_ident(indexname))::regclass AS index
    FROM pg_indexes WHERE schemaname = current_schema() AND tablename = :name
)
SELECT i.indexname, c.conname, coalesce(pg_get_constraintdef(c.oid), i.indexdef)
FROM i LEFT JOIN pg_constraint AS c ON c.conindid = i.index AND c.contype <> 'f'
WHERE (c.oid IS NULL OR c.contype IN ('p', 'u'))
  AND NOT EXISTS (SELECT 1 FROM pg_constraint AS f WHERE f.contype = 'f' AND f.conindid = i.index)
  AND (CAST(:columns AS text[]) IS NULL OR EXISTS (
      SELECT 1 FROM pg_index AS x
      JOIN pg_attribute AS a ON a.attrelid = x.indrelid AND a.attnum = ANY(x.indkey)
      WHERE x.indexrelid = i.index AND a.attname = ANY(CAST(:columns AS text[]))
  ))
ORDER BY i.indexname
""")


@asynccontextmanager
async def indexes_set_aside(
    connection: AsyncConnection, name: str, columns: Collection[str] | None = None
) -> AsyncIterator[None]:
    """PostgreSQL: the table's indexes dropped, then built again (one sorted build each instead
    of an index entry per row written), primary key and unique constraints included unless a
    foreign key references them; with `columns`, only the indexes over any of them. In the
    transaction, which holds the table exclusively until it commits; what is written meanwhile
    must not rely on a key (no upsert), and must hold no duplicate key, or the rebuild fails
    the transaction."""
    assert connection.dialect.name == "postgresql"
    given = None if columns is None else sorted(columns)
    found = await connection.execute(_INDEXES_TO_SET_ASIDE, {"name": name, "columns": given})
    indexes = found.all()
    for index, constraint, _ in indexes:
        if constraint is None:
            await connection.exec_driver_sql(f'DROP INDEX "{index}"')
        else:
            await connection.exec_driver_sql(f'ALTER TABLE "{name}" DROP CONSTRAINT "{constraint}"')
    yield
    for _, constraint, definition in indexes:
        if constraint is None:
            await connection.exec_driver_sql(definition)
        else:
            await connection.exec_driver_sql(
                f'ALTER TABLE "{name}" ADD CONSTRAINT "{constraint}" {definition}'
            )


# PostgreSQL: the share of each page a table loaded with room for updates leaves free. Half: the
# update of every row then finds room on its page for the row's new version.
_ROOMY_FILLFACTOR = 50


async def leave_room(connection: AsyncConnection, name: str) -> None:
    """PostgreSQL: the rows the table takes from now on fill half of each page, so that an
    update of each can put its new version on the same page: a heap-only tuple (HOT), with no
    index entry to add where no index covers the columns it changes. Until `room_used`."""
    await connection.exec_driver_sql(f'ALTER TABLE "{name}" SET (fillfactor = {_ROOMY_FILLFACTOR})')


async def has_room(connection: AsyncConnection, name: str) -> bool:
    """PostgreSQL: whether the table was loaded after `leave_room`, and not updated since."""
    options = await connection.scalar(
        text("SELECT reloptions FROM pg_class WHERE oid = CAST(:name AS regclass)"),
        {"name": name},
    )
    return f"fillfactor={_ROOMY_FILLFACTOR}" in (options or [])


async def room_used(connection: AsyncConnection, name: str) -> None:
    """PostgreSQL: the table's rows fill its pages again (the default fillfactor)."""
    await connection.exec_driver_sql(f'ALTER TABLE "{name}" RESET (fillfactor)')


def worth_analysing(changed: int, rows: int) -> bool:
    """Whether a file that changed `changed` of its `rows` rows changed its tables' statistics."""
    return changed >= ANALYZE_ROWS and changed >= ANALYZE_SHARE * rows


async def analyze(connection: AsyncConnection, names: list[str]) -> None:
    """Refresh the statistics of these tables, within the current transaction."""
    if connection.dialect.name == "sqlite":
        await connection.exec_driver_sql(f"PRAGMA analysis_limit = {_SQLITE_ANALYSIS_LIMIT}")
    for name in names:
        await connection.exec_driver_sql(f'ANALYZE "{name}"')
