"""Many ratings written in one statement, for tests of heavy reports (deadline, concurrency)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from server.ingest.rollups import rebuild_account

MARCH_START = 1_772_323_200_000_000  # 2026-03-01T00:00:00Z in microseconds
MARCH_MICROS = 31 * 86_400 * 1_000_000

_SELECT = (
    "SELECT 'acme', 'h' || n, 'csat', 1 + n % 5, {start} + (n * 7919) % {span}, "
    "'u' || (n % 1000), 'Other', 'Other', 'chat' FROM numbers"
)
_COLUMNS = "account_id, id, survey, score, created_at, user_id, browser, os, channel"


async def write_ratings(engine: AsyncEngine, count: int) -> None:
    """`count` csat ratings of account acme in March 2026, over 1,000 users."""
    select = _SELECT.format(start=MARCH_START, span=MARCH_MICROS)
    if engine.dialect.name == "postgresql":
        numbers = f"WITH numbers AS (SELECT generate_series(1, {count})::bigint AS n) "
    else:
        numbers = (
            "WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbers "
            f"WHERE n < {count}) "
        )
    async with engine.begin() as connection:
        await connection.execute(text(f"INSERT INTO ratings ({_COLUMNS}) {numbers}{select}"))
        await rebuild_account(connection, "acme")  # as an import would count them
