"""Applying Alembic migrations, from the CLI or from any command that opens the database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db.engine import create_engine
from server.errors import UserError

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the database to the newest schema (a no-op when it is already there)."""

    def run(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), "head")

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def migrated_engine(url: str) -> AsyncEngine:
    """An engine on `url`, its database reachable and migrated; a database that cannot be
    reached (down, wrong host, no such database) is the user's mistake, said in one line."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (OSError, DBAPIError) as error:
        await engine.dispose()
        reason = getattr(error, "orig", None) or error
        raise UserError(f"cannot reach the database: {reason}") from None
    await upgrade(engine)
    return engine
