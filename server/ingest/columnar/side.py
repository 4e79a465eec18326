"""The importing process's end of a first load read column by column: the file a worker leaves
the rows in, and (SQLite) that file attached to the connection that copies them."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncConnection

# The table holding the rows in the SQLite file, and the schema name it is attached as.
SIDE_TABLE = "loaded_rows"
SIDE_SCHEMA = "ingest_side"


def new_target(dialect: str) -> Path:
    """An empty file for a worker to leave a file's rows in; `discard` it once imported."""
    descriptor, name = tempfile.mkstemp(
        prefix="rapport-import-", suffix=".db" if dialect == "sqlite" else ".csv"
    )
    os.close(descriptor)
    return Path(name)


def discard(target: Path | None) -> None:
    if target is not None:
        target.unlink(missing_ok=True)


async def attach(connection: AsyncConnection, target: Path | None) -> None:
    """SQLite: the target attached as SIDE_SCHEMA. Call before the transaction's first write
    (SQLite refuses to attach within a transaction; the sqlite3 module begins it at the first
    INSERT, UPDATE or DELETE). The worker may write the file later, as long as it is before
    the rows are copied from it."""
    if target is not None and connection.dialect.name == "sqlite":
        await connection.exec_driver_sql(f"ATTACH DATABASE ? AS {SIDE_SCHEMA}", (str(target),))


async def detach(connection: AsyncConnection, target: Path | None) -> None:
    """Undo `attach`, once the transaction is over."""
    if target is None or connection.dialect.name != "sqlite":
        return
    try:
        await connection.exec_driver_sql(f"DETACH DATABASE {SIDE_SCHEMA}")
        await connection.commit()
    except Exception:  # still attached (its transaction failed half way): not to be reused
        await connection.invalidate()
