"""The Alembic migrations create exactly the tables the code declares, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db.tables import metadata


async def test_migrations_match_the_declared_tables(engine: AsyncEngine) -> None:
    def diff(connection):
        return compare_metadata(MigrationContext.configure(connection), metadata)

    async with engine.connect() as connection:
        assert await connection.run_sync(diff) == []
