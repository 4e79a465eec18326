"""CSV import: what a valid folder writes, what it derives, and how changes flow (SPEC section 4).

Expected values are worked out by hand from tests/data/ingest/base (times are UTC).
"""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import tables
from server.errors import UserError
from server.ingest import import_directory, load
from tests.conftest import StatementCounter

BASE = Path(__file__).parent / "data" / "ingest" / "base"


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


def folder(tmp_path: Path, *names: str) -> Path:
    """A copy of the base folder, or of some of its files."""
    target = tmp_path / "import"
    target.mkdir(exist_ok=True)
    for path in BASE.iterdir():
        if not names or path.name in names:
            shutil.copy(path, target / path.name)
    return target


def write_csv(directory: Path, name: str, header: list[str], rows: list[list[str]]) -> None:
    with (directory / name).open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)


async def rows(engine: AsyncEngine, table: Table, *columns: str) -> dict[tuple, tuple]:
    """{primary key: (columns...)} of every row of a table."""
    keys = list(table.primary_key.columns)
    statement = select(*keys, *(table.c[c] for c in columns))
    async with engine.connect() as connection:
        result = await connection.execute(statement)
        return {tuple(r[: len(keys)]): tuple(r[len(keys) :]) for r in result}


async def dump(engine: AsyncEngine) -> dict[str, list[tuple]]:
    async with engine.connect() as connection:
        return {
            table.name: sorted(
                (tuple(r) for r in await connection.execute(select(table))), key=repr
            )
            for table in tables.metadata.sorted_tables
        }


async def imported(engine: AsyncEngine, directory: Path, **options: bool) -> bool:
    return await import_directory(engine, directory, progress=False, **options)


async def test_base_folder_is_imported_with_its_derived_values(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    assert await imported(engine, folder(tmp_path))

    assert await rows(engine, tables.accounts, "timezone") == {
        ("acme",): ("Europe/Helsinki",),
        ("beta",): ("UTC",),
    }
    assert await rows(engine, tables.users, "is_bot") == {
        ("acme", "ann"): (False,),
        ("acme", "bob"): (False,),
        ("acme", "robo"): (True,),
        ("beta", "zed"): (False,),
    }
    assert len(await rows(engine, tables.team_members)) == 2
    assert await rows(engine, tables.customers, "country") == {
        ("acme", "carl"): ("FI",),
        ("acme", "cleo"): ("SE",),
        ("acme", "nobody"): (None,),
        ("beta", "dora"): ("DE",),
    }
    assert await rows(
        engine,
        tables.conversations,
        "created_at",
        "country",
        "first_response_at",
        "human_replies",
        "bot_replies",
    ) == {
        ("acme", "c1"): (at(2, 8), "FI", at(2, 8, 10), 3, 2),
        ("acme", "c2"): (at(3, 7), "SE", None, 0, 0),
        ("beta", "c1"): (at(4, 10), "DE", at(4, 10, 0, 30), 1, 0),
    }


async def test_messages_are_classified_and_timed(engine: AsyncEngine, tmp_path: Path) -> None:
    assert await imported(engine, folder(tmp_path))

    # m3 is by a bot, m8 by a bot user; m5 is a note. m4 answers m1 (the first customer message
    # since no reply), m6 follows m4 with no customer message between, m9 (09:30 UTC) answers m7.
    assert await rows(
        engine, tables.messages, "is_human_reply", "is_bot_reply", "response_seconds"
    ) == {
        ("acme", "m1"): (False, False, None),
        ("acme", "m2"): (False, False, None),
        ("acme", "m3"): (False, True, None),
        ("acme", "m4"): (True, False, 600.0),
        ("acme", "m5"): (False, False, None),
        ("acme", "m6"): (True, False, None),
        ("acme", "m7"): (False, False, None),
        ("acme", "m8"): (False, True, None),
        ("acme", "m9"): (True, False, 1800.0),
        ("acme", "m10"): (False, False, None),
        ("beta", "m1"): (False, False, None),
        ("beta", "m2"): (True, False, 30.0),
    }
    dimensions = await rows(
        engine, tables.messages, "inbox_id", "customer_id", "country", "channel", "team_id"
    )
    assert dimensions[("acme", "m1")] == ("support", "carl", "FI", "email", "tier1")
    assert dimensions[("acme", "m10")] == ("sales", "cleo", "SE", "chat", None)


async def test_ratings_take_defaults_from_their_conversation(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    assert await imported(engine, folder(tmp_path))

    columns = ("user_id", "customer_id", "channel", "inbox_id", "country", "browser", "os")
    assert await rows(engine, tables.ratings, *columns) == {
        ("acme", "r1"): ("ann", "carl", "email", "support", "FI", "Chrome", "Windows"),
        # its own user, customer (whose country it takes) and channel; c2's inbox
        ("acme", "r2"): ("ann", "carl", "web", "sales", "FI", "Other", "Other"),
        ("acme", "r3"): (None, None, "external", None, "US", "Other", "Other"),
        ("beta", "r1"): ("zed", "dora", "phone", "main", "DE", "Other", "Other"),
    }
    extra = await rows(engine, tables.ratings, "comment", "team_id", "theme", "pipeline")
    assert extra[("acme", "r1")] == ("Great,\nreally great", "tier1", "billing", "sales")
    assert extra[("acme", "r2")] == (None, None, None, None)


async def test_transactions_are_exact_and_derived(engine: AsyncEngine, tmp_path: Path) -> None:
    assert await imported(engine, folder(tmp_path))

    columns = ("amount_scaled", "currency", "customer_id", "country", "inbox_id", "user_id")
    assert await rows(engine, tables.transactions, *columns) == {
        ("acme", "t1"): (1_299_000, "EUR", "carl", "FI", "support", "ann"),
        ("acme", "t2"): (-55_000, "USD", "cleo", "SE", None, None),
        ("beta", "t1"): (100_000, "EUR", "dora", "DE", "main", "zed"),
    }


async def test_stage_intervals_of_closed_conversations(engine: AsyncEngine, tmp_path: Path) -> None:
    assert await imported(engine, folder(tmp_path))

    # c1 closed at 12:00: new 08:00, qualified 09:00, new again 10:00, won 11:00.
    # new: first entered 08:00, last left 11:00; qualified: 09:00-10:00; won: 11:00-close.
    # c2 is open: no intervals.
    assert await rows(engine, tables.stage_intervals, "seconds", "closed_at", "user_id") == {
        ("acme", "c1", "sales", "new"): (10_800.0, at(2, 12), "ann"),
        ("acme", "c1", "sales", "qualified"): (3_600.0, at(2, 12), "ann"),
        ("acme", "c1", "sales", "won"): (3_600.0, at(2, 12), "ann"),
    }
    assert await rows(engine, tables.stage_changes, "inbox_id") == {
        ("acme", "s1"): ("support",),
        ("acme", "s2"): ("support",),
        ("acme", "s3"): ("support",),
        ("acme", "s4"): ("support",),
        ("acme", "s5"): ("sales",),
    }


async def test_importing_the_same_folder_twice_changes_nothing(
    engine: AsyncEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = folder(tmp_path)
    assert await imported(engine, directory)
    before = await dump(engine)
    capsys.readouterr()

    assert await imported(engine, directory)

    assert await dump(engine) == before
    err = capsys.readouterr().err
    assert "ratings.csv: 4 rows imported (0 new or changed), 0 rejected" in err
    # The same bytes as their last import: recognised, not read again.
    said = [line for line in err.splitlines() if " imported (" in line]
    assert len(said) == len(list(directory.glob("*.csv")))
    unchanged = "0 rejected, unchanged since its last import, "
    assert all(unchanged in line for line in said), said


async def test_a_changed_conversation_flows_to_what_derives_from_it(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    assert await imported(engine, folder(tmp_path))
    second = tmp_path / "second"
    second.mkdir()
    # c1 moves to chat in the sales inbox, goes to bob and is reopened; c2 is unchanged.
    write_csv(
        second,
        "conversations.csv",
        ["account_id", "id", "number", "inbox_id", "customer_id", "channel", "status"]
        + ["assignee_id", "created_at"],
        [["acme", "c1", "1", "sales", "carl", "chat", "open", "bob", "2026-03-02T08:00:00Z"]],
    )

    assert await imported(engine, second)

    ratings = await rows(engine, tables.ratings, "user_id", "channel", "inbox_id", "theme")
    assert ratings[("acme", "r1")] == ("bob", "chat", "sales", None)
    assert ratings[("acme", "r2")] == ("ann", "web", "sales", None)  # its own user and channel
    messages = await rows(engine, tables.messages, "channel", "inbox_id")
    assert messages[("acme", "m4")] == ("chat", "sales")
    transactions = await rows(engine, tables.transactions, "user_id", "channel")
    assert transactions[("acme", "t1")] == ("bob", "chat")
    changes = await rows(engine, tables.stage_changes, "inbox_id")
    assert changes[("acme", "s1")] == ("sales",)
    assert await rows(engine, tables.stage_intervals) == {}  # no longer closed
    # reply stats do not depend on the conversation's own columns
    stats = await rows(engine, tables.conversations, "human_replies", "first_response_at")
    assert stats[("acme", "c1")] == (3, at(2, 8, 10))


async def test_a_changed_customer_country_flows(engine: AsyncEngine, tmp_path: Path) -> None:
    assert await imported(engine, folder(tmp_path))
    second = tmp_path / "second"
    second.mkdir()
    write_csv(
        second,
        "customers.csv",
        ["account_id", "id", "country"],
        [["acme", "carl", "NO"], ["acme", "cleo", ""]],
    )

    assert await imported(engine, second)

    conversations = await rows(engine, tables.conversations, "country")
    assert conversations[("acme", "c1")] == ("NO",)
    assert conversations[("acme", "c2")] == (None,)
    ratings = await rows(engine, tables.ratings, "country")
    assert ratings[("acme", "r1")] == ("NO",)  # through its conversation's customer
    assert ratings[("acme", "r2")] == ("NO",)  # its own customer is carl
    assert ratings[("acme", "r3")] == ("US",)  # its own country
    transactions = await rows(engine, tables.transactions, "country")
    assert transactions[("acme", "t1")] == ("NO",)
    assert transactions[("acme", "t2")] == (None,)  # cleo has no country any more
    messages = await rows(engine, tables.messages, "country")
    assert messages[("acme", "m1")] == ("NO",)
    intervals = await rows(engine, tables.stage_intervals, "country")
    assert set(intervals.values()) == {("NO",)}


async def test_a_user_becoming_a_bot_reclassifies_their_replies(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    assert await imported(engine, folder(tmp_path))
    second = tmp_path / "second"
    second.mkdir()
    write_csv(
        second,
        "users.csv",
        ["account_id", "id", "name", "is_bot"],
        [["acme", "bob", "Bob", "true"]],
    )

    assert await imported(engine, second)

    messages = await rows(engine, tables.messages, "is_human_reply", "is_bot_reply")
    assert messages[("acme", "m9")] == (False, True)
    stats = await rows(engine, tables.conversations, "human_replies", "bot_replies")
    assert stats[("acme", "c1")] == (2, 3)


async def test_new_and_moved_messages_recompute_reply_stats(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    assert await imported(engine, folder(tmp_path))
    second = tmp_path / "second"
    second.mkdir()
    # A customer message at 08:11 now precedes m6 (08:12: 60 s), and m9 moves to c2, where it
    # answers m10 (March 3, 07:00) on March 3 at 09:30.
    write_csv(
        second,
        "messages.csv",
        ["account_id", "id", "conversation_id", "author_type", "author_id", "created_at"],
        [
            ["acme", "m11", "c1", "customer", "", "2026-03-02T08:11:00Z"],
            ["acme", "m9", "c2", "user", "bob", "2026-03-03T09:30:00Z"],
        ],
    )

    assert await imported(engine, second)

    messages = await rows(engine, tables.messages, "response_seconds")
    assert messages[("acme", "m6")] == (60.0,)
    assert messages[("acme", "m9")] == (9_000.0,)
    stats = await rows(
        engine, tables.conversations, "first_response_at", "human_replies", "bot_replies"
    )
    assert stats[("acme", "c1")] == (at(2, 8, 10), 2, 2)
    assert stats[("acme", "c2")] == (at(3, 9, 30), 1, 0)


async def test_stage_changes_added_later_recompute_intervals(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    assert await imported(engine, folder(tmp_path))
    second = tmp_path / "second"
    second.mkdir()
    # c1 leaves won for lost at 11:30: won 11:00-11:30, lost 11:30-12:00 (close).
    write_csv(
        second,
        "stage_changes.csv",
        ["account_id", "id", "conversation_id", "pipeline", "stage", "entered_at"],
        [["acme", "s6", "c1", "sales", "lost", "2026-03-02T11:30:00Z"]],
    )

    assert await imported(engine, second)

    intervals = await rows(engine, tables.stage_intervals, "seconds")
    assert intervals == {
        ("acme", "c1", "sales", "new"): (10_800.0,),
        ("acme", "c1", "sales", "qualified"): (3_600.0,),
        ("acme", "c1", "sales", "won"): (1_800.0,),
        ("acme", "c1", "sales", "lost"): (1_800.0,),
    }


async def test_a_subset_of_files_may_refer_to_rows_already_stored(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    assert await imported(engine, folder(tmp_path, "accounts.csv", "inboxes.csv", "users.csv"))
    rest = tmp_path / "rest"
    shutil.copytree(BASE, rest)
    for name in ("accounts.csv", "inboxes.csv", "users.csv"):
        (rest / name).unlink()

    assert await imported(engine, rest)

    assert len(await rows(engine, tables.ratings)) == 4


async def test_large_files_are_read_by_a_worker_process(
    engine: AsyncEngine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    names = [path.name for path in BASE.iterdir() if path.name != "ratings.csv"]
    assert await imported(engine, folder(tmp_path, *names))
    monkeypatch.setattr(load, "WORKER_BYTES", 0)  # every file is large
    ratings = tmp_path / "ratings"
    ratings.mkdir()
    text = (BASE / "ratings.csv").read_text()
    (ratings / "ratings.csv").write_text(text + "acme,r4,ces,0,,2026-03-05T10:00:00Z,,,,,,,\n")
    capsys.readouterr()

    assert not await imported(engine, ratings)
    assert "ratings.csv:7: score: 0 is outside the ces scale 1–7" in capsys.readouterr().err
    assert await rows(engine, tables.ratings) == {}

    assert await imported(engine, ratings, skip_invalid=True)
    stored = await rows(engine, tables.ratings, "channel", "browser")
    assert stored[("acme", "r1")] == ("email", "Chrome")
    assert len(stored) == 4

    (ratings / "ratings.csv").write_bytes(text.encode() + b"acme,r5,csat,1,\xff,2026-03-05\n")
    with pytest.raises(UserError) as raised:
        await imported(engine, ratings)
    # the exact line, though the worker decodes ahead of the parent
    assert (
        str(raised.value) == "ratings.csv:7: not UTF-8 text (byte 0xff at position 16 of the line)"
    )


async def test_the_number_of_statements_does_not_grow_with_the_rows(
    engine: AsyncEngine, tmp_path: Path, statements: StatementCounter
) -> None:
    assert await imported(engine, folder(tmp_path))
    counts = []
    for day, size in ((5, 4), (6, 60)):
        directory = tmp_path / f"rows{size}"
        directory.mkdir()
        # customer messages, each answered a minute later: every run adds response times
        write_csv(
            directory,
            "messages.csv",
            ["account_id", "id", "conversation_id", "author_type", "author_id", "created_at"],
            [
                ["acme", f"x{size}-{n}", "c2"]
                + (["user", "ann"] if n % 2 else ["customer", ""])
                + [f"2026-03-{day:02d}T{n // 60:02d}:{n % 60:02d}:00Z"]
                for n in range(size)
            ],
        )
        write_csv(
            directory,
            "ratings.csv",
            ["account_id", "id", "survey", "score", "created_at", "conversation_id"],
            [
                ["acme", f"x{size}-{n}", "csat", "4", "2026-03-03T08:00:00Z", "c1"]
                for n in range(size)
            ],
        )
        statements.reset()
        assert await imported(engine, directory)
        counts.append(statements.count)
    assert counts[0] == counts[1]


async def test_a_file_not_imported_into_an_empty_table_keeps_its_indexes(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    # SQLite builds an empty table's indexes after its rows: a failed file must leave them.
    shutil.copytree(BASE, tmp_path / "import")
    with (tmp_path / "import" / "messages.csv").open("a") as file:
        file.write("acme,m9,c1,robot,,reply,2026-03-02T09:00:00Z\n")
    names = {index.name for index in tables.messages.indexes}

    assert not await imported(engine, tmp_path / "import")

    async with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages'"
        else:
            query = "SELECT indexname FROM pg_indexes WHERE tablename = 'messages'"
        stored = {name for (name,) in await connection.exec_driver_sql(query)}
    assert names and names <= stored
