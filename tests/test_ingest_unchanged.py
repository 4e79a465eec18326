"""A file with the same bytes as its last import is recognised and not read again (the same folder
twice: tests/test_ingest.py); anything else about it (one changed byte, rejected rows, another
file of that name imported since) makes it imported in full."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import tables
from tests.test_ingest import folder, imported, rows

UNCHANGED = "unchanged since its last import"


def summaries(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    return summaries_of(capsys.readouterr().err)


def summaries_of(err: str) -> dict[str, str]:
    """{file name: its summary line}"""
    return {line.split(":")[0]: line for line in err.splitlines() if " imported (" in line}


async def test_a_changed_byte_imports_the_file_and_what_derives_from_it(
    engine: AsyncEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = folder(tmp_path)
    assert await imported(engine, directory)
    capsys.readouterr()
    path = directory / "conversations.csv"
    path.write_text(path.read_text().replace(",email,closed,billing,", ",email,closed,refunds,"))

    assert await imported(engine, directory)

    said = summaries(capsys)
    assert said["conversations.csv"].startswith(
        "conversations.csv: 3 rows imported (1 new or changed), 0 rejected, "
    )
    assert UNCHANGED not in said["conversations.csv"]
    assert UNCHANGED in said["ratings.csv"]  # its file is the same; its rows were re-derived
    themes = await rows(engine, tables.ratings, "theme")
    assert themes[("acme", "r1")] == ("refunds",)


async def test_a_file_with_rejected_rows_is_read_again(
    engine: AsyncEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = folder(tmp_path)
    path = directory / "ratings.csv"
    path.write_text(path.read_text() + "acme,r9,csat,9,,2026-03-05T10:00:00Z,,,,,,,\n")
    assert await imported(engine, directory, skip_invalid=True)
    first = capsys.readouterr().err

    assert await imported(engine, directory, skip_invalid=True)

    again = capsys.readouterr().err
    problem = "ratings.csv:7: score: 9 is outside the csat scale 1–5"
    assert problem in first and problem in again
    assert "ratings.csv: 4 rows imported (0 new or changed), 1 rejected" in again
    assert UNCHANGED not in summaries_of(again)["ratings.csv"]


async def test_another_file_of_the_same_name_in_between_is_undone_by_a_full_import(
    engine: AsyncEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = folder(tmp_path)
    assert await imported(engine, first)
    scores = await rows(engine, tables.ratings, "score")
    other = tmp_path / "other"
    other.mkdir()
    ratings = (first / "ratings.csv").read_text()
    (other / "ratings.csv").write_text(ratings.replace("acme,r2,nps,9,", "acme,r2,nps,3,"))
    assert await imported(engine, other)
    assert (await rows(engine, tables.ratings, "score"))[("acme", "r2")] == (3,)
    capsys.readouterr()

    assert await imported(engine, first)

    said = summaries(capsys)
    assert said["ratings.csv"].startswith("ratings.csv: 4 rows imported (1 new or changed)")
    assert await rows(engine, tables.ratings, "score") == scores
