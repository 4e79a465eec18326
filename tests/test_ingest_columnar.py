"""First loads read column by column (server.ingest.columnar) store exactly what the row reader
stores, and leave to it every file they cannot prove valid, so its problems are reported as
ever; the cells and values they read are those of the csv module and the cell parsers."""

from __future__ import annotations

import csv
import io
import random
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db.types import MICROS
from server.errors import UserError
from server.ingest import columnar, fresh_postgres, import_directory, load, parse
from server.ingest.cascade import Cascade
from server.ingest.columnar.cells import read_cells
from server.ingest.columnar.check import Refused, _parsed
from server.ingest.columnar.rollups import _local_days
from server.ingest.rollups import local_day
from server.metrics.time import day_number
from tests.test_ingest import BASE
from tests.test_ingest_derived import changed_data, first_data
from tests.test_ingest_paths import dump, empty

COLUMNAR = ["conversations", "messages", "ratings", "stage_changes"]


@pytest.fixture
def loaded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The entities loaded column by column, as loaded."""
    loaded: list[str] = []
    note_loaded = Cascade.note_loaded

    def noted(self: Cascade, entity: str, rows: columnar.Loaded) -> None:
        loaded.append(entity)
        note_loaded(self, entity, rows)

    monkeypatch.setattr(Cascade, "note_loaded", noted)
    return loaded


def large(monkeypatch: pytest.MonkeyPatch, folder: Path, *names: str) -> None:
    """The named files of the folder count as large (read by a worker, so column by column on
    a first load); the others, smaller, are read in process (a worker costs half a second)."""
    sizes = {path.name: path.stat().st_size for path in folder.iterdir()}
    threshold = min(sizes[name] for name in names)
    assert all(size < threshold for name, size in sizes.items() if name not in names)
    monkeypatch.setattr(load, "WORKER_BYTES", threshold)


async def both_ways(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch, *folders: Path
) -> tuple[dict[str, list[tuple[object, ...]]], dict[str, list[tuple[object, ...]]]]:
    """The tables after importing the folders in turn into an empty database, column by column
    where it applies, then row by row."""
    for folder in folders:
        assert await import_directory(engine, folder, progress=False)
    by_columns = await dump(engine)
    await empty(engine)
    monkeypatch.setenv(columnar.SWITCH, "0")
    for folder in folders:
        assert await import_directory(engine, folder, progress=False)
    by_rows = await dump(engine)
    monkeypatch.delenv(columnar.SWITCH)
    return by_columns, by_rows


@pytest.mark.parametrize("rebuild_rows", [0, 10_000])
async def test_a_first_load_then_every_kind_of_change_stores_what_the_row_reader_stores(
    engine: AsyncEngine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    loaded: list[str],
    rebuild_rows: int,
) -> None:
    # With 0, PostgreSQL sets the indexes and keys aside around even these few rows.
    monkeypatch.setattr(fresh_postgres, "REBUILD_ROWS", rebuild_rows)
    random_ = random.Random(5)
    first = first_data(random_)
    first.write(tmp_path / "first")
    changed_data(random_, first).write(tmp_path / "changed")
    large(monkeypatch, tmp_path / "first", *(f"{name}.csv" for name in COLUMNAR))

    by_columns, by_rows = await both_ways(
        engine, monkeypatch, tmp_path / "first", tmp_path / "changed"
    )

    assert loaded == COLUMNAR  # the first load only: the re-import reads rows
    assert all(by_columns[name] for name in ("messages", "stage_intervals", "rating_days"))
    for name, stored in by_rows.items():
        assert by_columns[name] == stored, name


# Valid cells in every form the parsers accept, some only the parsers read (not the usual
# forms computed column-wise): offsets, fractions, a space for the T, a number with a sign,
# a lower-case country; quotes, commas and line breaks in quoted cells; CRLF line ends.
ODD_CONVERSATIONS = [
    ["account_id", "id", "number", "inbox_id", "customer_id", "channel", "status", "theme",
     "assignee_id", "team_id", "pipeline", "created_at", "closed_at"],
    ["acme", "c1", "+1", "support", "carl", "email", "closed", "bill, \"pay\"", "ann", "tier1",
     "sales", "2026-03-29T00:59:59.5Z", "2026-03-29 04:00:00+03:00"],
    ["acme", "c2", "007", "sales", "", "chat", "open", "", "", "", "", "2026-03-28T23:30:00-02:30",
     ""],
    ["beta", "c1", "1", "main", "dora", "phone", "pending", "é\nlong", "zed", "", "",
     "2026-10-25T03:59:59.123456+03:00", ""],
]  # fmt: skip
ODD_RATINGS = [
    ["account_id", "id", "survey", "score", "comment", "created_at", "conversation_id",
     "user_id", "customer_id", "channel", "inbox_id", "country", "user_agent"],
    ["acme", "r1", "csat", "+5", "\"quoted\"\nline", "2026-03-29T01:00:00.1234567Z", "c1", "",
     "", "", "", "", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"],
    ["acme", "r2", "nps", "0", "", "2026-03-29T02:30:00+01:00", "c2", "bob", "cleo", "web",
     "support", "fr", ""],
    ["acme", "r3", "ces", "07", "", "2026-03-29T03:00:00Z", "", "", "", "", "", "", ""],
    ["beta", "r1", "happiness", "1", "ok", "2026-10-25T00:00:00+00:00", "c1", "", "", "", "", "",
     "curl/8.0"],
]  # fmt: skip
ODD_MESSAGES = [
    ["account_id", "id", "conversation_id", "author_type", "author_id", "kind", "created_at"],
    ["acme", "m1", "c1", "customer", "", "", "2026-03-29T00:00:00Z"],
    ["acme", "m2", "c1", "user", "ann", "reply", "2026-03-29T00:00:00Z"],  # a tie: customer first
    ["acme", "m3", "c1", "bot", "robo", "reply", "2026-03-29T03:00:00+02:00"],
    ["acme", "m4", "c1", "customer", "", "note", "2026-03-29T01:00:00.000001Z"],
    ["acme", "m5", "c1", "user", "robo", "", "2026-03-29T01:00:00.5Z"],
    ["acme", "m6", "c1", "user", "bob", "reply", "2026-03-29T01:00:00.5Z"],
    ["acme", "m7", "c2", "user", "ann", "note", "2026-03-29T01:00:00Z"],
    ["beta", "m1", "c1", "customer", "", "", "2026-10-25T01:00:00Z"],
]  # fmt: skip


def write(path: Path, rows: list[list[str]], line_end: str = "\n") -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file, lineterminator=line_end).writerows(rows)


def odd_folder(directory: Path) -> Path:
    directory.mkdir()
    for name in ("accounts", "inboxes", "users", "teams", "team_members", "customers"):
        (directory / f"{name}.csv").write_bytes((BASE / f"{name}.csv").read_bytes())
    write(directory / "conversations.csv", ODD_CONVERSATIONS, "\r\n")
    write(directory / "ratings.csv", ODD_RATINGS)
    write(directory / "messages.csv", ODD_MESSAGES)
    (directory / "stage_changes.csv").write_bytes(
        b"\xef\xbb\xbfaccount_id,id,conversation_id,pipeline,stage,entered_at\n"
        b'acme,s1,c1,sales,"new",2026-03-29T00:00:00Z\n'
        b"acme,s2,c1,sales,won,2026-03-29T05:00:00+03:00"  # no line end at the end
    )
    return directory


async def test_cells_in_every_accepted_form_are_stored_as_the_row_reader_stores_them(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loaded: list[str]
) -> None:
    folder = odd_folder(tmp_path / "odd")
    large(monkeypatch, folder, *(f"{name}.csv" for name in COLUMNAR))

    by_columns, by_rows = await both_ways(engine, monkeypatch, folder)

    assert loaded == COLUMNAR
    assert len(by_rows["ratings"]) == 4 and len(by_rows["messages"]) == 8
    for name, stored in by_rows.items():
        assert by_columns[name] == stored, name


def spread_ratings_folder(directory: Path, random_: random.Random) -> Path:
    """The base folder with 400 ratings scattered over 2024-2026: every month, quarter and
    year, the clock changes of Europe/Helsinki (acme) and UTC (beta), and local midnights."""
    directory.mkdir()
    for path in BASE.iterdir():
        if path.name != "ratings.csv":
            (directory / path.name).write_bytes(path.read_bytes())
    header = ODD_RATINGS[0]
    rows = [header]
    start = 1_704_067_200  # 2024-01-01T00:00:00Z
    for number in range(400):
        account = random_.choice(["acme", "beta"])
        instant = start + random_.randrange(3 * 365 * 86_400)
        if number % 10 == 0:  # on a local midnight in Helsinki (21:00 or 22:00 UTC)
            instant = instant - instant % 86_400 + random_.choice([21, 22]) * 3_600
        stamp = datetime.fromtimestamp(instant, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        survey = random_.choice(["csat", "nps", "ces", "happiness"])
        score = {"csat": 5, "nps": 10, "ces": 7, "happiness": 3}[survey]
        inbox = random_.choice(["support", "sales", ""]) if account == "acme" else "main"
        user = random_.choice(["ann", "bob", ""]) if account == "acme" else "zed"
        rows.append(
            [account, f"r{number}", survey, str(random_.randint(1, score)), "", stamp, "",
             user, "", random_.choice(["email", "chat", ""]), inbox, "", ""]
        )  # fmt: skip
    write(directory / "ratings.csv", rows)
    return directory


async def test_every_rollup_of_ratings_over_years_and_clock_changes_is_counted_as_in_sql(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loaded: list[str]
) -> None:
    folder = spread_ratings_folder(tmp_path / "spread", random.Random(11))
    large(monkeypatch, folder, "ratings.csv")

    by_columns, by_rows = await both_ways(engine, monkeypatch, folder)

    assert loaded == ["ratings"]
    assert len(by_rows["rating_user_years"]) > 10 and len(by_rows["rating_user_quarters"]) > 40
    for name, stored in by_rows.items():
        assert by_columns[name] == stored, name


# Rows added to a valid messages.csv, each of which the row reader reports: one file holds them
# all (each row's problems are reported). Then framings the csv module reads otherwise than
# polars, or refuses (which stops the import at that line).
ROW_PROBLEMS = (
    b"acme,m9,c9,customer,,,2026-03-29T00:00:00Z\n"  # no such conversation
    b"acme,m1,c1,customer,,,2026-03-29T00:00:00Z\n"  # m1 twice
    b"acme,m10,c1,customer,ann,,2026-03-29T00:00:00Z\n"  # a customer message with an author
    b"acme,m11,c1,customer,,,2026-02-30T00:00:00Z\n"
    b"acme,m12,c1,customer,,,2026-03-29T00:00:00\n"  # no offset
    b"acme,m13,c1,customer,,,2026-03-29T24:00:00Z\n"
    b"acme,m14,c1,user,ann,chat,2026-03-29T00:00:00Z\n"
    b"acme,,c1,customer,,,2026-03-29T00:00:00Z\n"
    b"acme,m15,c1,customer,,\n"  # fewer cells
    b"acme,m16,c1,customer,,,2026-03-29T00:00:00Z,x\n"  # more cells
    b"acme,m17,c1,customer,,,2026-03-29T00:00:00Z\x00\n"
)
FRAMINGS = {
    "row problems": ROW_PROBLEMS,
    "blank lines": b"\n\nacme,m9,c1,customer,,,2026-03-29T00:00:00Z\n",  # no rows
    "quote inside": b'acme,m"9,c1,customer,,,2026-03-29T00:00:00Z\n',  # a character
    "lone carriage return": b"acme,m9,c1,cust\romer,,,2026-03-29T00:00:00Z\n",
    "quote then text": b'acme,"m9"x,c1,customer,,,2026-03-29T00:00:00Z\n',
    "unclosed quote": b'acme,"m9,c1,customer,,,2026-03-29T00:00:00Z\n',
    "not UTF-8": b"acme,m\xff9,c1,customer,,,2026-03-29T00:00:00Z\n",
}


RATE = re.compile(r", [\d,]+ rows/s$")  # a summary's speed, which varies


async def outcome(
    engine: AsyncEngine, folder: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[object, ...]:
    """(imported whole, or the error that stopped it; the tables; what was said of messages)."""
    try:
        result: object = await import_directory(engine, folder, progress=False)
    except UserError as error:
        result = str(error)
    lines = capsys.readouterr().err.splitlines()
    said = [RATE.sub("", line) for line in lines if "messages.csv" in line]
    return result, await dump(engine), said


@pytest.mark.parametrize("added", FRAMINGS.values(), ids=FRAMINGS.keys())
async def test_a_file_it_cannot_prove_valid_is_reported_as_the_row_reader_reports_it(
    engine: AsyncEngine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    loaded: list[str],
    added: bytes,
) -> None:
    folder = tmp_path / "odd"
    folder.mkdir()
    for name in ("accounts", "inboxes", "users", "teams", "customers"):
        (folder / f"{name}.csv").write_bytes((BASE / f"{name}.csv").read_bytes())
    write(folder / "conversations.csv", ODD_CONVERSATIONS)
    write(folder / "messages.csv", ODD_MESSAGES)
    messages = folder / "messages.csv"
    messages.write_bytes(messages.read_bytes() + added)
    large(monkeypatch, folder, "messages.csv")
    capsys.readouterr()

    by_columns = await outcome(engine, folder, capsys)
    await empty(engine)
    monkeypatch.setenv(columnar.SWITCH, "0")
    by_rows = await outcome(engine, folder, capsys)

    assert loaded == []
    assert by_columns == by_rows
    assert (by_rows[0] is True) == (added in (FRAMINGS["blank lines"], FRAMINGS["quote inside"]))
    result, _, said = by_rows
    if isinstance(result, str):  # a framing that stops the import, on the row's line
        assert result.startswith("messages.csv:10: ")
    else:
        assert said  # its summary, or its problems


TRICKY = (
    b'\xef\xbb\xbfa, b ,c\r\n'
    b'1,"two, ""2""\nlines",\r\n'
    b'"",x y,"\xc3\xa9"\r\n'
    b'last,,row'
)  # fmt: skip


def test_cells_are_those_the_csv_module_reads(tmp_path: Path) -> None:
    path = tmp_path / "tricky.csv"
    path.write_bytes(TRICKY)
    expected = list(csv.reader(io.StringIO(TRICKY.decode("utf-8-sig"), newline=""), strict=True))

    cells = read_cells(path, [name.strip() for name in expected[0]])

    assert cells is not None
    assert cells.columns == ["a", "b", "c"]
    assert [list(row) for row in cells.iter_rows()] == expected[1:]


@pytest.mark.parametrize(
    "data",
    [
        b"a,b\n1\n",  # fewer cells: polars pads the row
        b"a,b\n1,2\n\n3,4\n",  # a blank line: polars makes it a row
        b"a,b\n1\r2,3\n",  # a lone carriage return ends a line for the csv module
        b"a,b\n1\x00,2\n",
        b'a,b\n"1"x,2\n',
        b"a,b\n1,2,3\n",
        b"a,b\n\xff,2\n",
    ],
)
def test_a_file_polars_might_read_otherwise_is_left_to_the_row_reader(
    tmp_path: Path, data: bytes
) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(data)

    assert read_cells(path, ["a", "b"]) is None


TIMESTAMPS = [
    "2026-03-29T00:59:59Z",  # Helsinki's last second of winter time is 02:59:59
    "2026-03-29T01:00:00Z",
    "2026-03-29T03:00:00+03:00",
    "2026-10-25T03:59:59.999999+03:00",
    "2026-10-25T03:00:00+02:00",
    "2024-02-29T12:00:00.5-09:30",
    "1999-12-31T23:59:59.000001+14:00",
    "0001-01-01T00:00:00+00:00",
    "2026-01-01T00:00:00-00:00",
    "2026-01-01 00:00:00Z",  # a space for the T: the parser's
    "2026-01-01T00:00:00.1234567Z",  # 7 digits: the parser's
    "2026-01-01T00:00:00+05:30:15",  # offset seconds: the parser's
    "20260101T000000Z",  # basic form: the parser's
]


def test_timestamps_are_the_parsers_microseconds() -> None:
    import polars as pl

    values = _parsed(parse.timestamp, pl.Series(TIMESTAMPS)).to_list()

    assert values == [parse.timestamp(text) for text in TIMESTAMPS]


@pytest.mark.parametrize(
    "text",
    [
        "2026-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "2026-01-01T24:00:00Z",
        "2026-01-01T00:60:00Z",
        "2026-01-01T00:00:60Z",
        "2026-01-01T00:00:00+24:00",
        "2026-01-01T00:00:00",
        "0000-01-01T00:00:00Z",
        "yesterday",
    ],
)
def test_a_timestamp_the_parser_refuses_is_refused(text: str) -> None:
    import polars as pl

    with pytest.raises(Refused):
        _parsed(parse.timestamp, pl.Series(["2026-01-01T00:00:00Z", text]))


def test_integers_are_the_parsers() -> None:
    import polars as pl

    texts = ["0", "+7", "-12", "007", "999999999999999999", "-9223372036854775808"]

    assert _parsed(parse.integer, pl.Series(texts)).to_list() == [int(text) for text in texts]
    with pytest.raises(Refused):
        _parsed(parse.integer, pl.Series(["1", "9223372036854775808"]))


def test_local_days_are_those_of_the_zone_database() -> None:
    import polars as pl

    zones = {"hel": "Europe/Helsinki", "acc": "Africa/Accra", "ktm": "Asia/Kathmandu"}
    minute = 60 * MICROS
    around = {
        "hel": parse.timestamp("2026-03-29T00:30:00Z"),  # clocks go forward at 01:00 UTC
        # +00:30 until 23:30 UTC, then UTC: the same hour, read at one offset, ends on two days
        "acc": parse.timestamp("1946-01-05T23:00:00Z"),
        "ktm": parse.timestamp("2026-06-01T17:45:00Z"),  # local midnight at 18:15 UTC
    }
    accounts, instants = [], []
    for account, start in around.items():
        for step in range(0, 120, 7):
            accounts.append(account)
            instants.append(start + step * minute)
    ratings = pl.DataFrame({"account_id": accounts, "created_at": instants})

    days = _local_days(ratings, zones).to_list()

    assert days == [
        day_number(local_day(instant, ZoneInfo(zones[account])))
        for account, instant in zip(accounts, instants, strict=True)
    ]
    assert len(set(days)) > len(zones)  # some hours hold two local days
