"""A temporary table of (account_id, id) keys, so set-based SQL can join the rows an import
touched instead of Python sending them back and forth in chunks."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncConnection

Key = tuple[str, str]

# Rows per executemany on SQLite.
_INSERT_CHUNK = 50_000


async def key_table(connection: AsyncConnection, name: str, keys: Iterable[Key]) -> str:
    """Create (or empty) the temporary table `name(account_id, id)` in this transaction and fill
    it with the keys; returns its name. It lasts until the transaction ends (PostgreSQL) or the
    connection reuses the name (SQLite)."""
    rows = list(set(keys))
    columns = "account_id TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (account_id, id)"
    await connection.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    if connection.dialect.name == "postgresql":
        await connection.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {name} ({columns}) ON COMMIT DROP"
        )
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.copy_records_to_table(name, records=rows, columns=["account_id", "id"])
        await connection.exec_driver_sql(f"ANALYZE {name}")
    else:
        await connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {name} ({columns})")
        for start in range(0, len(rows), _INSERT_CHUNK):
            await connection.exec_driver_sql(
                f"INSERT INTO {name} VALUES (?, ?)", rows[start : start + _INSERT_CHUNK]
            )
    return name
