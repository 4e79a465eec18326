"""Equal instants in a thread are ordered by id, by code point, on every database.

Two human replies sent at the same second answer one customer message: the first in thread order
is timed, the other waits for nothing. Two stage changes at the same instant: the first is left at
once, the second lasts until the close. Which is first is decided by the ids, compared as Python
(and SQLite) compare strings, so `Mb` comes before `ma`. A PostgreSQL database whose collation
sorts by language (ICU's en-US: `ma` before `Mb`) must give the same answer as SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import tables
from server.db.engine import create_engine
from server.db.migrate import upgrade
from server.ingest import import_directory
from server.testing import postgres_database

FILES = {
    "accounts.csv": "id,name\nacme,Acme\n",
    "inboxes.csv": "account_id,id,name\nacme,support,Support\n",
    "users.csv": "account_id,id,name\nacme,u1,Ann\nacme,u2,Bob\n",
    "conversations.csv": (
        "account_id,id,number,inbox_id,channel,status,created_at,closed_at\n"
        "acme,c1,1,support,email,closed,2026-03-02T10:00:00Z,2026-03-02T12:00:00Z\n"
    ),
    "messages.csv": (
        "account_id,id,conversation_id,author_type,author_id,created_at\n"
        "acme,ma,c1,user,u2,2026-03-02T10:01:00Z\n"
        "acme,k1,c1,customer,,2026-03-02T10:00:00Z\n"
        "acme,Mb,c1,user,u1,2026-03-02T10:01:00Z\n"
    ),
    "stage_changes.csv": (
        "account_id,id,conversation_id,pipeline,stage,entered_at\n"
        "acme,sa,c1,sales,lost,2026-03-02T11:00:00Z\n"
        "acme,Sb,c1,sales,won,2026-03-02T11:00:00Z\n"
    ),
}


@pytest.fixture(params=["sqlite", "postgresql-icu"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'rapport.db'}"
        return
    base = request.getfixturevalue("rapport_postgres_url")
    if base is None:
        pytest.skip("no PostgreSQL")
    icu = "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
    with postgres_database(base, "rapport_icu", icu) as url:
        yield url


async def test_equal_instants_are_ordered_by_id_code_points(url: str, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    for name, text in FILES.items():
        (folder / name).write_text(text)
    engine = create_engine(url)
    try:
        await upgrade(engine)
        if engine.dialect.name == "postgresql":  # the collation this test is about
            async with engine.connect() as connection:
                ordered = await connection.exec_driver_sql(
                    "SELECT x FROM (VALUES ('Mb'), ('ma')) AS v(x) ORDER BY x"
                )
                assert [row[0] for row in ordered] == ["ma", "Mb"]
        # A first load (timed as the rows are inserted on PostgreSQL), then a re-import that
        # moves the customer's message a minute earlier (timed by the refresh of the thread).
        assert await import_directory(engine, folder, progress=False)
        assert await _timed(engine) == {"k1": None, "Mb": 60.0, "ma": None}
        messages = folder / "messages.csv"
        messages.write_text(messages.read_text().replace("10:00:00Z", "09:59:00Z"))
        assert await import_directory(engine, folder, progress=False)
        assert await _timed(engine) == {"k1": None, "Mb": 120.0, "ma": None}
        async with engine.connect() as connection:
            intervals = tables.stage_intervals
            stages = await connection.execute(select(intervals.c.stage, intervals.c.seconds))
            # Sb (won) is entered first and left at once, for sa (lost), which lasts until the
            # close an hour later.
            assert dict(stages.all()) == {"lost": 3600.0, "won": 0.0}
            replies = await connection.execute(select(tables.conversations.c.human_replies))
            assert replies.scalar_one() == 2
    finally:
        await engine.dispose()


async def _timed(engine: AsyncEngine) -> dict[str, float | None]:
    messages = tables.messages
    async with engine.connect() as connection:
        rows = await connection.execute(select(messages.c.id, messages.c.response_seconds))
        return {id_: seconds for id_, seconds in rows}
