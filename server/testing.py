"""Rapport's test kit: pytest fixtures for plugin authors (and for Rapport's own tests).

Installed with Rapport and registered as the `pytest11` entry point `rapport`, so any project
whose tests run with Rapport installed (and `pytest`, `httpx`) has these fixtures, unasked:

- `rapport_database_url`: an empty, migrated database; each test runs once on SQLite and once on
  PostgreSQL. PostgreSQL is $RAPPORT_TEST_POSTGRES_URL (default: a local server); each test run
  creates its own database there and drops it at the end. When the variable is set and the server
  cannot be reached the run stops; when it is unset and no local server answers, PostgreSQL tests
  are skipped with the reason.
- `rapport_import(**files)`: imports CSV texts (`accounts="id,name\\nacme,Acme\\n"`) with
  `rapport import`'s importer; a file with an invalid row fails the test, naming the problem.
- `rapport_token(account_id, inboxes=())`: the secret of a new API token.
- `rapport_graphql(query, token=…, **variables)`: POSTs to `/graphql` of the real ASGI app over
  HTTP (httpx's ASGI transport) and returns `data`, failing the test on any GraphQL error;
  `rapport_graphql.post(…)` returns the whole response body instead.
- `postgres_database(server_url, prefix, options)`: a context manager giving a new database on a
  PostgreSQL server, created with `CREATE DATABASE` options (a collation, say), dropped at exit.

Fixtures and helpers are synchronous: use them from plain `def test_…` functions.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import textwrap
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx
    from anyio.from_thread import BlockingPortal

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


# --- databases --------------------------------------------------------------------------------


def _postgres_base() -> tuple[str | None, str]:
    """(URL or None, why not)."""
    import asyncpg

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
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _migrate(url: str) -> None:
    from server.db.engine import create_engine
    from server.db.migrate import upgrade

    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def _truncate(url: str) -> None:
    """Empty every table, and drop tables that neither the core nor an installed plugin declares
    (left by a test that ran `rapport` with another plugin installed), so each test starts alike."""
    from sqlalchemy import Connection, inspect, text

    from server.db.engine import create_engine
    from server.db.tables import metadata
    from server.plugins import registry

    tables = [*metadata.sorted_tables, *(table for _, table in registry().tables)]
    known = {table.name for table in tables} | {"alembic_version"}

    def strangers(connection: Connection) -> list[str]:
        return [name for name in inspect(connection).get_table_names() if name not in known]

    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for name in await connection.run_sync(strangers):
                await connection.execute(text(f'DROP TABLE "{name}"'))
            names = ", ".join(f'"{t.name}"' for t in tables)
            await connection.execute(text(f"TRUNCATE {names}"))
    finally:
        await engine.dispose()


@contextmanager
def postgres_database(server_url: str, prefix: str, options: str = "") -> Iterator[str]:
    """The URL of a new, empty database on the PostgreSQL server of `server_url`, created with
    the `CREATE DATABASE` `options` given (a collation, say); dropped at exit."""
    import asyncpg
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin_dsn = _asyncpg_dsn(server_url)

    async def admin(sql: str) -> None:
        connection = await asyncpg.connect(admin_dsn)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}" {options}'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def rapport_postgres_url() -> Iterator[str | None]:
    """A fresh PostgreSQL database for this test run, migrated; dropped at the end."""
    base, _why = _postgres_base()
    if base is None:
        yield None
        return
    with postgres_database(base, "rapport_test") as url:
        asyncio.run(_migrate(url))
        yield url


@pytest.fixture(scope="session")
def rapport_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate(f"sqlite:///{path}"))
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def rapport_database_url(
    request: pytest.FixtureRequest, tmp_path: Path, rapport_sqlite_template: Path
) -> Iterator[str]:
    """The URL of an empty, migrated database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "rapport.db"
        shutil.copy(rapport_sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("rapport_postgres_url")
    if url is None:
        pytest.skip(_postgres_base()[1])
    asyncio.run(_truncate(url))
    yield url


# --- data and tokens --------------------------------------------------------------------------


@pytest.fixture
def rapport_import(
    rapport_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., None]:
    """`rapport_import(accounts="id,name\\nacme,Acme\\n", inboxes=…)`: import CSV texts.

    Keyword names are the files' names without `.csv`; texts are dedented, so they can be
    indented triple-quoted strings. A refused file or row fails the test with the importer's
    message.
    """
    from server.db.engine import create_engine
    from server.ingest import import_directory

    def import_csv(**files: str) -> None:
        directory = tmp_path_factory.mktemp("csv")
        for name, text in files.items():
            (directory / f"{name}.csv").write_text(textwrap.dedent(text).lstrip("\n"))

        async def go() -> bool:
            engine = create_engine(rapport_database_url)
            try:
                return await import_directory(engine, directory, progress=False)
            finally:
                await engine.dispose()

        from server.errors import UserError

        try:
            imported = asyncio.run(go())
        except UserError as error:  # a header or file the importer refuses outright
            pytest.fail(f"the CSV import refused the files: {error}", pytrace=False)
        if not imported:
            pytest.fail("the CSV import rejected rows: its report is in the captured stderr")

    return import_csv


@pytest.fixture
def rapport_token(rapport_database_url: str) -> Callable[..., str]:
    """`rapport_token("acme", inboxes=["ib1"])`: the secret of a new token of that account."""
    from server.db.engine import create_engine
    from server.security.tokens import create_token

    def token(account_id: str, inboxes: Sequence[str] = ()) -> str:
        async def go() -> str:
            engine = create_engine(rapport_database_url)
            try:
                _info, secret = await create_token(engine, account_id, list(inboxes), "test")
                return secret
            finally:
                await engine.dispose()

        return asyncio.run(go())

    return token


# --- the API ----------------------------------------------------------------------------------


class GraphQLClient:
    """POST /graphql of the real ASGI app over HTTP (httpx's ASGI transport), from sync code.

    The app and its database engine live on an event loop of their own (an anyio portal
    thread), so the tests and the kit's other helpers stay plain functions.
    """

    def __init__(self, portal: BlockingPortal, client: httpx.AsyncClient) -> None:
        self._portal = portal
        self._client = client

    def post(self, query: str, *, token: str, **variables: Any) -> dict[str, Any]:
        """The whole response body (`data` and `errors`) of a request answered with 200."""
        request = partial(
            self._client.post,
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
        response = self._portal.call(request)
        assert response.status_code == 200, response.text
        return response.json()

    def __call__(self, query: str, *, token: str, **variables: Any) -> dict[str, Any]:
        """`data` of a response without errors."""
        body = self.post(query, token=token, **variables)
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture
def rapport_graphql(rapport_database_url: str) -> Iterator[GraphQLClient]:
    """A client of the app serving `rapport_database_url` with the installed plugins."""
    import httpx
    from anyio.from_thread import start_blocking_portal

    from server.app import create_app
    from server.settings import load_settings

    app = create_app(load_settings().with_database(rapport_database_url), dev=False)
    transport = httpx.ASGITransport(app=app)
    with start_blocking_portal() as portal:
        client = httpx.AsyncClient(transport=transport, base_url="http://rapport.test")
        try:
            yield GraphQLClient(portal, client)
        finally:
            portal.call(client.aclose)
            portal.call(app.state.engine.dispose)
