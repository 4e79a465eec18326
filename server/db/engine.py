"""Turning a database URL into an async engine that behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

import math
import sqlite3
import time
from collections.abc import Callable
from contextvars import ContextVar
from functools import partial
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.util import await_

from server.errors import UserError

# The monotonic time by which the current request must be done (server.app sets it): on SQLite a
# statement is interrupted then, since cancelling the awaiting task leaves its thread running.
# (PostgreSQL cancels a statement whose task is cancelled: asyncpg sends the server a cancel.)
request_deadline: ContextVar[float] = ContextVar("request_deadline", default=math.inf)

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def async_url(url: str) -> str:
    """`sqlite:///x.db` -> `sqlite+aiosqlite:///x.db`; `postgresql://…` -> `postgresql+asyncpg://…`."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UserError(f"--database: not a database URL: {url!r}") from None
    backend = parsed.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise UserError(f"--database: unsupported database {backend!r} (use sqlite or postgresql)")
    return parsed.set(drivername=_ASYNC_DRIVERS[backend]).render_as_string(hide_password=False)


def create_engine(
    url: str, *, statement_timeout_seconds: float | None = None, pool_size: int = 10
) -> AsyncEngine:
    """An async engine for `url`, with per-connection set-up for each database.

    With `statement_timeout_seconds`, any statement running longer is stopped (serving requests);
    without, statements run as long as they need (imports, migrations).
    """
    url = async_url(url)
    if url.startswith("sqlite"):
        # aiosqlite hands these to sqlite3.connect, which it calls on its own worker thread.
        connect_args = {"timeout": 30, "factory": _SQLiteConnection}
        engine = create_async_engine(url, connect_args=connect_args, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _prepare_sqlite)
        if statement_timeout_seconds is not None:
            _limit_sqlite_statements(engine, statement_timeout_seconds)
        return engine
    # asyncpg prepares every statement, and PostgreSQL would soon keep a generic plan for it:
    # planned while a table was still small (during an import), such a plan goes on scanning
    # the whole table once it is large. Each execution is planned for its own values instead.
    # Report statements group by expressions PostgreSQL has no statistics for (local days,
    # buckets): it expects as many groups as rows and, within the default 4 MB work_mem, sorts
    # them on disk instead of hashing the few hundred groups there are (2.5× slower measured).
    server_settings = {
        "timezone": "UTC",
        "plan_cache_mode": "force_custom_plan",
        "work_mem": "64MB",
    }
    if statement_timeout_seconds is not None:
        server_settings["statement_timeout"] = str(int(statement_timeout_seconds * 1000))
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        # a failing statement's parameters (token hashes among them) stay out of errors and logs
        hide_parameters=True,
        connect_args={"server_settings": server_settings},
    )


def _prepare_sqlite(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-200000")  # 200 MB page cache
    cursor.close()


class _SQLiteConnection(sqlite3.Connection):
    """sqlite3's connection, with the function Rapport's SQL uses and SQLite lacks.

    The `factory` of sqlite3.connect: aiosqlite has no create_aggregate and no public way to run
    a call on a connection's worker thread, but it opens the connection there, with this class.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # No ordered-set aggregates in SQLite: one with PostgreSQL's percentile_cont semantics.
        # An aggregate window function, which SQLite runs as a plain aggregate too (step, then
        # finalize), rather than create_aggregate, which sqlite3's type stubs admit for
        # one-argument integer aggregates only.
        self.create_window_function("percentile_cont", 2, PercentileCont)


def _limit_sqlite_statements(engine: AsyncEngine, seconds: float) -> None:
    """SQLite has no statement timeout: a progress handler interrupts a statement past its
    deadline, set when the statement starts (the error reads "interrupted")."""

    def prepare(dbapi_connection: Any, record: Any) -> None:
        deadline = record.info["rapport_deadline"] = [math.inf]  # kept per DBAPI connection
        driver = dbapi_connection.driver_connection
        await_(driver.set_progress_handler(partial(_past, deadline), 10_000))

    def start(connection: Any, *_: Any) -> None:
        # (statements SQLAlchemy runs while it sets up a connection come before `prepare`)
        deadline = connection.info.get("rapport_deadline")
        if deadline is not None:
            deadline[0] = min(time.monotonic() + seconds, request_deadline.get())

    event.listen(engine.sync_engine, "connect", prepare)
    event.listen(engine.sync_engine, "before_cursor_execute", start)


def _past(deadline: list[float]) -> int:
    return int(time.monotonic() > deadline[0])


class PercentileCont:
    """`percentile_cont(value, fraction)`: the linearly interpolated percentile, NULLs ignored."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction = 0.5

    def _step(self, value: float | None, fraction: float) -> None:
        if value is not None:
            self.values.append(value)
        self.fraction = fraction

    def _inverse(self, value: float | None, fraction: float) -> None:
        """A row leaves the window frame (as a window function only)."""
        if value is not None:
            self.values.remove(value)

    # sqlite3's stubs declare these two as attributes holding any callable, not as methods.
    step: Callable[..., object] = _step
    inverse: Callable[..., object] = _inverse

    def value(self) -> float | None:
        """The percentile so far (as a window function only)."""
        return percentile_cont(self.values, self.fraction)

    def finalize(self) -> float | None:
        return percentile_cont(self.values, self.fraction)


def percentile_cont(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    values.sort()
    position = fraction * (len(values) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(values) - 1)
    return values[lower] + (values[upper] - values[lower]) * (position - lower)
