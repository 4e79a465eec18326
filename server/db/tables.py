"""The tables of SPEC section 4, with the columns derived at import.

Every row belongs to an account; ids are the user's own strings, unique per (account, entity), so
primary keys are (account_id, id). Fact tables (conversations, messages, ratings, transactions,
stage_intervals) carry their report dimensions denormalised ("derived" below) so that reports
never join at query time, and an effective `inbox_id` so that inbox-scoped tokens filter every
fact the same way. Ingest keeps the derived columns true when a referenced row changes.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from server.db.types import Timestamp

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _account() -> Column[str]:
    return Column("account_id", String, nullable=False, primary_key=True)


def _id() -> Column[str]:
    return Column("id", String, nullable=False, primary_key=True)


def _source_hash() -> Column[int]:
    """A digest of the CSV row the row was last imported from, so that a re-import skips the
    rows it finds unchanged without validating them again (server.ingest.row_hashes)."""
    return Column("source_hash", BigInteger)


def _conversation_dimensions() -> list[Column[str]]:
    """Dimensions a fact takes from its conversation (derived)."""
    return [
        Column("channel", String),
        Column("team_id", String),
        Column("theme", String),
        Column("pipeline", String),
    ]


accounts = Table(
    "accounts",
    metadata,
    Column("id", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("timezone", String, nullable=False, default="UTC"),
)

inboxes = Table(
    "inboxes",
    metadata,
    _account(),
    _id(),
    Column("name", String, nullable=False),
)

users = Table(
    "users",
    metadata,
    _account(),
    _id(),
    Column("name", String, nullable=False),
    Column("email", String),
    Column("is_bot", Boolean, nullable=False, default=False),
)

teams = Table(
    "teams",
    metadata,
    _account(),
    _id(),
    Column("name", String, nullable=False),
)

team_members = Table(
    "team_members",
    metadata,
    _account(),
    Column("team_id", String, primary_key=True),
    Column("user_id", String, primary_key=True),
    Index("ix_team_members_user", "account_id", "user_id"),
)

customers = Table(
    "customers",
    metadata,
    _account(),
    _id(),
    _source_hash(),
    Column("name", String),
    Column("email", String),
    Column("country", String(2)),
)

conversations = Table(
    "conversations",
    metadata,
    _account(),
    _id(),
    _source_hash(),
    Column("number", BigInteger, nullable=False),
    Column("inbox_id", String, nullable=False),
    Column("customer_id", String),
    Column("status", String, nullable=False),
    Column("assignee_id", String),
    Column("created_at", Timestamp, nullable=False),
    Column("closed_at", Timestamp),
    *_conversation_dimensions(),
    # derived
    Column("country", String(2)),  # the customer's country
    Column("first_response_at", Timestamp),  # first human reply
    Column("human_replies", Integer, nullable=False, default=0),
    Column("bot_replies", Integer, nullable=False, default=0),
    UniqueConstraint("account_id", "number"),
    Index("ix_conversations_created", "account_id", "created_at"),
    Index("ix_conversations_closed", "account_id", "closed_at"),
    # covering: first response times are index-only scans (migration 0004)
    Index(
        "ix_conversations_first_response",
        "account_id",
        "first_response_at",
        "created_at",
        "inbox_id",
    ),
    Index("ix_conversations_assignee", "account_id", "assignee_id", "created_at"),
)

messages = Table(
    "messages",
    metadata,
    _account(),
    _id(),
    _source_hash(),
    Column("conversation_id", String, nullable=False),
    Column("author_type", String, nullable=False),
    Column("author_id", String),
    Column("kind", String, nullable=False, default="reply"),
    Column("created_at", Timestamp, nullable=False),
    # derived
    Column("inbox_id", String, nullable=False),
    Column("customer_id", String),
    Column("country", String(2)),
    *_conversation_dimensions(),
    Column("is_human_reply", Boolean, nullable=False, default=False),
    Column("is_bot_reply", Boolean, nullable=False, default=False),
    # For a human reply: seconds since the first customer message after the previous human reply.
    Column("response_seconds", Float),
    ForeignKeyConstraint(
        ["account_id", "conversation_id"], ["conversations.account_id", "conversations.id"]
    ),
    Index("ix_messages_created", "account_id", "created_at"),
    Index("ix_messages_conversation", "account_id", "conversation_id", "created_at"),
)

ratings = Table(
    "ratings",
    metadata,
    _account(),
    _id(),
    _source_hash(),
    Column("survey", String, nullable=False),
    Column("score", SmallInteger, nullable=False),
    Column("comment", Text),  # empty comments are stored as NULL
    Column("created_at", Timestamp, nullable=False),
    Column("conversation_id", String),
    Column("user_agent", Text),
    # as given in the file (NULL when the column was empty): kept so defaults can be re-derived
    Column("given_user_id", String),
    Column("given_customer_id", String),
    Column("given_channel", String),
    Column("given_inbox_id", String),
    Column("given_country", String(2)),
    # derived: the effective values reports and scopes use
    Column("user_id", String),
    Column("customer_id", String),
    Column("inbox_id", String),
    Column("country", String(2)),
    Column("browser", String, nullable=False, default="Other"),
    Column("os", String, nullable=False, default="Other"),
    Column("team_id", String),
    Column("theme", String),
    Column("pipeline", String),
    Column("channel", String, nullable=False, default="external"),
    ForeignKeyConstraint(
        ["account_id", "conversation_id"], ["conversations.account_id", "conversations.id"]
    ),
    Index("ix_ratings_created", "account_id", "created_at"),
    # covers survey metrics, their channel and user breakdowns and inbox scopes (index-only scans)
    Index(
        "ix_ratings_survey_covering",
        "account_id",
        "survey",
        "created_at",
        "score",
        "channel",
        "user_id",
        "inbox_id",
    ),
    Index("ix_ratings_user", "account_id", "user_id", "created_at"),
    Index("ix_ratings_conversation", "account_id", "conversation_id"),
)


def _rating_rollup(name: str, grain: str, *dimensions: Column[str]) -> Table:
    """Ratings counted per (account, local day or month, survey, score, inbox, dimensions).

    `grain` is the column holding the local day (days since 1970-01-01) in the account's time
    zone, or for monthly and quarterly rollups the local day that starts the month or quarter.
    Maintained by the importer (server.ingest.rollups) and read by the planner when they give the
    raw rows' answer exactly (server.metrics.rollups). One covering index: every read is
    index-only.
    """
    names = [d.name for d in dimensions]
    return Table(
        name,
        metadata,
        Column("account_id", String, nullable=False),
        Column(grain, Integer, nullable=False),
        Column("survey", String, nullable=False),
        Column("score", SmallInteger, nullable=False),
        Column("inbox_id", String),
        *dimensions,
        Column("n", Integer, nullable=False),  # how many ratings
        Index(
            f"ix_{name}_covering",
            "account_id",
            "survey",
            grain,
            "score",
            "inbox_id",
            *names,
            "n",
        ),
    )


rating_months = _rating_rollup("rating_months", "month")
rating_channel_months = _rating_rollup(
    "rating_channel_months", "month", Column("channel", String, nullable=False)
)
rating_days = _rating_rollup("rating_days", "day")
rating_channel_days = _rating_rollup(
    "rating_channel_days", "day", Column("channel", String, nullable=False)
)
rating_user_months = _rating_rollup("rating_user_months", "month", Column("user_id", String))
rating_user_quarters = _rating_rollup("rating_user_quarters", "quarter", Column("user_id", String))
rating_user_years = _rating_rollup("rating_user_years", "year", Column("user_id", String))


transactions = Table(
    "transactions",
    metadata,
    _account(),
    _id(),
    _source_hash(),
    # amount × AMOUNT_SCALE (server.db.types), exact on every database
    Column("amount_scaled", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("conversation_id", String),
    Column("given_customer_id", String),
    # derived
    Column("customer_id", String),
    Column("country", String(2)),
    Column("inbox_id", String),
    Column("user_id", String),  # the conversation's assignee
    *_conversation_dimensions(),
    ForeignKeyConstraint(
        ["account_id", "conversation_id"], ["conversations.account_id", "conversations.id"]
    ),
    Index("ix_transactions_created", "account_id", "created_at"),
    Index("ix_transactions_conversation", "account_id", "conversation_id"),
)

stage_changes = Table(
    "stage_changes",
    metadata,
    _account(),
    _id(),
    _source_hash(),
    Column("conversation_id", String, nullable=False),
    Column("pipeline", String, nullable=False),
    Column("stage", String, nullable=False),
    Column("entered_at", Timestamp, nullable=False),
    # derived
    Column("inbox_id", String, nullable=False),
    ForeignKeyConstraint(
        ["account_id", "conversation_id"], ["conversations.account_id", "conversations.id"]
    ),
    Index("ix_stage_changes_conversation", "account_id", "conversation_id", "entered_at"),
)

# Derived entirely from stage_changes and conversations: one row per (conversation, pipeline,
# stage) of a closed conversation, with HubSpot's time_in_X (SPEC section 7, timeInPipeline).
stage_intervals = Table(
    "stage_intervals",
    metadata,
    _account(),
    Column("conversation_id", String, primary_key=True),
    Column("stage_pipeline", String, primary_key=True),
    Column("stage", String, primary_key=True),
    Column("seconds", Float, nullable=False),
    Column("closed_at", Timestamp, nullable=False),  # the conversation's: the metric's time
    Column("inbox_id", String, nullable=False),
    Column("user_id", String),
    Column("customer_id", String),
    Column("country", String(2)),
    *_conversation_dimensions(),
    Index("ix_stage_intervals_closed", "account_id", "closed_at"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String, primary_key=True),  # public id, shown by `token list`
    Column("account_id", String, nullable=False),
    Column("name", String),
    Column("secret_hash", String, nullable=False, unique=True),  # sha256 hex of the secret
    Column("inbox_ids", JSON),  # null: every inbox of the account
    Column("created_at", Timestamp, nullable=False),
    Column("revoked_at", Timestamp),
)

# The files imported last, by name, when they were imported without a rejected row: a re-import
# of the same bytes by the same importer changes nothing, so it is skipped
# (server.ingest.unchanged).
imported_files = Table(
    "imported_files",
    metadata,
    Column("name", String, primary_key=True),  # the CSV file's name, e.g. messages.csv
    Column("fingerprint", String, nullable=False),  # sha256 hex: bytes, declaration, importer
    Column("rows", BigInteger, nullable=False),  # its rows, all imported
)
