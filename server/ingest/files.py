"""The eleven CSV files of SPEC section 4, declared: columns, parsers, references, row rules.

A file's parsed row is a *record*: a dict keyed by table column (a rating's `user_id` column is
stored as `given_user_id`, so that the default can be re-derived when its conversation changes).
Cells that are missing or invalid leave their column out of the record, so row rules can tell
"empty" (None) from "unknown" (absent) and stay quiet about the latter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Table

from server.db import tables
from server.ingest import parse
from server.ingest.parse import Parser

Record = dict[str, object]
# A row rule yields (column, message) for each problem that involves more than one cell.
Rule = Callable[[Record], Iterator[tuple[str, str]]]

# Each survey's score scale (SPEC section 4).
SCALES: dict[str, tuple[int, int]] = {
    "csat": (1, 5),
    "nps": (0, 10),
    "ces": (1, 7),
    "happiness": (1, 3),
}


@dataclass(frozen=True)
class Field:
    name: str  # the header name in the CSV
    parse: Parser | None = None  # None: the text as given
    required: bool = False
    default: object = None  # the value of an empty cell or a missing column
    column: str | None = None  # the table column, when it is not `name`
    references: str | None = None  # the entity (table) holding this id, in the row's account
    unique: bool = False  # unique per account, across the file and the database

    @property
    def target(self) -> str:
        return self.column or self.name


@dataclass(frozen=True)
class CsvFile:
    name: str
    table: Table
    fields: tuple[Field, ...]
    key: tuple[str, ...]  # the record columns that identify a row (the table's primary key)
    rule: Rule | None = None
    rule_reads: tuple[str, ...] = ()  # the record columns `rule` reads

    @property
    def entity(self) -> str:
        return self.table.name

    @property
    def references(self) -> frozenset[str]:
        """The entities this file points at, hence the files that must be imported before."""
        return frozenset(f.references for f in self.fields if f.references)


def _account() -> Field:
    return Field("account_id", required=True, references="accounts")


def _id() -> Field:
    return Field("id", required=True)


def _conversation_rule(record: Record) -> Iterator[tuple[str, str]]:
    if "status" not in record or "closed_at" not in record:
        return
    closed_at = record["closed_at"]
    if record["status"] == "closed":
        if closed_at is None:
            yield "closed_at", "required when status is closed"
    elif closed_at is not None:
        yield "closed_at", f"must be empty when status is {record['status']}"
    created_at = record.get("created_at")
    # Timestamps parse to integer microseconds.
    if isinstance(closed_at, int) and isinstance(created_at, int) and closed_at < created_at:
        yield "closed_at", "is before created_at"


def _message_rule(record: Record) -> Iterator[tuple[str, str]]:
    if "author_type" not in record or "author_id" not in record:
        return
    author_type = record["author_type"]
    if author_type == "customer":
        # The author of a message is a user; a customer message names none (its conversation
        # names the customer), and a user id there would credit an agent with it.
        if record["author_id"] is not None:
            yield "author_id", "must be empty when author_type is customer"
    elif record["author_id"] is None:
        yield "author_id", f"required when author_type is {author_type}"


def _rating_rule(record: Record) -> Iterator[tuple[str, str]]:
    if "survey" not in record or "score" not in record:
        return
    survey, score = record["survey"], record["score"]
    # Present cells parsed: one of the SCALES, an integer.
    assert isinstance(survey, str) and isinstance(score, int)
    low, high = SCALES[survey]
    if not low <= score <= high:
        yield "score", f"{score} is outside the {survey} scale {low}–{high}"


FILES: tuple[CsvFile, ...] = (
    CsvFile(
        "accounts.csv",
        tables.accounts,
        (
            _id(),
            Field("name", required=True),
            Field("timezone", parse.timezone, default="UTC"),
        ),
        key=("id",),
    ),
    CsvFile(
        "inboxes.csv",
        tables.inboxes,
        (_account(), _id(), Field("name", required=True)),
        key=("account_id", "id"),
    ),
    CsvFile(
        "users.csv",
        tables.users,
        (
            _account(),
            _id(),
            Field("name", required=True),
            Field("email"),
            Field("is_bot", parse.boolean, default=False),
        ),
        key=("account_id", "id"),
    ),
    CsvFile(
        "teams.csv",
        tables.teams,
        (_account(), _id(), Field("name", required=True)),
        key=("account_id", "id"),
    ),
    CsvFile(
        "team_members.csv",
        tables.team_members,
        (
            _account(),
            Field("team_id", required=True, references="teams"),
            Field("user_id", required=True, references="users"),
        ),
        key=("account_id", "team_id", "user_id"),
    ),
    CsvFile(
        "customers.csv",
        tables.customers,
        (
            _account(),
            _id(),
            Field("name"),
            Field("email"),
            Field("country", parse.country),
        ),
        key=("account_id", "id"),
    ),
    CsvFile(
        "conversations.csv",
        tables.conversations,
        (
            _account(),
            _id(),
            Field("number", parse.integer, required=True, unique=True),
            Field("inbox_id", required=True, references="inboxes"),
            Field("customer_id", references="customers"),
            Field("channel", parse.slug, required=True),
            Field("status", parse.one_of("open", "pending", "closed", "spam"), required=True),
            Field("theme"),
            Field("assignee_id", references="users"),
            Field("team_id", references="teams"),
            Field("pipeline"),
            Field("created_at", parse.timestamp, required=True),
            Field("closed_at", parse.timestamp),
        ),
        key=("account_id", "id"),
        rule=_conversation_rule,
        rule_reads=("status", "closed_at", "created_at"),
    ),
    CsvFile(
        "messages.csv",
        tables.messages,
        (
            _account(),
            _id(),
            Field("conversation_id", required=True, references="conversations"),
            Field("author_type", parse.one_of("customer", "user", "bot"), required=True),
            Field("author_id", references="users"),
            Field("kind", parse.one_of("reply", "note"), default="reply"),
            Field("created_at", parse.timestamp, required=True),
        ),
        key=("account_id", "id"),
        rule=_message_rule,
        rule_reads=("author_type", "author_id"),
    ),
    CsvFile(
        "ratings.csv",
        tables.ratings,
        (
            _account(),
            _id(),
            Field("survey", parse.one_of(*SCALES), required=True),
            Field("score", parse.integer, required=True),
            Field("comment"),
            Field("created_at", parse.timestamp, required=True),
            Field("conversation_id", references="conversations"),
            Field("user_id", column="given_user_id", references="users"),
            Field("customer_id", column="given_customer_id", references="customers"),
            Field("channel", parse.slug, column="given_channel"),
            Field("inbox_id", column="given_inbox_id", references="inboxes"),
            Field("country", parse.country, column="given_country"),
            Field("user_agent"),
        ),
        key=("account_id", "id"),
        rule=_rating_rule,
        rule_reads=("survey", "score"),
    ),
    CsvFile(
        "transactions.csv",
        tables.transactions,
        (
            _account(),
            _id(),
            Field("amount", parse.amount, required=True, column="amount_scaled"),
            Field("currency", parse.currency, required=True),
            Field("created_at", parse.timestamp, required=True),
            Field("conversation_id", references="conversations"),
            Field("customer_id", column="given_customer_id", references="customers"),
        ),
        key=("account_id", "id"),
    ),
    CsvFile(
        "stage_changes.csv",
        tables.stage_changes,
        (
            _account(),
            _id(),
            Field("conversation_id", required=True, references="conversations"),
            Field("pipeline", required=True),
            Field("stage", required=True),
            Field("entered_at", parse.timestamp, required=True),
        ),
        key=("account_id", "id"),
    ),
)

BY_NAME: dict[str, CsvFile] = {f.name: f for f in FILES}
BY_ENTITY: dict[str, CsvFile] = {f.entity: f for f in FILES}
