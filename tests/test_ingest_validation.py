"""CSV import: every validation rule, problem reporting, --skip-invalid and its rejects file."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import tables
from server.errors import UserError
from server.ingest import import_directory

BASE = Path(__file__).parent / "data" / "ingest" / "base"

# A valid row for each file that the base folder does not hold yet.
VALID: dict[str, dict[str, str]] = {
    "accounts.csv": {"id": "gamma", "name": "Gamma", "timezone": "America/New_York"},
    "inboxes.csv": {"account_id": "acme", "id": "vip", "name": "VIP"},
    "users.csv": {"account_id": "acme", "id": "cid", "name": "Cid", "email": "", "is_bot": "false"},
    "teams.csv": {"account_id": "acme", "id": "tier2", "name": "Tier 2"},
    "team_members.csv": {"account_id": "acme", "team_id": "tier1", "user_id": "robo"},
    "customers.csv": {"account_id": "acme", "id": "cy", "name": "Cy", "country": "FR"},
    "conversations.csv": {
        "account_id": "acme",
        "id": "c9",
        "number": "9",
        "inbox_id": "support",
        "customer_id": "carl",
        "channel": "email",
        "status": "open",
        "assignee_id": "ann",
        "team_id": "tier1",
        "created_at": "2026-03-10T10:00:00Z",
        "closed_at": "",
    },
    "messages.csv": {
        "account_id": "acme",
        "id": "m99",
        "conversation_id": "c2",
        "author_type": "user",
        "author_id": "ann",
        "kind": "reply",
        "created_at": "2026-03-03T08:00:00Z",
    },
    "ratings.csv": {
        "account_id": "acme",
        "id": "r9",
        "survey": "nps",
        "score": "7",
        "created_at": "2026-03-03T08:00:00Z",
        "conversation_id": "c2",
        "user_id": "",
        "customer_id": "",
        "channel": "",
        "inbox_id": "",
        "country": "",
    },
    "transactions.csv": {
        "account_id": "acme",
        "id": "t9",
        "amount": "12.3456",
        "currency": "EUR",
        "created_at": "2026-03-03T08:00:00Z",
        "conversation_id": "c2",
        "customer_id": "",
    },
    "stage_changes.csv": {
        "account_id": "acme",
        "id": "s9",
        "conversation_id": "c2",
        "pipeline": "sales",
        "stage": "won",
        "entered_at": "2026-03-03T08:00:00Z",
    },
}
# What makes the second row of a case a different row from the valid first one.
OTHER_ROW: dict[str, dict[str, str]] = {
    "accounts.csv": {"id": "delta"},
    "team_members.csv": {"user_id": "bob", "team_id": "tier2"},
    "conversations.csv": {"id": "c10", "number": "10"},
}

# (file, the second row's changes, the problem reported for line 3)
CASES: list[tuple[str, dict[str, str], str]] = [
    ("users.csv", {"name": ""}, "name: required, but empty"),
    ("users.csv", {"is_bot": "yes"}, "is_bot: expected true or false, got 'yes'"),
    ("accounts.csv", {"timezone": "Mars/Olympus"}, "timezone: not an IANA time zone name"),
    ("customers.csv", {"country": "XX"}, "country: not an ISO 3166-1 alpha-2 country code: 'XX'"),
    ("customers.csv", {"country": "FRA"}, "country: not an ISO 3166-1 alpha-2 country code"),
    ("conversations.csv", {"number": "ten"}, "number: not an integer: 'ten'"),
    ("conversations.csv", {"channel": "E-mail"}, "channel: not a lower-case slug"),
    (
        "conversations.csv",
        {"status": "done"},
        "status: expected one of open, pending, closed, spam",
    ),
    ("conversations.csv", {"created_at": "yesterday"}, "created_at: not an ISO 8601 timestamp"),
    (
        "conversations.csv",
        {"created_at": "2026-03-10T10:00:00"},
        "created_at: no time zone offset (add Z or +HH:MM)",
    ),
    ("conversations.csv", {"status": "closed"}, "closed_at: required when status is closed"),
    (
        "conversations.csv",
        {"closed_at": "2026-03-11T10:00:00Z"},
        "closed_at: must be empty when status is open",
    ),
    (
        "conversations.csv",
        {"status": "closed", "closed_at": "2026-03-10T11:00:00+02:00"},
        "closed_at: is before created_at",
    ),
    ("conversations.csv", {"number": "9"}, "number: 9 is also used on line 2"),
    ("conversations.csv", {"number": "2"}, "number: 2 is already used by conversation 'c2'"),
    ("conversations.csv", {"id": "c9"}, "id: id 'c9' is also on line 2"),
    (
        "conversations.csv",
        {"inbox_id": "nowhere"},
        "inbox_id: inbox 'nowhere' does not exist in account 'acme'",
    ),
    # beta's own inbox is called main: acme has none of that name
    ("conversations.csv", {"inbox_id": "main"}, "inbox_id: inbox 'main' does not exist in account"),
    ("conversations.csv", {"account_id": "zeta"}, "account_id: account 'zeta' does not exist"),
    ("messages.csv", {"author_type": "agent"}, "author_type: expected one of customer, user, bot"),
    ("messages.csv", {"kind": "comment"}, "kind: expected one of reply, note"),
    ("messages.csv", {"author_id": ""}, "author_id: required when author_type is user"),
    (
        "messages.csv",
        {"author_type": "bot", "author_id": ""},
        "author_id: required when author_type is bot",
    ),
    (
        "messages.csv",
        {"author_type": "customer"},
        "author_id: must be empty when author_type is customer",
    ),
    (
        "messages.csv",
        {"author_id": "zed"},
        "author_id: user 'zed' does not exist in account 'acme'",
    ),
    (
        "messages.csv",
        {"account_id": "beta", "conversation_id": "c2", "author_id": "zed"},
        "conversation_id: conversation 'c2' does not exist in account 'beta'",
    ),
    ("ratings.csv", {"survey": "ces2"}, "survey: expected one of csat, nps, ces, happiness"),
    ("ratings.csv", {"score": "11"}, "score: 11 is outside the nps scale 0–10"),
    ("ratings.csv", {"survey": "csat", "score": "0"}, "score: 0 is outside the csat scale 1–5"),
    ("ratings.csv", {"survey": "ces", "score": "8"}, "score: 8 is outside the ces scale 1–7"),
    (
        "ratings.csv",
        {"survey": "happiness", "score": "4"},
        "score: 4 is outside the happiness scale 1–3",
    ),
    ("ratings.csv", {"score": "7.5"}, "score: not an integer: '7.5'"),
    ("ratings.csv", {"user_id": "ghost"}, "user_id: user 'ghost' does not exist in account 'acme'"),
    ("ratings.csv", {"channel": "Web"}, "channel: not a lower-case slug"),
    ("transactions.csv", {"amount": "1.23456"}, "amount: more than 4 decimal places: '1.23456'"),
    ("transactions.csv", {"amount": "1,5"}, "amount: not a decimal number: '1,5'"),
    ("transactions.csv", {"currency": "EURO"}, "currency: not an ISO 4217 currency code: 'EURO'"),
    ("transactions.csv", {"currency": "XYZ"}, "currency: not an ISO 4217 currency code"),
    (
        "transactions.csv",
        {"customer_id": "dora"},
        "customer_id: customer 'dora' does not exist in account 'acme'",
    ),
    ("stage_changes.csv", {"stage": ""}, "stage: required, but empty"),
    ("stage_changes.csv", {"entered_at": "2026-13-01T00:00:00Z"}, "entered_at: not an ISO 8601"),
    ("team_members.csv", {"team_id": "tier9"}, "team_id: team 'tier9' does not exist in account"),
    ("inboxes.csv", {"id": "vip"}, "id: id 'vip' is also on line 2"),
    ("teams.csv", {"account_id": ""}, "account_id: required, but empty"),
]


def write_csv(directory: Path, name: str, header: list[str], rows: list[list[str]]) -> None:
    with (directory / name).open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)


def write_rows(directory: Path, name: str, rows: list[dict[str, str]]) -> None:
    write_csv(directory, name, list(rows[0]), [list(row.values()) for row in rows])


async def count(engine: AsyncEngine, name: str) -> int:
    async with engine.connect() as connection:
        table = tables.metadata.tables[name]
        return (await connection.execute(select(func.count()).select_from(table))).scalar_one()


async def imported(engine: AsyncEngine, directory: Path, **options: bool) -> bool:
    return await import_directory(engine, directory, progress=False, **options)


async def test_every_rule_rejects_its_row_and_the_file_writes_nothing(
    engine: AsyncEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One database for all cases (each is a fresh folder of one file), to stay fast."""
    assert await imported(engine, BASE)
    mismatches = []
    for number, (name, changes, problem) in enumerate(CASES):
        directory = tmp_path / f"case{number}"
        directory.mkdir()
        bad = {**VALID[name], **OTHER_ROW.get(name, {"id": "other"}), **changes}
        write_rows(directory, name, [VALID[name], bad])
        table = name.removesuffix(".csv")
        before = await count(engine, table)
        capsys.readouterr()

        result = await imported(engine, directory)

        err = capsys.readouterr().err
        written = await count(engine, table) - before
        if result or f"{name}:3: {problem}" not in err or written:
            mismatches.append(f"{name} {changes}: returned {result}, wrote {written}:\n{err}")
    assert not mismatches, "\n".join(mismatches)


async def test_valid_rows_of_the_cases_are_accepted(engine: AsyncEngine, tmp_path: Path) -> None:
    """The rows the cases start from are themselves valid, so each case tests one rule."""
    assert await imported(engine, BASE)
    for name, row in VALID.items():
        write_rows(tmp_path, name, [row])

    assert await imported(engine, tmp_path)

    assert await count(engine, "transactions") == 4


async def test_skip_invalid_writes_the_valid_rows_and_rejects_the_others(
    engine: AsyncEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "import"
    shutil.copytree(BASE, directory)
    (directory / "rejects").mkdir()
    (directory / "rejects" / "users.csv").write_text("stale\n")  # from an earlier run
    write_csv(
        directory,
        "conversations.csv",
        ["account_id", "id", "number", "inbox_id", "channel", "status", "created_at"],
        [
            ["acme", "c1", "1", "support", "email", "open", "2026-03-02T08:00:00Z"],
            ["acme", "c2", "2", "nowhere", "email", "open", "2026-03-03T07:00:00Z"],
            ["beta", "c1", "1", "main", "Phone", "sometimes", "2026-03-04T10:00:00Z"],
        ],
    )

    assert await imported(engine, directory, skip_invalid=True)

    async with engine.connect() as connection:
        stored = (await connection.execute(select(tables.conversations.c.id))).scalars().all()
    assert stored == ["c1"]
    with (directory / "rejects" / "conversations.csv").open(newline="") as file:
        rejected = list(csv.reader(file))
    assert rejected == [
        ["account_id", "id", "number", "inbox_id", "channel", "status", "created_at", "reason"],
        [
            "acme",
            "c2",
            "2",
            "nowhere",
            "email",
            "open",
            "2026-03-03T07:00:00Z",
            "inbox_id: inbox 'nowhere' does not exist in account 'acme'",
        ],
        [
            "beta",
            "c1",
            "1",
            "main",
            "Phone",
            "sometimes",
            "2026-03-04T10:00:00Z",
            "channel: not a lower-case slug such as email, chat or phone: 'Phone'; "
            "status: expected one of open, pending, closed, spam; got 'sometimes'",
        ],
    ]
    assert not (directory / "rejects" / "users.csv").exists()
    # rows pointing at rejected conversations are rejected in turn
    assert await count(engine, "messages") == 9
    err = capsys.readouterr().err
    assert "conversations.csv:3: inbox_id: inbox 'nowhere' does not exist" in err
    assert "conversations.csv: 1 row imported (1 new or changed), 2 rejected" in err
    assert (
        "messages.csv:12: conversation_id: conversation 'c1' does not exist in account 'beta'"
        in err
    )


async def test_a_file_that_failed_stops_the_files_that_refer_to_it(
    engine: AsyncEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "import"
    shutil.copytree(BASE, directory)
    write_rows(
        directory, "customers.csv", [{"account_id": "acme", "id": "carl", "country": "Finland"}]
    )

    assert not await imported(engine, directory)

    err = capsys.readouterr().err
    assert "customers.csv:2: country: not an ISO 3166-1 alpha-2 country code: 'Finland'" in err
    assert "customers.csv: not imported: 1 row invalid of 1" in err
    assert "conversations.csv: not imported: it refers to customers.csv" in err
    assert "messages.csv: not imported: it refers to conversations.csv" in err
    # files that do not depend on customers are imported
    assert await count(engine, "users") == 4
    assert await count(engine, "team_members") == 2
    assert await count(engine, "conversations") == 0


async def test_lines_count_the_line_breaks_inside_quoted_fields(
    engine: AsyncEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await imported(engine, BASE)
    capsys.readouterr()
    (tmp_path / "ratings.csv").write_text(
        "account_id,id,survey,score,comment,created_at\n"
        'acme,r7,csat,5,"one\ntwo\n\nfive",2026-03-02T13:00:00Z\n'
        "\n"
        'acme,r8,csat,6,"a ""quoted""\r\nword",2026-03-02T13:00:00Z\n'
        "acme,r9,nps,11,,2026-03-02T13:00:00Z\n",
        newline="",
    )

    assert not await imported(engine, tmp_path)

    err = capsys.readouterr().err.splitlines()
    assert err[:2] == [
        "ratings.csv:7: score: 6 is outside the csat scale 1–5",
        "ratings.csv:9: score: 11 is outside the nps scale 0–10",
    ]


async def test_fifty_problems_are_listed_then_counted(
    engine: AsyncEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await imported(engine, BASE)
    capsys.readouterr()
    write_csv(
        tmp_path,
        "inboxes.csv",
        ["account_id", "id", "name"],
        [["nobody", f"i{n}", ""] for n in range(30)],
    )

    assert not await imported(engine, tmp_path)

    err = capsys.readouterr().err.splitlines()
    assert len(err) == 52
    assert err[0] == "inboxes.csv:2: name: required, but empty"
    assert err[1] == "inboxes.csv:2: account_id: account 'nobody' does not exist"
    assert err[49] == "inboxes.csv:26: account_id: account 'nobody' does not exist"
    assert err[50] == "inboxes.csv: … and 10 more problems"
    assert err[51] == "inboxes.csv: not imported: 30 rows invalid of 30"


async def test_a_row_with_the_wrong_number_of_fields_is_a_problem(
    engine: AsyncEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await imported(engine, BASE)
    (tmp_path / "teams.csv").write_text("account_id,id,name\nacme,t2,Two,extra\nacme,t3\n")

    assert not await imported(engine, tmp_path)

    err = capsys.readouterr().err
    assert "teams.csv:2: row: has 4 fields, the header has 3" in err
    assert "teams.csv:3: row: has 2 fields, the header has 3" in err


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("account_id,id", "ratings.csv: missing required column 'survey'"),
        (
            "account_id,id,survey,score,created_at,mood",
            "ratings.csv: unknown column 'mood' (expected: account_id, id, survey,",
        ),
        (
            "account_id,id,survey,score,created_at,score",
            "ratings.csv: column 'score' appears twice in the header",
        ),
        ("", "ratings.csv: empty file (the first line must be the header)"),
    ],
)
async def test_a_bad_header_stops_the_import_before_anything_is_written(
    engine: AsyncEngine, tmp_path: Path, header: str, message: str
) -> None:
    shutil.copy(BASE / "accounts.csv", tmp_path)
    (tmp_path / "ratings.csv").write_text(f"{header}\n" if header else "")

    with pytest.raises(UserError) as raised:
        await imported(engine, tmp_path)

    assert str(raised.value).startswith(message)
    assert await count(engine, "accounts") == 0


async def test_a_folder_without_any_known_file_is_a_mistake(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    (tmp_path / "rating.csv").write_text("id\n")

    with pytest.raises(UserError, match="nothing to import"):
        await imported(engine, tmp_path)
