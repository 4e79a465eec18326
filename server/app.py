"""The ASGI application: `POST /graphql` behind a bearer token, GraphiQL with dev, `GET /healthz`,
the dashboard at `/` (server/web), and CORS for the origins of $RAPPORT_CORS_ORIGINS.

Every GraphQL request is authenticated before strawberry sees it: no token, no Scope, no query,
not even in dev (the GraphiQL page itself is static and holds no data). The body is read here, up
to the limit, so an oversized request is refused before it is parsed.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import strawberry
from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from server.db.engine import create_engine
from server.errors import UserError
from server.guard import run_guarded
from server.http_body import check_body
from server.logs import RequestLog, count_statements
from server.responses import error_response
from server.schema.build import build_schema, internal_error
from server.schema.context import Context
from server.security.enforce import current_scope, enforce_scope
from server.security.scope import Scope as TokenScope
from server.security.tokens import authenticate
from server.settings import Limits, Settings, load_settings
from server.web import web_routes
from server.web.graphiql import graphiql_page
from server.web.hosts import is_loopback_host

logger = logging.getLogger("rapport.app")
SCOPE_KEY = "rapport.scope"  # where the authenticated Scope travels in the ASGI scope


def create_app(settings: Settings | None = None, *, dev: bool | None = None) -> Starlette:
    """The app; settings default to the environment, dev to $RAPPORT_DEV (GraphiQL on)."""
    settings = settings or load_settings()
    if dev is None:
        dev = os.environ.get("RAPPORT_DEV", "").strip().lower() in {"1", "true", "yes", "on"}
    demo_token = os.environ.get("RAPPORT_DEMO_TOKEN") or None
    engine = create_engine(
        settings.database_url,
        statement_timeout_seconds=settings.limits.statement_timeout_seconds,
        pool_size=settings.limits.database_pool_size,
    )
    count_statements(engine)
    enforce_scope(engine)
    endpoint = GraphQLEndpoint(
        GraphQLView(build_schema(settings), engine, settings),
        engine=engine,
        limits=settings.limits,
        graphiql=GraphiQL(demo_token) if dev else None,
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # What start-up built (schema, registry, modules) lives as long as the process: keep it
        # out of the collector's full passes, which otherwise stop the event loop for 0.1-0.2 s
        # at a time while a large report allocates its groups.
        gc.collect()
        gc.freeze()
        yield
        await engine.dispose()

    app = Starlette(
        routes=[Route("/graphql", endpoint), Route("/healthz", healthz), *web_routes(demo_token)],
        middleware=[Middleware(RequestLog), *cors(settings.cors_origins)],
        lifespan=lifespan,
    )
    app.state.engine = engine
    return app


def cors(origins: tuple[str, ...]) -> list[Middleware]:
    """Browser pages on these origins may call POST /graphql with a token (none by default)."""
    if not origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(origins),
            allow_methods=["POST"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )
    ]


async def healthz(request: Request) -> Response:
    """200 when the database answers."""
    try:
        async with request.app.state.engine.connect() as connection:
            await connection.execute(select(literal(1)))
    except Exception as error:
        logger.error("health check: the database does not answer", exc_info=error)
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})


class GraphQLView(GraphQL[Context, None]):
    """Strawberry's ASGI view, executing only what GraphQLEndpoint let through."""

    def __init__(self, schema: strawberry.Schema, engine: AsyncEngine, settings: Settings) -> None:
        super().__init__(schema, graphql_ide=None, allow_queries_via_get=False)
        self.engine = engine
        self.settings = settings

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        return Context(engine=self.engine, scope=request.scope[SCOPE_KEY], settings=self.settings)


class GraphQLEndpoint:
    """`/graphql`: GraphiQL on GET (dev only); on POST, token and body size, then strawberry."""

    def __init__(
        self, view: GraphQLView, *, engine: AsyncEngine, limits: Limits, graphiql: GraphiQL | None
    ) -> None:
        self.view = view
        self.engine = engine
        self.limits = limits
        self.max_body_bytes = limits.max_body_bytes
        self.graphiql = graphiql

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if request.method in ("GET", "HEAD") and self.graphiql is not None:
            await HTMLResponse(self.graphiql.page(request))(scope, receive, send)
            return
        if request.method != "POST":
            message = "send GraphQL requests with POST"
            if request.method in ("GET", "HEAD"):
                message += " (GraphiQL is served on GET only with --dev)"
            await error_response(405, message, {"Allow": "POST"})(scope, receive, send)
            return
        refusal, token_scope = await self.authenticate(request)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        body = await read_body(request, receive, self.max_body_bytes)
        if body is None:
            message = f"request body: over the limit of {self.max_body_bytes} bytes"
            await error_response(413, message)(scope, receive, send)
            return
        try:
            check_body(body)
        except UserError as error:
            await error_response(400, str(error))(scope, receive, send)
            return
        scope[SCOPE_KEY] = token_scope
        checked = current_scope.set(token_scope)  # every statement from here on is checked
        try:
            await run_guarded(self.view, self.limits, scope, replay(body, receive), send)
        finally:
            current_scope.reset(checked)

    async def authenticate(self, request: Request) -> tuple[Response | None, TokenScope | None]:
        challenge = {"WWW-Authenticate": "Bearer"}
        scheme, _, secret = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            message = "authentication required: send the header Authorization: Bearer <token>"
            return error_response(401, message, challenge), None
        try:
            token_scope = await authenticate(self.engine, secret.strip())
        except Exception as error:
            return error_response(500, internal_error(error, "authentication")), None
        if token_scope is None:
            return error_response(401, "invalid or revoked token", challenge), None
        return None, token_scope


async def read_body(request: Request, receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None when it is over `limit` bytes (read no further than that)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A receive channel that yields the already-read body, then the client's own messages."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


class GraphiQL:
    """The GraphiQL pages of `--dev`: the one holding the demo token goes only to requests whose
    Host is a loopback name, so that a page of another site whose name resolves to 127.0.0.1
    (DNS rebinding) cannot read the token; any other Host gets the page without it."""

    def __init__(self, demo_token: str | None) -> None:
        self.with_token = graphiql_page(demo_token)
        self.without_token = graphiql_page(None)

    def page(self, request: Request) -> str:
        loopback = is_loopback_host(request.headers.get("host", ""))
        return self.with_token if loopback else self.without_token
