"""NULLs and booleans bound as numbers on SQLite (server.ingest.sqlite_params) store exactly what
binding them as they are stores: the check is sqlite3's own binding, not Rapport's."""

from __future__ import annotations

import random
import shutil
import sqlite3
from pathlib import Path

from sqlalchemy import Boolean, Float
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import tables
from server.db.engine import create_engine
from server.ingest import import_directory
from server.ingest.sqlite_params import bindable, mapped_last, row_params
from tests.test_ingest_derived import first_data

VALUES = (None, True, False, 1, 0, -1, 1.5, -0.5, "", "x", "0", "1", "nan", 2**62)
# Every affinity a column can have, and none.
DECLARED = ("TEXT", "VARCHAR(2)", "INTEGER", "BIGINT", "BOOLEAN", "FLOAT", "NUMERIC", "")
NUMERIC = ("INTEGER", "BIGINT", "BOOLEAN", "FLOAT", "NUMERIC")


def stored(declared: tuple[str, ...], rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(":memory:")
    columns = ", ".join(f"c{i} {kind}" for i, kind in enumerate(declared))
    connection.execute(f"CREATE TABLE t ({columns})")
    marks = ", ".join("?" * len(declared))
    connection.executemany(f"INSERT INTO t VALUES ({marks})", rows)
    kinds = ", ".join(f"typeof(c{i}), c{i}" for i in range(len(declared)))
    return connection.execute(f"SELECT {kinds} FROM t ORDER BY rowid").fetchall()


def test_bound_values_are_stored_as_their_originals_would_be() -> None:
    rows = [(value,) * len(DECLARED) for value in VALUES]
    assert stored(DECLARED, [bindable(row) for row in rows]) == stored(DECLARED, rows)


def test_floats_equal_to_zero_or_one_are_stored_the_same_in_numeric_columns() -> None:
    """They compare equal to False and True, so they are bound as integers: the same value in
    any column with a numeric affinity, which is where Rapport's floats go."""
    rows = [(value,) * len(NUMERIC) for value in (0.0, 1.0, -0.0)]
    assert stored(NUMERIC, [bindable(row) for row in rows]) == stored(NUMERIC, rows)


def test_row_parameters_map_only_the_columns_that_may_hold_none_or_a_bool() -> None:
    plain, maybe = mapped_last(tables.messages, ["account_id", "id", "author_id", "is_bot_reply"])
    assert (plain, maybe) == (["account_id", "id"], ["author_id", "is_bot_reply"])
    params = row_params(plain, maybe, constants=(0,))
    row = {"id": "m1", "account_id": "a", "author_id": None, "is_bot_reply": True}
    nan, one, zero = params(row)[2:]
    assert nan != nan and (one, zero) == (1, 0)  # NaN is unequal to itself
    assert params(row)[:2] == ("a", "m1")


async def test_an_import_stores_nulls_not_nans(sqlite_template: Path, tmp_path: Path) -> None:
    """A real import on SQLite: no column but a float one holds a REAL, the nullable columns
    hold NULLs, every boolean column 0 or 1."""
    shutil.copy(sqlite_template, tmp_path / "rapport.db")
    engine = create_engine(f"sqlite:///{tmp_path / 'rapport.db'}")
    try:
        await check_stored_kinds(engine, tmp_path / "data")
    finally:
        await engine.dispose()


async def check_stored_kinds(engine: AsyncEngine, folder: Path) -> None:
    first_data(random.Random(1)).write(folder)
    assert await import_directory(engine, folder, progress=False)
    nulls = 0
    async with engine.connect() as connection:
        for table in (tables.messages, tables.ratings, tables.conversations):
            for column in table.columns:
                kinds = dict(
                    (
                        await connection.exec_driver_sql(
                            f'SELECT typeof("{column.name}"), count(*) FROM "{table.name}" '
                            "GROUP BY 1"
                        )
                    ).all()
                )
                if not isinstance(column.type, Float):
                    assert "real" not in kinds, (table.name, column.name, kinds)
                if isinstance(column.type, Boolean):
                    values = await connection.exec_driver_sql(
                        f'SELECT DISTINCT "{column.name}" FROM "{table.name}"'
                    )
                    assert {v for (v,) in values} <= {0, 1}
                nulls += kinds.get("null", 0)
    assert nulls > 0
