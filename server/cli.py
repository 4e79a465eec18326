"""The `rapport` command line (SPEC section 3).

User mistakes end as one line on stderr and a non-zero exit; anything else is a bug and keeps its
traceback. Heavy modules are imported inside commands so that `rapport --help` stays fast.
"""

from __future__ import annotations

import asyncio
import errno
import os
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from server.errors import UserError
from server.settings import load_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

app = typer.Typer(
    help="Rapport: a GraphQL reporting backend for customer-support teams.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
token_app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
plugin_app = typer.Typer(help="Write plugins.", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(db_app, name="db")
app.add_typer(plugin_app, name="plugin")

console = Console()
T = TypeVar("T")

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="Database URL (sqlite:///file.db or postgresql://…); "
        "default: $RAPPORT_DATABASE_URL, else sqlite:///rapport.db",
        show_default=False,
    ),
]


def database_url(option: str | None) -> str:
    return load_settings().with_database(option).database_url


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


async def open_database(url: str) -> AsyncEngine:
    """An engine on `url` with the schema migrated to the newest version."""
    from server.db.migrate import migrated_engine

    return await migrated_engine(url)


@app.command()
def demo(
    database: DatabaseOption = None,
    size: Annotated[str, typer.Option(help="small or large (≥ 1M ratings)")] = "small",
    seed: Annotated[int, typer.Option(help="random seed")] = 1,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="serve the API after")] = True,
    port: Annotated[int, typer.Option(help="port to serve on")] = 8000,
) -> None:
    """Write a realistic demo data set, print a token and an example query, then serve."""
    from server.demo import write_demo
    from server.demo.plans import ACCOUNTS, FIRST_DAY, LAST_DAY

    if size not in ("small", "large"):
        raise UserError(f"--size: expected small or large, got {size!r}")
    url = database_url(database)
    secret = run(write_demo(url, size=size, seed=seed, console=console))
    query = '{"query": "{ report(filter: {from: \\"2026-01-01\\", to: \\"2026-01-31\\"}) { csat { score responses } } }"}'  # noqa: E501
    account = ACCOUNTS[0]
    console.print(
        f"\nAccount: [bold]{account.id}[/bold] ({account.name}), time zone {account.timezone}"
    )
    console.print(f"Data: {FIRST_DAY} to {LAST_DAY}")
    console.print(f"Token: [bold]{secret}[/bold]")
    month = f"from={LAST_DAY.replace(day=1)}&to={LAST_DAY}"
    console.print(
        f"Dashboard: http://127.0.0.1:{port}/?{month}" + (" (signed in)" if serve else "")
    )
    console.print("Try it:", style="bold")
    print(
        f"curl -s http://127.0.0.1:{port}/graphql -H 'Authorization: Bearer {secret}' "
        f"-H 'Content-Type: application/json' -d '{query}'"
    )
    if serve:
        _serve(url, host="127.0.0.1", port=port, workers=1, dev=True, demo_token=secret)


@app.command("import")
def import_(
    directory: Annotated[Path, typer.Argument(help="folder holding the CSV files")],
    database: DatabaseOption = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="write valid rows, reject the others")
    ] = False,
) -> None:
    """Import the CSV files of a folder (idempotent)."""
    from server.ingest import import_directory

    if not directory.is_dir():
        raise UserError(f"{directory}: not a directory")

    async def go() -> bool:
        engine = await open_database(database_url(database))
        try:
            return await import_directory(engine, directory, skip_invalid=skip_invalid)
        finally:
            await engine.dispose()

    if not run(go()):
        raise typer.Exit(1)


@token_app.command("create")
def token_create(
    account_id: str,
    inbox: Annotated[list[str] | None, typer.Option(help="restrict to this inbox")] = None,
    name: Annotated[str | None, typer.Option(help="a note to recognise it")] = None,
    database: DatabaseOption = None,
) -> None:
    """Create a token; its secret is printed once, as the last line."""
    from server.security.tokens import TokenInfo, create_token

    async def go() -> tuple[TokenInfo, str]:
        engine = await open_database(database_url(database))
        try:
            return await create_token(engine, account_id, inbox or [], name)
        finally:
            await engine.dispose()

    info, secret = run(go())
    print(f"created token {info.id} for account {account_id}", file=sys.stderr)
    print(secret)


@token_app.command("list")
def token_list(account_id: str, database: DatabaseOption = None) -> None:
    """List an account's tokens (never their secrets)."""
    from server.security.tokens import list_tokens

    async def go() -> list:
        engine = await open_database(database_url(database))
        try:
            return await list_tokens(engine, account_id)
        finally:
            await engine.dispose()

    table = Table("id", "name", "inboxes", "created", "revoked")
    for token in run(go()):
        table.add_row(
            token.id,
            token.name or "",
            ", ".join(token.inbox_ids) if token.inbox_ids else "(all)",
            token.created_at.isoformat(timespec="seconds"),
            token.revoked_at.isoformat(timespec="seconds") if token.revoked_at else "",
        )
    console.print(table)


@token_app.command("revoke")
def token_revoke(token_id: str, database: DatabaseOption = None) -> None:
    """Revoke a token: requests carrying it get 401 from now on."""
    from server.security.tokens import revoke_token

    async def go() -> None:
        engine = await open_database(database_url(database))
        try:
            await revoke_token(engine, token_id)
        finally:
            await engine.dispose()

    run(go())
    console.print(f"revoked {token_id}")


@app.command()
def serve(
    database: DatabaseOption = None,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option(min=1)] = 1,
    dev: Annotated[bool, typer.Option("--dev", help="serve GraphiQL on GET /graphql")] = False,
) -> None:
    """Serve POST /graphql and GET /healthz."""
    url = database_url(database)

    async def migrate() -> None:
        engine = await open_database(url)
        await engine.dispose()

    run(migrate())
    _serve(url, host=host, port=port, workers=workers, dev=dev)


def _serve(
    url: str, *, host: str, port: int, workers: int, dev: bool, demo_token: str | None = None
) -> None:
    import uvicorn

    from server.logs import configure_logging
    from server.plugins import registry

    load_settings()  # so does a bad RAPPORT_* value
    registry()  # a broken plugin stops here, before the server starts
    # Workers are separate processes: they read their settings from the environment.
    os.environ["RAPPORT_DATABASE_URL"] = url
    os.environ["RAPPORT_DEV"] = "1" if dev else ""
    if demo_token:
        os.environ["RAPPORT_DEMO_TOKEN"] = demo_token
    check_port_free(host, port)
    console.print(
        f"Serving http://{host}:{port}/ (dashboard) and /graphql"
        + (" (GraphiQL on)" if dev else "")
    )
    configure_logging()
    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,  # server.logs writes one line per request, with its id and statements
        # Stop within a few seconds of SIGTERM: requests still running then are cancelled.
        timeout_graceful_shutdown=3,
    )


def check_port_free(host: str, port: int) -> None:
    """A port in use is one line before "Serving …", not uvicorn's log and traceback."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        # as uvicorn binds: a port left in TIME_WAIT by a stopped server is free
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            reason = "already in use" if error.errno == errno.EADDRINUSE else error.strerror
            message = f"cannot serve on {host}:{port}: {reason} (choose another with --port)"
            raise UserError(message) from None


@app.command()
def schema() -> None:
    """Print the GraphQL schema (SDL) with every installed plugin."""
    from server.schema.build import build_schema

    write_out(build_schema().as_str() + "\n")


def write_out(text: str) -> None:
    """Text to stdout; a reader that stops early (`rapport schema | head`) is not an error."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # Nothing more to say, and nothing for Python to flush into the closed pipe at exit
        # (click would turn the error into exit 1).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


@app.command()
def plugins() -> None:
    """List installed plugins with their versions, metrics, dimensions and filters."""
    from server.hookspecs import API_VERSION
    from server.metrics.declarations import value_name
    from server.plugins import registry

    reg = registry()
    table = Table()
    for name in ("plugin", "version", "metrics", "values", "dimensions", "filters"):
        # a name wider than its column folds, never "…"
        table.add_column(name, overflow="fold", min_width=len(name))
    for plugin in reg.plugins:
        metrics = [m for m in reg.metrics if reg.owners[m.name] == plugin]
        dimensions = [d for d in reg.dimensions if reg.owners[d.name] == plugin]
        table.add_row(
            plugin,
            reg.versions[plugin],
            ", ".join(m.name for m in metrics),
            ", ".join(value_name(m.name, v) for m in metrics for v in m.values),
            ", ".join(d.name for d in dimensions),
            ", ".join(d.filter for d in dimensions if d.filter),
        )
    # In a terminal (or with $COLUMNS) the table fits its width; piped, every row stays whole.
    wide = not sys.stdout.isatty() and not os.environ.get("COLUMNS")
    output = Console(width=200 if wide else None)
    output.print(f"plugin API {API_VERSION}")
    output.print(table)


@plugin_app.command("new")
def plugin_new(
    name: Annotated[str, typer.Argument(help="the plugin's name, e.g. first_reply")],
    directory: Annotated[Path, typer.Option(help="where to create rapport-NAME/")] = Path("."),
) -> None:
    """Create a plugin package: pyproject.toml with the entry point, a metric, a test, a README."""
    from server.plugins import registry
    from server.scaffold import create_plugin

    installed = registry()
    taken = set(installed.plugins) | {metric.name for metric in installed.metrics}
    project = create_plugin(name, directory, taken)
    print(f"created {project}: pip install -e '{project}[test]', then run pytest there")


@db_app.command("upgrade")
def db_upgrade(database: DatabaseOption = None) -> None:
    """Apply database migrations."""

    async def go() -> None:
        engine = await open_database(database_url(database))
        await engine.dispose()

    run(go())
    console.print("database is up to date")


def main() -> None:
    try:
        app()
    except UserError as error:
        print(f"rapport: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
