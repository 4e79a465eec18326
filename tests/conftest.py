"""Test databases: every database test runs on SQLite and on PostgreSQL.

The databases come from the test kit Rapport ships for plugin authors (`server/testing.py`, loaded
by pytest through its `pytest11` entry point): `database_url` is its `rapport_database_url`. See
there how PostgreSQL is chosen ($RAPPORT_TEST_POSTGRES_URL) and how each run makes its own database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db.engine import create_engine


@pytest.fixture
def database_url(rapport_database_url: str) -> str:
    """The URL of an empty, migrated database of each kind."""
    return rapport_database_url


@pytest.fixture(scope="session")
def sqlite_template(rapport_sqlite_template: Path) -> Path:
    """A migrated SQLite file (copy it before writing): the kit's."""
    return rapport_sqlite_template


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


class StatementCounter:
    """Counts the SQL statements an engine runs for the code (PRAGMAs and SQLAlchemy's own set-up
    excluded), those run natively on asyncpg included (server.metrics.native announces them)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.statements: list[str] = []
        event.listen(engine.sync_engine, "before_execute", self._record)

    def _record(self, _conn: object, statement: object, *_args: object) -> None:
        self.statements.append(str(statement))

    @property
    def count(self) -> int:
        return len(self.statements)

    def reset(self) -> None:
        self.statements.clear()


@pytest.fixture
def statements(engine: AsyncEngine) -> StatementCounter:
    return StatementCounter(engine)


# --- every statement a request runs, checked for its Scope --------------------------------------

_UNSCOPED: list[str] = []
_CHECKED = [0]


def _check_request_statement(_connection: object, statement: object, *_: object) -> None:
    """Record, across the whole run, any statement a request runs without its Scope's conditions
    (the engine refuses them too; this also catches one whose refusal a caller swallowed)."""
    from server.security.enforce import UnscopedStatement, check_statement, current_scope

    scope = current_scope.get()
    if scope is None:
        return
    _CHECKED[0] += 1
    try:
        check_statement(statement, scope)  # type: ignore[arg-type]
    except UnscopedStatement as error:
        _UNSCOPED.append(f"{error}: {str(statement)[:300]}")


@pytest.fixture(scope="session", autouse=True)
def every_request_statement_is_scoped() -> Iterator[None]:
    from sqlalchemy.engine import Engine

    event.listen(Engine, "before_execute", _check_request_statement)
    yield
    event.remove(Engine, "before_execute", _check_request_statement)
    assert not _UNSCOPED, "statements run without their Scope:\n" + "\n".join(_UNSCOPED)
