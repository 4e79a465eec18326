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
    """Bring the database to the newest schema (a no-op when it is already there): the core's
    migrations, then the tables of the installed plugins (server/plugin_data.py)."""
    from server.plugin_data import create_tables
    from server.plugins import registry

    plugin_tables = registry().tables

    def run(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), "head")
        create_tables(connection, plugin_tables)

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def migrated_engine(url: str) -> AsyncEngine:
    """An engine on `url`, its database reachable and migrated; a database that cannot be
    reached (down, wrong host, no such database) is the user's mistake, said in one line."""
    engine = create_engine(url)
    folder = _sqlite_folder(engine)
    if folder is not None and not folder.is_dir():
        # said here: aiosqlite's failing connect would also print its worker thread's traceback
        await engine.dispose()
        raise UserError(f"cannot reach the database: folder {folder} does not exist")
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (OSError, DBAPIError) as error:
        await engine.dispose()
        reason = getattr(error, "orig", None) or error
        raise UserError(f"cannot reach the database: {reason}") from None
    await upgrade(engine)
    return engine


def _sqlite_folder(engine: AsyncEngine) -> Path | None:
    """The folder of a SQLite database file (None for PostgreSQL and in-memory SQLite)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database).absolute().parent
