"""The importing process's end of a first load read column by column: the file a worker leaves
the rows in, and (SQLite) that file attached to the connection that copies them."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncConnection

from server.ingest.bulk import indexes_set_aside
from server.ingest.write_postgres import copy_csv

# The table holding the rows in the SQLite file, and the schema name it is attached as.
SIDE_TABLE = "loaded_rows"
SIDE_SCHEMA = "ingest_side"
# The table of the reply stats of a first load of messages, and its columns.
REPLY_STATS = "ingest_reply_stats"
REPLY_STATS_COLUMNS = ("account_id", "id", "first_response_at", "human_replies", "bot_replies")
# The table of the stage intervals of a first load of stage changes (its table's columns).
STAGE_INTERVALS = "stage_intervals"


def new_target(dialect: str) -> Path:
    """An empty file for a worker to leave a file's rows in; `discard` it once imported."""
    descriptor, name = tempfile.mkstemp(
        prefix="rapport-import-", suffix=".db" if dialect == "sqlite" else ".csv"
    )
    os.close(descriptor)
    return Path(name)


def beside(target: Path, name: str) -> Path:
    """PostgreSQL: where the derived table `name` of a first load is left, beside its rows."""
    return target.with_suffix(f".{name}.csv")


def discard(target: Path | None) -> None:
    if target is not None:
        target.unlink(missing_ok=True)
        for other in target.parent.glob(f"{target.stem}.*.csv"):
            other.unlink(missing_ok=True)


async def derived_table(
    connection: AsyncConnection, target: Path, name: str, like: str, columns: Sequence[str]
) -> str:
    """The derived table `name` a first load left beside its rows (reply stats, rollups), as
    a table of this transaction: on PostgreSQL, COPied into a temporary table with the types
    of those columns of table `like`."""
    if connection.dialect.name == "sqlite":
        return f"{SIDE_SCHEMA}.{name}"
    temporary = f"ingest_loaded_{name}"  # not to hide a table of the same name (a rollup's)
    await connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {temporary} ON COMMIT DROP AS "
        f"SELECT {', '.join(columns)} FROM {like} WITH NO DATA"
    )
    await copy_csv(connection, temporary, columns, beside(target, name))
    return temporary


async def copy_derived(
    connection: AsyncConnection, target: Path, name: str, columns: Sequence[str]
) -> None:
    """Add the rows of the derived table `name` a first load left beside its rows to the table
    of that name, which holds none of their keys (rollups, stage intervals): on PostgreSQL,
    COPied straight into it, its indexes built afterwards (peer data: the seven rollups took
    4.0 s with their indexes in place)."""
    if connection.dialect.name == "postgresql":
        async with indexes_set_aside(connection, name):
            await copy_csv(connection, name, columns, beside(target, name))
        return
    names = ", ".join(columns)
    await connection.exec_driver_sql(
        f"INSERT INTO {name} ({names}) SELECT {names} FROM {SIDE_SCHEMA}.{name}"
    )


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
