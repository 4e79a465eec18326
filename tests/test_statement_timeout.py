"""The statement timeout stops a long statement on both databases, and only where it is asked."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from server.db.engine import create_engine
from server.schema.build import timed_out

# Counts to fifty million: seconds on either database.
SLOW = text(
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000000) "
    "SELECT count(*) FROM n"
)


async def test_a_statement_over_the_timeout_is_stopped(database_url: str) -> None:
    engine = create_engine(database_url, statement_timeout_seconds=0.2)
    try:
        async with engine.connect() as connection:
            with pytest.raises(DBAPIError) as stopped:
                await connection.execute(SLOW)
            assert timed_out(stopped.value)
        async with engine.connect() as connection:  # a quick statement is not stopped
            assert await connection.scalar(text("SELECT 1")) == 1
    finally:
        await engine.dispose()


async def test_without_a_timeout_statements_run_to_the_end(database_url: str) -> None:
    engine = create_engine(database_url)
    quick = text(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) "
        "SELECT count(*) FROM n"
    )
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(quick) == 1000
    finally:
        await engine.dispose()
