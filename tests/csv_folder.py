"""Writing small CSV folders for tests that go through the real importer."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from server.ingest import import_directory

HEADERS = {
    "accounts.csv": ["id", "name", "timezone"],
    "inboxes.csv": ["account_id", "id", "name"],
    "users.csv": ["account_id", "id", "name", "email", "is_bot"],
    "customers.csv": ["account_id", "id", "name", "email", "country"],
    "conversations.csv": [
        "account_id",
        "id",
        "number",
        "inbox_id",
        "customer_id",
        "channel",
        "status",
        "theme",
        "assignee_id",
        "team_id",
        "pipeline",
        "created_at",
        "closed_at",
    ],  # fmt: skip
    "messages.csv": [
        "account_id",
        "id",
        "conversation_id",
        "author_type",
        "author_id",
        "kind",
        "created_at",
    ],  # fmt: skip
    "stage_changes.csv": [
        "account_id",
        "id",
        "conversation_id",
        "pipeline",
        "stage",
        "entered_at",
    ],  # fmt: skip
}


async def import_rows(
    engine: AsyncEngine, directory: Path, files: dict[str, list[list[str]]]
) -> None:
    """Write each file's rows (account_id first where the file has it) and import the folder."""
    directory.mkdir(exist_ok=True)
    for name, rows in files.items():
        with (directory / name).open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(HEADERS[name])
            writer.writerows(rows)
    assert await import_directory(engine, directory, progress=False)
