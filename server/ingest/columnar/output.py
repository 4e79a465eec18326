"""Where a worker leaves a first load's rows for the importing process to copy into the table in
its transaction: on SQLite, a database file of its own, attached and copied from in one INSERT …
SELECT; on PostgreSQL, a CSV file COPied into the table's staging table. Either way the rows are
bound or formatted in the worker, in C, not one by one in the importer (binding the peer data's
ratings through the sqlite3 module's executemany took 5.8 s; ADBC's Arrow ingestion 1.4 s)."""

from __future__ import annotations

from pathlib import Path

import adbc_driver_sqlite.dbapi
import polars as pl

from server.ingest.columnar.side import SIDE_TABLE, beside


def write_rows(
    rows: pl.DataFrame, path: Path, dialect: str, others: dict[str, pl.DataFrame]
) -> None:
    """The rows at `path`, and the `others` (more derived tables, by name) beside them."""
    if dialect == "sqlite":
        _write_sqlite({SIDE_TABLE: rows, **others}, path)
    else:
        for frame, at in [(rows, path), *((o, beside(path, n)) for n, o in others.items())]:
            # An empty string is quoted, a NULL is not: COPY's CSV format tells them apart.
            frame.write_csv(at, include_header=False, null_value="", quote_style="necessary")


def _write_sqlite(frames: dict[str, pl.DataFrame], path: Path) -> None:
    with adbc_driver_sqlite.dbapi.connect(str(path), autocommit=True) as connection:
        cursor = connection.cursor()
        # The file is the importer's scratch: a crash leaves nothing it needs.
        cursor.execute("PRAGMA journal_mode = OFF")
        cursor.execute("PRAGMA synchronous = OFF")
        for name, frame in frames.items():
            # Arrow has no SQLite type for a column of nulls only (a column the file leaves out).
            typed = frame.with_columns(pl.col(pl.Null).cast(pl.String))
            cursor.adbc_ingest(name, typed, mode="replace")
        cursor.close()
