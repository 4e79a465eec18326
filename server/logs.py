"""What the server logs: one structured line per request, and nothing unbounded.

`RequestLog` writes `request id=… method=… path=… status=… duration_ms=… statements=…` once per
HTTP request (the id is also sent back as `X-Request-Id`). `CappedFormatter` cuts long messages
and tracebacks: a 95 KB time-zone name must not become a 97 KB log entry on every request. SQL
parameters never reach the logs: engines hide them (server.db.engine).
"""

from __future__ import annotations

import logging
import time
import uuid
from contextvars import ContextVar
from types import TracebackType

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_MESSAGE = 2_000  # characters of a logged message
MAX_TRACEBACK = 8_000  # characters of a logged traceback, its end (where the error is) kept

logger = logging.getLogger("rapport.request")

# Statements run by the current request: [count] (a list, so tasks the request starts add to it).
_statements: ContextVar[list[int] | None] = ContextVar("request_statements", default=None)


def count_statements(engine: AsyncEngine) -> None:
    """Count each statement `engine` runs towards the request running it."""

    def counted(*_: object) -> None:
        counter = _statements.get()
        if counter is not None:
            counter[0] += 1

    # before_execute, not before_cursor_execute: report statements run natively on asyncpg
    # are announced there (server.metrics.native)
    event.listen(engine.sync_engine, "before_execute", counted)


class RequestLog:
    """ASGI middleware: the one log line of each HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex[:16]
        counter = [0]
        _statements.set(counter)
        status = 500  # when the app fails before answering
        started = time.perf_counter()

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            logger.info(
                "request id=%s method=%s path=%s status=%d duration_ms=%.1f statements=%d",
                request_id,
                scope.get("method", ""),
                scope.get("path", "")[:200],
                status,
                (time.perf_counter() - started) * 1000,
                counter[0],
            )


# What sys.exc_info() returns, as logging.Formatter.formatException takes it.
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


class CappedFormatter(logging.Formatter):
    """A formatter whose messages and tracebacks are cut to a bounded size."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        return cap(super().formatMessage(record), MAX_MESSAGE)

    def formatException(self, ei: ExcInfo) -> str:  # noqa: N802 - logging's name
        text = super().formatException(ei)
        if len(text) <= MAX_TRACEBACK:
            return text
        return f"[traceback cut to its last {MAX_TRACEBACK} characters]\n…{text[-MAX_TRACEBACK:]}"


def cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… [{len(text) - limit} more characters]"


def configure_logging() -> None:
    """Rapport's loggers to stderr, capped (uvicorn configures only its own)."""
    handler = logging.StreamHandler()
    handler.setFormatter(CappedFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("rapport")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False
