"""Derived values column by column, for a first load read by server.ingest.columnar: the same
values server.ingest.derive gives row by row (a test compares the tables both write)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import polars as pl

from server.ingest.derive import EXTERNAL_CHANNEL
from server.ingest.lookups import CONVERSATION_COLUMNS
from server.ingest.useragent import families

Stored = Mapping[str, pl.DataFrame]  # by entity: server.ingest.columnar.stored
_DIMENSIONS = ("team_id", "theme", "pipeline")


def derived(entity: str, records: pl.DataFrame, stored: Stored) -> pl.DataFrame:
    """The records with their derived columns."""
    deriver = _DERIVERS.get(entity)
    return records if deriver is None else deriver(records, stored)


def _conversations(records: pl.DataFrame, stored: Stored) -> pl.DataFrame:
    return _with_customer_country(records, stored, "customer_id").rename(
        {"customer_country": "country"}
    )


def _messages(records: pl.DataFrame, stored: Stored) -> pl.DataFrame:
    records = _with_conversation(records, stored)
    users = stored["users"].select("account_id", author_id="id", by_bot_user="is_bot")
    records = records.join(users, on=["account_id", "author_id"], how="left", maintain_order="left")
    reply = pl.col("kind") == "reply"
    by_bot_user = pl.col("by_bot_user").fill_null(False)
    return records.with_columns(
        inbox_id=pl.col("c_inbox_id"),
        customer_id=pl.col("c_customer_id"),
        country=pl.col("c_country"),
        channel=pl.col("c_channel"),
        is_human_reply=reply & (pl.col("author_type") == "user") & ~by_bot_user,
        is_bot_reply=reply & ((pl.col("author_type") == "bot") | by_bot_user),
        **_dimensions(),
    ).drop(_joined(records, "by_bot_user"))


def _ratings(records: pl.DataFrame, stored: Stored) -> pl.DataFrame:
    records = _with_conversation(records, stored).with_columns(
        customer_id=pl.coalesce("given_customer_id", "c_customer_id")
    )
    records = _with_customer_country(records, stored, "customer_id")
    agent = pl.col("user_agent").fill_null("")  # no user agent: families("") are Other's
    agents = records.select(agent.unique()).to_series().to_list()
    browsers = [families(text)[0] for text in agents]
    systems = [families(text)[1] for text in agents]
    return records.with_columns(
        user_id=pl.coalesce("given_user_id", "c_assignee_id"),
        inbox_id=pl.coalesce("given_inbox_id", "c_inbox_id"),
        channel=pl.coalesce("given_channel", "c_channel", pl.lit(EXTERNAL_CHANNEL)),
        country=pl.coalesce("given_country", "customer_country", "c_country"),
        browser=agent.replace_strict(agents, browsers, return_dtype=pl.String),
        os=agent.replace_strict(agents, systems, return_dtype=pl.String),
        **_dimensions(),
    ).drop(_joined(records, "customer_country"))


def _stage_changes(records: pl.DataFrame, stored: Stored) -> pl.DataFrame:
    records = _with_conversation(records, stored)
    return records.with_columns(inbox_id=pl.col("c_inbox_id")).drop(_joined(records))


def _with_conversation(records: pl.DataFrame, stored: Stored) -> pl.DataFrame:
    """The records with their conversation's columns, prefixed `c_` (all null without one)."""
    conversations = stored["conversations"].select(
        "account_id",
        conversation_id="id",
        **{f"c_{name}": name for name in CONVERSATION_COLUMNS},
    )
    return records.join(
        conversations, on=["account_id", "conversation_id"], how="left", maintain_order="left"
    )


def _with_customer_country(records: pl.DataFrame, stored: Stored, column: str) -> pl.DataFrame:
    """The records with the country of the customer in `column`, as `customer_country`."""
    customers = stored["customers"].select("account_id", id="id", customer_country="country")
    return records.join(
        customers.rename({"id": column}),
        on=["account_id", column],
        how="left",
        maintain_order="left",
    )


def _dimensions() -> dict[str, pl.Expr]:
    """The report dimensions every fact takes from its conversation."""
    return {name: pl.col(f"c_{name}") for name in _DIMENSIONS}


def _joined(records: pl.DataFrame, *others: str) -> list[str]:
    """The columns joined in for deriving, to drop once derived."""
    return [name for name in records.columns if name.startswith("c_")] + list(others)


_DERIVERS: dict[str, Callable[[pl.DataFrame, Stored], pl.DataFrame]] = {
    "conversations": _conversations,
    "messages": _messages,
    "ratings": _ratings,
    "stage_changes": _stage_changes,
}
