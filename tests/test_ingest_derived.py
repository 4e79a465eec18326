"""Derived values after every kind of change, against an independent computation in this test.

A seeded data set is imported, then changed in every way a re-import can change it (messages
moved to other conversations, retimed, re-authored; conversations closed, reopened, moved to
another customer, inbox or channel; users becoming bots; customers moving country; stage changes
moved and retimed; new rows everywhere), imported again, and imported a third time unchanged.
The expected tables are computed here from the rows of the files, straight from the rules of
docs/csv-format.md and SPEC section 7, without any of the importer's code.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import tables
from server.ingest import import_directory

START = datetime(2026, 3, 1, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ACCOUNTS = ("acme", "beta")
USERS = ("u1", "u2", "u3", "bot1")
CUSTOMERS = ("k1", "k2", "k3")
INBOXES = ("support", "sales")
CHANNELS = ("email", "chat", "phone")
STAGES = ("new", "qualified", "won")


def when(minutes: int) -> str:
    # Messages and stage changes fall on a few whole hours: equal instants within a thread are
    # common, so the tie rules (customer first, then ids) are exercised.
    return (START + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def micros(text: str) -> int:
    delta = datetime.fromisoformat(text) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass
class Data:
    """The rows of each file, by key, as the latest import gave them."""

    files: dict[str, dict[tuple[str, ...], dict[str, str]]] = field(default_factory=dict)

    def put(self, name: str, key: tuple[str, ...], row: dict[str, str]) -> None:
        self.files.setdefault(name, {})[key] = row

    def write(self, directory: Path) -> None:
        directory.mkdir()
        for name, rows in self.files.items():
            values = list(rows.values())
            with (directory / name).open("w", newline="", encoding="utf-8") as file:
                writer = csv.DictWriter(file, fieldnames=list(values[0]))
                writer.writeheader()
                writer.writerows(values)


def conversation_row(random_: random.Random, account: str, number: int) -> dict[str, str]:
    created = random_.randrange(0, 600)
    status = random_.choice(("open", "closed", "closed", "pending"))
    return {
        "account_id": account,
        "id": f"c{number:02d}",
        "number": str(number),
        "inbox_id": random_.choice(INBOXES),
        "customer_id": random_.choice((*CUSTOMERS, "")),
        "channel": random_.choice(CHANNELS),
        "status": status,
        "theme": random_.choice(("billing", "")),
        "assignee_id": random_.choice(("u1", "u2", "")),
        "team_id": "",
        "pipeline": random_.choice(("sales", "")),
        "created_at": when(created),
        "closed_at": when(created + random_.randrange(0, 900)) if status == "closed" else "",
    }


def message_row(random_: random.Random, account: str, number: int) -> dict[str, str]:
    author_type = random_.choice(("customer", "customer", "user", "user", "bot"))
    author = "" if author_type == "customer" else random_.choice(USERS)
    return {
        "account_id": account,
        "id": f"m{number:03d}",
        "conversation_id": f"c{random_.randrange(1, 9):02d}",
        "author_type": author_type,
        "author_id": author,
        "kind": random_.choice(("reply", "reply", "reply", "note", "")),
        "created_at": when(60 * random_.randrange(0, 12)),
    }


def stage_row(random_: random.Random, account: str, number: int) -> dict[str, str]:
    return {
        "account_id": account,
        "id": f"s{number:03d}",
        "conversation_id": f"c{random_.randrange(1, 9):02d}",
        "pipeline": random_.choice(("sales", "support")),
        "stage": random_.choice(STAGES),
        "entered_at": when(60 * random_.randrange(0, 12)),
    }


def rating_row(random_: random.Random, account: str, number: int) -> dict[str, str]:
    return {
        "account_id": account,
        "id": f"r{number:02d}",
        "survey": "csat",
        "score": str(random_.randrange(1, 6)),
        "created_at": when(random_.randrange(0, 1200)),
        "conversation_id": random_.choice((f"c{random_.randrange(1, 9):02d}", "")),
        "user_id": random_.choice(("", "", "u3")),
        "customer_id": random_.choice(("", "", "k2")),
        "channel": random_.choice(("", "", "web")),
        "inbox_id": random_.choice(("", "", "sales")),
        "country": random_.choice(("", "", "JP")),
    }


def first_data(random_: random.Random) -> Data:
    data = Data()
    for account in ACCOUNTS:
        data.put("accounts.csv", (account,), {"id": account, "name": account.title()})
        for inbox in INBOXES:
            data.put(
                "inboxes.csv", (account, inbox), {"account_id": account, "id": inbox, "name": inbox}
            )
        for user in USERS:
            row = {
                "account_id": account,
                "id": user,
                "name": user,
                "is_bot": str(user == "bot1").lower(),
            }
            data.put("users.csv", (account, user), row)
        for number, customer in enumerate(CUSTOMERS):
            row = {
                "account_id": account,
                "id": customer,
                "name": customer,
                "country": ("FR", "DE", "")[number],
            }
            data.put("customers.csv", (account, customer), row)
        for number in range(1, 9):
            data.put(
                "conversations.csv",
                (account, f"c{number:02d}"),
                conversation_row(random_, account, number),
            )
        for number in range(60):
            data.put(
                "messages.csv", (account, f"m{number:03d}"), message_row(random_, account, number)
            )
        for number in range(30):
            data.put(
                "stage_changes.csv",
                (account, f"s{number:03d}"),
                stage_row(random_, account, number),
            )
        for number in range(15):
            data.put(
                "ratings.csv", (account, f"r{number:02d}"), rating_row(random_, account, number)
            )
    return data


def changed_data(random_: random.Random, data: Data) -> Data:
    """Every kind of change, to about a third of the rows, plus new rows."""
    for (account, user), row in data.files["users.csv"].items():
        if user == "u2" and account == "acme":
            row["is_bot"] = "true"  # their replies become bot replies
    for (_, customer), row in data.files["customers.csv"].items():
        if customer == "k1":
            row["country"] = "IT"
    for key, row in list(data.files["conversations.csv"].items()):
        if random_.random() < 0.4:
            fresh = conversation_row(random_, key[0], int(row["number"]))
            data.files["conversations.csv"][key] = fresh  # reopened, closed, moved, retimed
    for key, row in list(data.files["messages.csv"].items()):
        if random_.random() < 0.35:
            number = int(row["id"][1:])
            data.files["messages.csv"][key] = message_row(random_, key[0], number)
    for key, row in list(data.files["stage_changes.csv"].items()):
        if random_.random() < 0.35:
            number = int(row["id"][1:])
            data.files["stage_changes.csv"][key] = stage_row(random_, key[0], number)
    for key, row in list(data.files["ratings.csv"].items()):
        if random_.random() < 0.35:
            data.files["ratings.csv"][key] = rating_row(random_, key[0], int(row["id"][1:]))
    for account in ACCOUNTS:
        for number in range(60, 75):
            data.put(
                "messages.csv", (account, f"m{number:03d}"), message_row(random_, account, number)
            )
        for number in range(30, 36):
            data.put(
                "stage_changes.csv",
                (account, f"s{number:03d}"),
                stage_row(random_, account, number),
            )
    return data


def expected(data: Data) -> dict[str, set[tuple[object, ...]]]:
    """The derived tables, computed from the files' rows by the written rules."""
    users = data.files["users.csv"]
    customers = data.files["customers.csv"]
    conversations = data.files["conversations.csv"]
    bots = {key for key, row in users.items() if row["is_bot"] == "true"}
    country = {key: row["country"] or None for key, row in customers.items()}

    messages: set[tuple[object, ...]] = set()
    threads: dict[tuple[str, str], list[dict[str, object]]] = {}
    for (account, _), row in data.files["messages.csv"].items():
        by_bot_user = (account, row["author_id"]) in bots
        reply = (row["kind"] or "reply") == "reply"
        message = {
            "id": row["id"],
            "customer": row["author_type"] == "customer",
            "human": reply and row["author_type"] == "user" and not by_bot_user,
            "bot": reply and (row["author_type"] == "bot" or by_bot_user),
            "at": micros(row["created_at"]),
        }
        threads.setdefault((account, row["conversation_id"]), []).append(message)
    stats = {}
    for (account, conversation_id), thread in threads.items():
        thread.sort(key=lambda m: (m["at"], not m["customer"], m["id"]))
        waiting, first, human, bot = None, None, 0, 0
        for message in thread:
            seconds = None
            if message["customer"] and waiting is None:
                waiting = message["at"]
            if message["human"]:
                human += 1
                first = message["at"] if first is None else first
                if waiting is not None:
                    seconds = (message["at"] - waiting) / 1_000_000
                waiting = None
            bot += bool(message["bot"])
            conversation = conversations[(account, conversation_id)]
            messages.add(
                (
                    account,
                    message["id"],
                    conversation_id,
                    message["human"],
                    message["bot"],
                    seconds,
                    conversation["channel"],
                    conversation["inbox_id"],
                )
            )
        stats[(account, conversation_id)] = (first, human, bot)

    conversation_rows = set()
    for key, row in conversations.items():
        first, human, bot = stats.get(key, (None, 0, 0))
        customer = country.get((key[0], row["customer_id"])) if row["customer_id"] else None
        conversation_rows.add((*key, customer, first, human, bot))

    intervals = set()
    changes_by: dict[tuple[str, str], list[dict[str, str]]] = {}
    for (account, _), row in data.files["stage_changes.csv"].items():
        changes_by.setdefault((account, row["conversation_id"]), []).append(row)
    for key, changes in changes_by.items():
        conversation = conversations[key]
        if conversation["status"] != "closed":
            continue
        closed = micros(conversation["closed_at"])
        changes.sort(key=lambda c: (micros(c["entered_at"]), c["id"]))
        for stage in {(c["pipeline"], c["stage"]) for c in changes}:
            positions = [i for i, c in enumerate(changes) if (c["pipeline"], c["stage"]) == stage]
            entered = micros(changes[positions[0]]["entered_at"])
            last = positions[-1]
            left = micros(changes[last + 1]["entered_at"]) if last + 1 < len(changes) else closed
            intervals.add(
                (
                    *key,
                    *stage,
                    (left - entered) / 1_000_000,
                    closed,
                    conversation["assignee_id"] or None,
                    conversation["channel"],
                )
            )

    ratings = set()
    for (account, rating_id), row in data.files["ratings.csv"].items():
        conversation = conversations.get((account, row["conversation_id"]))
        customer_id = row["customer_id"] or (conversation or {}).get("customer_id") or None
        ratings.add(
            (
                account,
                rating_id,
                row["user_id"] or (conversation or {}).get("assignee_id") or None,
                customer_id,
                row["inbox_id"] or (conversation or {}).get("inbox_id") or None,
                row["channel"] or (conversation or {}).get("channel") or "external",
                row["country"] or country.get((account, customer_id or "")) or None,
            )
        )
    return {
        "messages": messages,
        "conversations": conversation_rows,
        "stage_intervals": intervals,
        "ratings": ratings,
    }


async def stored(engine: AsyncEngine) -> dict[str, set[tuple[object, ...]]]:
    m, c, s, r = tables.messages, tables.conversations, tables.stage_intervals, tables.ratings
    queries = {
        "messages": select(
            m.c.account_id,
            m.c.id,
            m.c.conversation_id,
            m.c.is_human_reply,
            m.c.is_bot_reply,
            m.c.response_seconds,
            m.c.channel,
            m.c.inbox_id,
        ),
        "conversations": select(
            c.c.account_id,
            c.c.id,
            c.c.country,
            c.c.first_response_at,
            c.c.human_replies,
            c.c.bot_replies,
        ),
        "stage_intervals": select(
            s.c.account_id,
            s.c.conversation_id,
            s.c.stage_pipeline,
            s.c.stage,
            s.c.seconds,
            s.c.closed_at,
            s.c.user_id,
            s.c.channel,
        ),
        "ratings": select(
            r.c.account_id,
            r.c.id,
            r.c.user_id,
            r.c.customer_id,
            r.c.inbox_id,
            r.c.channel,
            r.c.country,
        ),
    }
    async with engine.connect() as connection:
        result = {}
        for name, query in queries.items():
            rows = (await connection.execute(query)).all()
            result[name] = {tuple(_plain(value) for value in row) for row in rows}
        return result


def _plain(value: object) -> object:
    """Instants as integer microseconds, as the expectation computes them."""
    if isinstance(value, datetime):
        delta = value - EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return value


@pytest.mark.parametrize("seed", [1, 2])
async def test_derived_values_follow_every_kind_of_change(
    engine: AsyncEngine, tmp_path: Path, seed: int, capsys: pytest.CaptureFixture[str]
) -> None:
    random_ = random.Random(seed)
    data = first_data(random_)
    data.write(tmp_path / "first")
    assert await import_directory(engine, tmp_path / "first", progress=False)
    assert await stored(engine) == expected(data)

    data = changed_data(random_, data)
    data.write(tmp_path / "second")
    assert await import_directory(engine, tmp_path / "second", progress=False)
    assert await stored(engine) == expected(data)

    # The same files again: recognised by their fingerprints and not read.
    capsys.readouterr()
    assert await import_directory(engine, tmp_path / "second", progress=False)
    summaries = capsys.readouterr().err.splitlines()
    assert all("unchanged since its last import" in line for line in summaries), summaries
    assert await stored(engine) == expected(data)

    # Without the fingerprints, every row is read, derived and compared: nothing differs.
    async with engine.begin() as connection:
        await connection.execute(delete(tables.imported_files))
    assert await import_directory(engine, tmp_path / "second", progress=False)
    assert await stored(engine) == expected(data)
    summaries = capsys.readouterr().err.splitlines()
    assert all("(0 new or changed)" in line for line in summaries), summaries
    assert not any("unchanged" in line for line in summaries), summaries
