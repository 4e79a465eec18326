"""Load: concurrent heavy and light requests from two tenants against a real server (loopback).

    python bench/load.py                       # SQLite in a temporary folder
    python bench/load.py --database postgresql://postgres@127.0.0.1:5432/load

Writes two accounts with `--ratings` ratings each (the database must be empty, or new), starts
`rapport serve` on 127.0.0.1:`--port`, sends a fixed number of requests and stops: per tenant
`--heavy` heavy reports (1,000 groups, inside the cost budget) in parallel with `--light` light
requests one after another (/healthz, then a one-number report). Prints errors, p50 and p95 of
the light requests while heavy ones run, and the server's memory before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import insert, text

from server.db.migrate import migrated_engine
from server.db.tables import accounts, inboxes
from server.ingest.rollups import rebuild_account
from server.security.tokens import create_token

TENANTS = ("north", "south")
HEAVY = """{ report(filter: {from: "2026-03-01", to: "2026-03-31"}) {
  breakdown(by: [USER, HOUR], limit: 1000) { key csat { score responses } } } }"""
LIGHT = '{ report(filter: {from: "2026-03-01", to: "2026-03-07"}) { csat { score } } }'
MARCH_START, MARCH_MICROS = 1_772_323_200_000_000, 31 * 86_400 * 1_000_000


async def seed(url: str, ratings: int) -> dict[str, str]:
    """Two accounts with `ratings` csat ratings each; their tokens."""
    engine = await migrated_engine(url)
    tokens = {}
    try:
        for tenant in TENANTS:
            async with engine.begin() as connection:
                await connection.execute(insert(accounts).values(id=tenant, name=tenant))
                await connection.execute(
                    insert(inboxes).values(account_id=tenant, id=f"{tenant}-i", name="Support")
                )
                if engine.dialect.name == "postgresql":
                    numbers = f"WITH numbers AS (SELECT generate_series(1, {ratings})::bigint AS n)"
                else:
                    numbers = (
                        "WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM "
                        f"numbers WHERE n < {ratings})"
                    )
                await connection.execute(
                    text(
                        f"INSERT INTO ratings (account_id, id, survey, score, created_at, user_id, "
                        f"browser, os, channel) {numbers} SELECT :tenant, 'r' || n, 'csat', "
                        f"1 + n % 5, {MARCH_START} + (n * 7919) % {MARCH_MICROS}, "
                        "'u' || (n % 1000), 'Other', 'Other', 'chat' FROM numbers"
                    ),
                    {"tenant": tenant},
                )
                # written here rather than imported: count them into the rollups as import does
                await rebuild_account(connection, tenant)
            tokens[tenant] = (await create_token(engine, tenant, [], "load"))[1]
    finally:
        await engine.dispose()
    return tokens


def memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run(base: str, tokens: dict[str, str], heavy: int, light: int) -> dict[str, object]:
    errors: list[str] = []
    light_seconds: list[float] = []
    heavy_seconds: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:

        async def post(query: str, tenant: str) -> None:
            headers = {"Authorization": f"Bearer {tokens[tenant]}"}
            response = await http.post("/graphql", json={"query": query}, headers=headers)
            if response.status_code != 200 or "errors" in response.json():
                errors.append(f"{response.status_code} {response.text[:200]}")

        async def heavy_one(tenant: str) -> None:
            started = time.perf_counter()
            await post(HEAVY, tenant)
            heavy_seconds.append(time.perf_counter() - started)

        heavy_tasks = [
            asyncio.ensure_future(heavy_one(tenant)) for tenant in TENANTS for _ in range(heavy)
        ]
        for index in range(light):
            if all(task.done() for task in heavy_tasks):
                break  # only light requests made while heavy ones run are counted
            tenant = TENANTS[index % 2]
            started = time.perf_counter()
            health = await http.get("/healthz")
            if health.status_code != 200:
                errors.append(f"healthz {health.status_code}")
            await post(LIGHT, tenant)
            light_seconds.append(time.perf_counter() - started)
        await asyncio.gather(*heavy_tasks)
    return {"errors": errors, "light": light_seconds, "heavy": heavy_seconds}


def percentile(values: list[float], fraction: float) -> float:
    return (
        statistics.quantiles(values, n=100)[int(fraction * 100) - 1]
        if len(values) > 1
        else (values[0] if values else float("nan"))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="an empty database (default: a new SQLite file)")
    parser.add_argument("--port", type=int, default=8250)
    parser.add_argument("--ratings", type=int, default=40_000, help="per tenant")
    parser.add_argument("--heavy", type=int, default=4, help="heavy requests per tenant")
    parser.add_argument("--light", type=int, default=200, help="light requests at most")
    arguments = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="rapport-load-")
    url = arguments.database or f"sqlite:///{folder}/load.db"
    tokens = asyncio.run(seed(url, arguments.ratings))
    rapport = str(Path(sys.executable).parent / "rapport")
    server = subprocess.Popen(
        [rapport, "serve", "--database", url, "--host", "127.0.0.1", "--port", str(arguments.port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ,
    )
    base = f"http://127.0.0.1:{arguments.port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        before = memory_mb(server.pid)
        result = asyncio.run(run(base, tokens, arguments.heavy, arguments.light))
        after = memory_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)
    light, heavy = result["light"], result["heavy"]
    assert isinstance(light, list) and isinstance(heavy, list)
    print(f"database: {url.split('://')[0]}, {arguments.ratings:,} ratings per tenant")
    print(f"errors: {len(result['errors'])}")  # type: ignore[arg-type]
    for error in result["errors"][:5]:  # type: ignore[index]
        print(f"  {error}")
    print(
        f"heavy: {len(heavy)} requests, p50 {percentile(heavy, 0.5):.2f} s, max {max(heavy):.2f} s"
    )
    print(
        f"light while heavy ones run: {len(light)} requests (healthz + a small report), "
        f"p50 {percentile(light, 0.5) * 1000:.0f} ms, p95 {percentile(light, 0.95) * 1000:.0f} ms"
    )
    print(f"server memory: {before:.0f} MB before, {after:.0f} MB after")


if __name__ == "__main__":
    main()
