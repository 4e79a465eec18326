"""Test databases: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from $RAPPORT_TEST_POSTGRES_URL (default: the local server of this machine kind).
Each test run creates its own database there and drops it at the end; each test starts from empty
tables. When the variable is set and the server cannot be reached, the run fails loudly; when it is
not set and no local server answers, PostgreSQL tests are skipped with a visible reason.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db.engine import create_engine
from server.db.migrate import upgrade
from server.db.tables import metadata

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def _postgres_base() -> tuple[str | None, str]:
    """(URL or None, why not)."""
    url = os.environ.get("RAPPORT_TEST_POSTGRES_URL")
    explicit = url is not None
    url = url or DEFAULT_POSTGRES

    async def ping() -> None:
        connection = await asyncpg.connect(_asyncpg_dsn(url), timeout=5)
        await connection.close()

    try:
        asyncio.run(ping())
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        if explicit:
            pytest.exit(f"RAPPORT_TEST_POSTGRES_URL={url} cannot be reached: {error}", returncode=3)
        return None, f"no PostgreSQL at {url} ({error}); set RAPPORT_TEST_POSTGRES_URL"
    return url, ""


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A fresh PostgreSQL database for this test run, migrated; dropped at the end."""
    base, why = _postgres_base()
    if base is None:
        yield None
        return
    name = f"rapport_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin_dsn = _asyncpg_dsn(base)

    async def admin(sql: str) -> None:
        connection = await asyncpg.connect(admin_dsn)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        asyncio.run(_migrate(url))
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate(f"sqlite:///{path}"))
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """The URL of an empty, migrated database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "rapport.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_url")
    if url is None:
        pytest.skip(_postgres_base()[1])
    asyncio.run(_truncate(url))
    yield url


async def _truncate(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {names}"))
    finally:
        await engine.dispose()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


class StatementCounter:
    """Counts the SQL statements an engine runs (migrations and PRAGMAs excluded)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.statements: list[str] = []
        event.listen(engine.sync_engine, "before_cursor_execute", self._record)

    def _record(self, _conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not statement.lstrip().upper().startswith("PRAGMA"):
            self.statements.append(statement)

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
