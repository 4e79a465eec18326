"""A re-import skips the rows whose cells are those they were last imported from
(server.ingest.row_hashes): it stores what a full import stores, reports problems as a full
import reports them, and rows imported without a digest are read in full once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import delete, event, update
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import tables
from server.ingest import bulk, produce
from tests.test_ingest import dump, folder, imported, rows
from tests.test_ingest_unchanged import summaries

IMPORTED = [t for t in tables.metadata.sorted_tables if t.name not in {"alembic_version"}]


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of two rows: skipped and read rows mix within a chunk and across chunks."""
    monkeypatch.setattr(produce, "CHUNK_ROWS", 2)


async def set_comment(engine: AsyncEngine, rating: str, comment: str | None) -> None:
    """Change a stored rating of acme behind the importer's back: a row that is read again
    (validated, compared) is put right; a skipped one keeps it, which is how a test sees that
    a row was skipped."""
    async with engine.begin() as connection:
        await connection.execute(
            update(tables.ratings)
            .where(tables.ratings.c.account_id == "acme", tables.ratings.c.id == rating)
            .values(comment=comment)
        )


async def import_afresh(engine: AsyncEngine, directory: Path) -> None:
    async with engine.begin() as connection:
        for table in reversed(IMPORTED):
            if table.name != "api_tokens":
                await connection.execute(delete(table))
    assert await imported(engine, directory)


async def test_only_changed_rows_are_read_and_the_tables_are_those_of_a_full_import(
    engine: AsyncEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = folder(tmp_path)
    assert await imported(engine, directory)
    path = directory / "ratings.csv"
    path.write_text(path.read_text().replace("acme,r2,nps,9,", "acme,r2,nps,3,"))
    await set_comment(engine, "r2", "tampered")  # changed in the file: read and written
    await set_comment(engine, "r3", "tampered")  # the same in the file: skipped
    capsys.readouterr()

    assert await imported(engine, directory)

    said = summaries(capsys)["ratings.csv"]
    assert said.startswith("ratings.csv: 4 rows imported (1 new or changed), 0 rejected")
    stored = await rows(engine, tables.ratings, "score", "comment")
    assert stored[("acme", "r2")] == (3, None)
    assert stored[("acme", "r3")] == (3, "tampered")
    await set_comment(engine, "r3", None)
    reimported = await dump(engine)
    await import_afresh(engine, directory)
    assert await dump(engine) == reimported


async def test_a_changed_conversation_still_flows_to_its_skipped_ratings(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    directory = folder(tmp_path)
    assert await imported(engine, directory)
    path = directory / "conversations.csv"
    path.write_text(path.read_text().replace(",email,closed,billing,", ",email,closed,refunds,"))
    ratings = directory / "ratings.csv"
    ratings.write_text(ratings.read_text() + "acme,r4,csat,4,,2026-03-06T10:00:00Z,c1,,,,,,\n")

    assert await imported(engine, directory)

    themes = await rows(engine, tables.ratings, "theme")
    assert themes[("acme", "r1")] == ("refunds",)  # skipped, re-derived by the cascade
    assert themes[("acme", "r4")] == ("refunds",)  # new
    reimported = await dump(engine)
    await import_afresh(engine, directory)
    assert await dump(engine) == reimported


@pytest.mark.parametrize(
    ("appended", "problem"),
    [
        # The same line twice: the second one is unchanged since the last import, yet reported.
        ("acme,r2,nps,9,,2026-03-03T10:00:00Z,c2,ann,carl,web,,,\n", "ratings.csv:7: id: id 'r2' is also on line 4"),
        # A changed row under the key of an unchanged one.
        ("acme,r3,csat,1,,2026-03-05T10:00:00Z,,,,,,us,\n", "ratings.csv:7: id: id 'r3' is also on line 5"),
        # The same line twice, a new row between them: two runs of unchanged rows.
        ("acme,r9,csat,4,,2026-03-06T10:00:00Z,,,,,,us,\nacme,r2,nps,9,,2026-03-03T10:00:00Z,c2,ann,carl,web,,,\n", "ratings.csv:8: id: id 'r2' is also on line 4"),
    ],
)  # fmt: skip
async def test_a_duplicate_of_an_unchanged_row_is_reported_as_a_full_import_reports_it(
    engine: AsyncEngine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    appended: str,
    problem: str,
) -> None:
    directory = folder(tmp_path)
    assert await imported(engine, directory)
    path = directory / "ratings.csv"
    path.write_text(path.read_text() + appended)
    capsys.readouterr()

    assert not await imported(engine, directory)

    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if re.match(r"ratings\.csv:\d", line)] == [problem]


async def test_an_unchanged_row_after_a_changed_one_with_its_key_is_reported(
    engine: AsyncEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first of two rows with one key is changed, the second is the stored one: the
    second is the duplicate, as in a full import, although its digest matches."""
    directory = folder(tmp_path)
    assert await imported(engine, directory)
    path = directory / "ratings.csv"
    lines = path.read_text().splitlines(keepends=True)
    changed_r2 = "acme,r2,nps,7,,2026-03-03T10:00:00Z,c2,ann,carl,web,,,\n"
    path.write_text(lines[0] + changed_r2 + "".join(lines[1:]))
    capsys.readouterr()

    assert await imported(engine, directory, skip_invalid=True)

    err = capsys.readouterr().err
    assert "ratings.csv:5: id: id 'r2' is also on line 2" in err
    assert (await rows(engine, tables.ratings, "score"))[("acme", "r2")] == (7,)


async def test_rows_imported_without_a_digest_are_read_once(
    engine: AsyncEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = folder(tmp_path)
    assert await imported(engine, directory)
    async with engine.begin() as connection:  # as rows imported before migration 0007
        await connection.execute(update(tables.ratings).values(source_hash=None))
        await connection.execute(delete(tables.imported_files))
    await set_comment(engine, "r3", "tampered")
    capsys.readouterr()

    assert await imported(engine, directory)
    assert summaries(capsys)["ratings.csv"].startswith(
        "ratings.csv: 4 rows imported (4 new or changed)"
    )
    assert (await rows(engine, tables.ratings, "comment"))[("acme", "r3")] == (None,)

    async with engine.begin() as connection:
        await connection.execute(delete(tables.imported_files))
    assert await imported(engine, directory)
    assert summaries(capsys)["ratings.csv"].startswith(
        "ratings.csv: 4 rows imported (0 new or changed)"
    )


async def test_rows_whose_only_change_is_their_digest_cascade_nothing(
    engine: AsyncEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After an importer change every digest differs: the rows are written again with their new
    digests, but their values are the same, so nothing derived from them is recomputed (on the
    peer data, recomputing everything for 330k conversations took over ten minutes)."""
    directory = folder(tmp_path)
    assert await imported(engine, directory)
    async with engine.begin() as connection:
        await connection.execute(update(tables.conversations).values(source_hash=0))
        await connection.execute(delete(tables.imported_files))
        # A derived value the cascade of a changed conversation would put right.
        await connection.execute(
            update(tables.ratings)
            .where(tables.ratings.c.account_id == "acme", tables.ratings.c.id == "r1")
            .values(theme="stale")
        )
    capsys.readouterr()

    assert await imported(engine, directory)

    assert summaries(capsys)["conversations.csv"].startswith(
        "conversations.csv: 3 rows imported (3 new or changed)"
    )
    assert (await rows(engine, tables.ratings, "theme"))[("acme", "r1")] == ("stale",)
    digests = await rows(engine, tables.conversations, "source_hash")
    assert 0 not in {digest for (digest,) in digests.values()}


async def test_a_change_no_rollup_counts_by_leaves_the_rollups_alone(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    """A rating's new comment (or a theme taken from its conversation) moves it to no other
    rollup row, so the rollups are not counted again: a re-import that changes 1% of ratings
    spread over a year would otherwise recount the year."""
    directory = folder(tmp_path)
    assert await imported(engine, directory)
    path = directory / "ratings.csv"
    path.write_text(path.read_text().replace("acme,r2,nps,9,,", "acme,r2,nps,9,Slow,"))
    async with engine.begin() as connection:  # a count a recount would put right
        await connection.execute(update(tables.rating_days).values(n=tables.rating_days.c.n + 100))
    counts = await rows(engine, tables.rating_days, "n")

    assert await imported(engine, directory)

    assert (await rows(engine, tables.ratings, "comment"))[("acme", "r2")] == ("Slow",)
    assert await rows(engine, tables.rating_days, "n") == counts


async def test_changed_rows_of_many_chunks_are_written_together(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    """Chunks of two rows, two changed ratings in different chunks: one upsert for both, not
    one per chunk (server.ingest.load gathers the rows to write); and no ANALYZE for so few."""
    directory = folder(tmp_path)
    assert await imported(engine, directory)
    path = directory / "ratings.csv"  # r1 and r2, then r3 and beta's r1
    text = path.read_text().replace("acme,r1,csat,5,", "acme,r1,csat,4,")
    path.write_text(text.replace("beta,r1,ces,6,", "beta,r1,ces,5,"))
    run: list[str] = []  # every statement sent to the database, driver-level ones included

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        run.append(statement.lstrip())

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    assert await imported(engine, directory)
    event.remove(engine.sync_engine, "before_cursor_execute", record)

    assert len([s for s in run if s.startswith("INSERT INTO ratings ")]) == 1
    assert not [s for s in run if s.upper().startswith("ANALYZE")]
    scores = await rows(engine, tables.ratings, "score")
    assert scores[("acme", "r1")] == (4,) and scores[("beta", "r1")] == (5,)


@pytest.mark.parametrize(
    ("changed", "rows", "analysed"),
    [
        (10_000, 100_000, True),
        (9_999, 10_000, False),
        (10_000, 100_001, False),
        (50_000, 50_000, True),
    ],
)
def test_statistics_are_refreshed_after_a_large_change_only(
    changed: int, rows: int, analysed: bool
) -> None:
    assert bulk.worth_analysing(changed, rows) is analysed
