"""`rapport demo` end to end: the generated files land in the database row for row, twice without
change, and the token it prints opens the API."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
from rich.console import Console
from sqlalchemy import text

from server.app import create_app
from server.db.engine import create_engine
from server.demo import generate_csv, write_demo
from server.demo.sizes import SIZES
from server.security.tokens import authenticate
from server.settings import Settings

TABLES = (
    "accounts",
    "inboxes",
    "users",
    "teams",
    "team_members",
    "customers",
    "conversations",
    "messages",
    "ratings",
    "transactions",
    "stage_changes",
)


def csv_rows(directory: Path) -> dict[str, int]:
    """Data lines of each file (no field of the demo holds a line break)."""
    return {table: (directory / f"{table}.csv").read_bytes().count(b"\n") - 1 for table in TABLES}


async def database_rows(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return {
                table: await connection.scalar(text(f"SELECT count(*) FROM {table}"))
                for table in TABLES
            }
    finally:
        await engine.dispose()


async def demo_tokens(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            query = "SELECT count(*) FROM api_tokens WHERE account_id = 'acme' AND name = 'demo'"
            return await connection.scalar(text(query))
    finally:
        await engine.dispose()


async def test_demo_imports_every_row_twice_without_change(
    database_url: str, tmp_path: Path
) -> None:
    console = Console(stderr=True, quiet=True)
    generate_csv(tmp_path, size=SIZES["small"], seed=7, console=console)
    expected = csv_rows(tmp_path)

    first = await write_demo(database_url, size="small", seed=7, console=console)
    assert await database_rows(database_url) == expected
    second = await write_demo(database_url, size="small", seed=7, console=console)
    assert await database_rows(database_url) == expected
    assert first != second
    assert await demo_tokens(database_url) == 2

    engine = create_engine(database_url)
    try:
        for secret in (first, second):
            scope = await authenticate(engine, secret)
            assert scope is not None
            assert scope.account_id == "acme"
            assert scope.inbox_ids is None  # unscoped: every inbox
            assert scope.timezone == "Europe/Paris"
    finally:
        await engine.dispose()


async def test_cli_demo_prints_a_token_and_a_curl_line_that_work(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    result = subprocess.run(
        [_rapport(), "demo", "--no-serve", "--database", url],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 0, result.stderr
    curl = next(line for line in result.stdout.splitlines() if line.startswith("curl "))
    secret = re.search(r"Authorization: Bearer (\S+)'", curl).group(1)
    assert secret in result.stdout.replace(curl, "")  # also shown on its own
    body = json.loads(re.search(r"-d '(.+)'$", curl).group(1))

    app = create_app(Settings(database_url=url))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            answer = await client.post(
                "/graphql", json=body, headers={"Authorization": f"Bearer {secret}"}
            )
            refused = await client.post(
                "/graphql", json=body, headers={"Authorization": "Bearer rpt_not-a-token"}
            )
    finally:
        await app.state.engine.dispose()
    assert answer.status_code == 200, answer.text
    assert "errors" not in answer.json(), answer.json()
    assert answer.json()["data"]["report"]["csat"]["responses"] > 0
    assert refused.status_code == 401


def _rapport() -> str:
    """The console script installed beside this interpreter."""
    return str(Path(sys.executable).parent / "rapport")
