"""CSV framing and characters: an unclosed quote, bytes that are not UTF-8 and NUL characters
are each one message naming the exact line, and nothing of the file is written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import tables
from server.errors import UserError
from server.ingest import import_directory
from tests.test_ingest_cli import rapport

BASE = Path(__file__).parent / "data" / "ingest" / "base"
RATINGS_HEADER = "account_id,id,survey,score,comment,created_at,user_agent\n"


async def imported(engine: AsyncEngine, directory: Path, **options: bool) -> bool:
    return await import_directory(engine, directory, progress=False, **options)


async def stored_ratings(engine: AsyncEngine) -> list[tuple[object, ...]]:
    ratings = tables.ratings
    columns = [ratings.c.account_id, ratings.c.id, ratings.c.comment, ratings.c.user_agent]
    columns += [ratings.c.browser, ratings.c.score]
    async with engine.connect() as connection:
        result = await connection.execute(select(*columns).order_by(*columns[:2]))
        return [tuple(row) for row in result]


async def test_a_file_ending_inside_a_quote_writes_nothing(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    assert await imported(engine, BASE)
    before = await stored_ratings(engine)
    # A truncated export: r1's user agent is cut inside its quotes.
    (tmp_path / "ratings.csv").write_text(
        RATINGS_HEADER
        + "acme,r2,nps,3,changed,2026-03-03T10:00:00Z,\n"
        + 'acme,r1,csat,5,"Great,\nreally great",2026-03-02T13:00:00Z,"Mozilla/5.0 (iPhone',
        newline="",
    )

    with pytest.raises(UserError) as raised:
        await imported(engine, tmp_path)

    assert str(raised.value) == (
        "ratings.csv:3: unclosed quote: the file ends inside a quoted field that starts on this row"
    )
    assert await stored_ratings(engine) == before
    assert before[0][:3] == ("acme", "r1", "Great,\nreally great")


async def test_an_unclosed_quote_within_the_file_names_its_row(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    assert await imported(engine, BASE)
    before = await stored_ratings(engine)
    # Line 3 opens a quote it never closes; the next quote, on line 5, closes it mid-field.
    (tmp_path / "ratings.csv").write_text(
        RATINGS_HEADER
        + "acme,r2,nps,3,changed,2026-03-03T10:00:00Z,\n"
        + 'acme,r3,happiness,1,"oops,2026-03-05T10:00:00Z,\n'
        + "acme,r4,csat,4,,2026-03-05T10:00:00Z,\n"
        + 'acme,r5,csat,4,"fine",2026-03-05T10:00:00Z,\n',
        newline="",
    )

    with pytest.raises(UserError) as raised:
        await imported(engine, tmp_path)

    assert str(raised.value).startswith(
        "ratings.csv:3: a closing quote must be followed by a comma or the end of the line"
    )
    assert await stored_ratings(engine) == before


async def test_carriage_returns_alone_are_not_line_ends(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    shutil.copy(BASE / "accounts.csv", tmp_path)
    (tmp_path / "inboxes.csv").write_bytes(
        b'account_id,id,name\nacme,a,"quoted\rbreak"\nacme,b,B\racme,c,C\n'
    )

    with pytest.raises(UserError) as raised:
        await imported(engine, tmp_path)

    assert str(raised.value) == (
        "inboxes.csv:3: a carriage return outside quotes that does not end its line "
        "(end lines with \\n or \\r\\n)"
    )


def test_an_unclosed_quote_exits_one_without_a_traceback(database_url: str, tmp_path: Path) -> None:
    directory = tmp_path / "import"
    shutil.copytree(BASE, directory)
    with (directory / "customers.csv").open("a") as file:
        file.write('acme,cy,"Cy\n')

    result = rapport("import", str(directory), "--database", database_url)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.endswith(
        "rapport: customers.csv:6: unclosed quote: the file ends inside a quoted field that "
        "starts on this row\n"
    )


async def test_bytes_that_are_not_utf8_name_their_exact_line(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    shutil.copy(BASE / "accounts.csv", tmp_path)
    # Lines 2-3 are one quoted row; line 4 is Latin-1. Decoding must not run ahead of the count.
    (tmp_path / "customers.csv").write_bytes(
        b"account_id,id,name,email,country\n"
        b'acme,carl,"Carl\nthe second",,fi\n'
        b"acme,jose,Jos\xe9,,es\n" + b"acme,ann,Ann,,fr\n" * 5000
    )

    with pytest.raises(UserError) as raised:
        await imported(engine, tmp_path)

    assert str(raised.value) == (
        "customers.csv:4: not UTF-8 text (byte 0xe9 at position 14 of the line)"
    )
    async with engine.connect() as connection:
        assert (await connection.execute(select(tables.customers.c.id))).all() == []


async def test_a_nul_character_is_a_validation_problem(
    engine: AsyncEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await imported(engine, BASE)
    before = await stored_ratings(engine)
    capsys.readouterr()
    (tmp_path / "ratings.csv").write_text(
        RATINGS_HEADER
        + "acme,r2,nps,3,changed,2026-03-03T10:00:00Z,\n"
        + 'acme,r3,happiness,1,"two\nlines\x00",2026-03-05T10:00:00Z,Moz\x00illa\n'
        + "acme,r4,csat,4,,2026-03-05T10:00:00Z,\n",
        newline="",
    )

    assert not await imported(engine, tmp_path)

    err = capsys.readouterr().err.splitlines()
    assert err == [
        "ratings.csv:3: comment: contains a NUL character (\\x00), which cannot be stored",
        "ratings.csv:3: user_agent: contains a NUL character (\\x00), which cannot be stored",
        "ratings.csv: not imported: 1 row invalid of 3",
    ]
    assert await stored_ratings(engine) == before


async def test_skip_invalid_rejects_a_row_with_a_nul_and_writes_the_others(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    assert await imported(engine, BASE)
    (tmp_path / "ratings.csv").write_text(
        RATINGS_HEADER
        + "acme,r2,nps,3,changed,2026-03-03T10:00:00Z,\n"
        + "acme,r3,happiness,1,bad\x00,2026-03-05T10:00:00Z,\n",
        newline="",
    )

    assert await imported(engine, tmp_path, skip_invalid=True)

    stored = {row[1]: row for row in await stored_ratings(engine) if row[0] == "acme"}
    assert stored["r2"][2] == "changed" and stored["r2"][5] == 3
    assert stored["r3"][2] is None and stored["r3"][5] == 3
    rejects = (tmp_path / "rejects" / "ratings.csv").read_text()
    assert "comment: contains a NUL character" in rejects
