"""Benchmark: the dashboard query of SPEC section 10 against hand-written SQL, in one run.

Load the benchmark data first (≥ 1M ratings):

    rapport demo --size large --no-serve --database sqlite:///bench/data/large.db
    python bench/dashboard.py --database sqlite:///bench/data/large.db

The same with a `postgresql://…` URL. Both sides run alternately on the same database and
connections, so the printed ratio holds even on a noisy machine; absolute times do not.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db.engine import create_engine
from server.metrics.time import Period
from server.schema.build import build_schema
from server.schema.context import Context
from server.security.scope import Scope
from server.settings import load_settings

ACCOUNT = "acme"
# The account's own zone (the Scope's, which rollups are kept in, server/metrics/rollups.py); a
# report in another zone reads the raw rows.
TIMEZONE = "America/New_York"
FIRST, LAST = date(2026, 6, 1), date(2026, 6, 30)  # no DST change inside: simple hand-written SQL

DASHBOARD = """
query Dashboard($f: ReportFilter!) { report(filter: $f) {
  csat { score responses satisfied average }
  nps { score promoters passives detractors }
  ces { score responses }
  happiness { score great okay notGood }
  previous { csat { score responses } nps { score } ces { score } happiness { score } }
  series(granularity: DAY) { start csat { score responses } }
  byChannel: breakdown(by: [CHANNEL]) { key csat { score responses } nps { score } }
  agents: breakdown(by: [USER], orderBy: CSAT_SCORE, limit: 20) {
    key label csat { score responses }
  }
  firstResponseTime { median p90 }
  volume { created repliesSent }
} }
"""

SURVEY_TOTALS = """
SELECT survey, count(*) AS responses,
       sum(CASE WHEN score >= 4 THEN 1 ELSE 0 END) AS four_plus,
       sum(CASE WHEN score >= 9 THEN 1 ELSE 0 END) AS nine_plus,
       sum(CASE WHEN score BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS seven_eight,
       sum(CASE WHEN score <= 6 THEN 1 ELSE 0 END) AS six_less,
       sum(CASE WHEN score = 3 THEN 1 ELSE 0 END) AS three,
       sum(CASE WHEN score = 2 THEN 1 ELSE 0 END) AS two,
       sum(CASE WHEN score = 1 THEN 1 ELSE 0 END) AS one,
       sum(score) AS total
FROM ratings
WHERE account_id = :account AND survey IN ('csat', 'nps', 'ces', 'happiness')
  AND created_at >= :start AND created_at < :end
GROUP BY survey
"""
DAILY_CSAT = """
SELECT (created_at + :offset) / 86400000000 AS day, count(*),
       sum(CASE WHEN score >= 4 THEN 1 ELSE 0 END)
FROM ratings
WHERE account_id = :account AND survey = 'csat' AND created_at >= :start AND created_at < :end
GROUP BY (created_at + :offset) / 86400000000
"""
BY_CHANNEL = """
SELECT channel, survey, count(*), sum(CASE WHEN score >= 4 THEN 1 ELSE 0 END),
       sum(CASE WHEN score >= 9 THEN 1 ELSE 0 END), sum(CASE WHEN score <= 6 THEN 1 ELSE 0 END)
FROM ratings
WHERE account_id = :account AND survey IN ('csat', 'nps')
  AND created_at >= :start AND created_at < :end
GROUP BY channel, survey
"""
TOP_AGENTS = """
SELECT ratings.user_id, users.name, count(*) AS responses,
       sum(CASE WHEN score >= 4 THEN 1 ELSE 0 END) * 100.0 / count(*) AS score
FROM ratings LEFT JOIN users ON users.account_id = ratings.account_id AND users.id = ratings.user_id
WHERE ratings.account_id = :account AND survey = 'csat'
  AND created_at >= :start AND created_at < :end
GROUP BY ratings.user_id, users.name
ORDER BY score DESC, ratings.user_id LIMIT 20
"""
CREATED = """
SELECT count(*) FROM conversations
WHERE account_id = :account AND status <> 'spam' AND created_at >= :start AND created_at < :end
"""
REPLIES_SENT = """
SELECT count(*) FROM messages
WHERE account_id = :account AND is_human_reply AND created_at >= :start AND created_at < :end
"""
# percentile_cont is an ordered-set aggregate on PostgreSQL, a plain aggregate on SQLite
FIRST_RESPONSE = {
    "postgresql": """
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY (first_response_at - created_at) / 1e6),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY (first_response_at - created_at) / 1e6)
FROM conversations
WHERE account_id = :account AND first_response_at >= :start AND first_response_at < :end
""",
    "sqlite": """
SELECT percentile_cont((first_response_at - created_at) / 1e6, 0.5),
       percentile_cont((first_response_at - created_at) / 1e6, 0.9)
FROM conversations
WHERE account_id = :account AND first_response_at >= :start AND first_response_at < :end
""",
}


async def hand_written(engine: AsyncEngine) -> None:
    period = Period(FIRST, LAST, TIMEZONE)
    previous = Period(date(2026, 5, 2), date(2026, 5, 31), TIMEZONE)
    offset, changes = period.offsets()
    assert not changes, "the hand-written SQL takes one offset for the whole period"
    now = {"account": ACCOUNT, "start": period.start, "end": period.end}
    before = {"account": ACCOUNT, "start": previous.start, "end": previous.end}
    statements = [
        (SURVEY_TOTALS, now),
        (SURVEY_TOTALS, before),
        (DAILY_CSAT, {**now, "offset": offset}),
        (BY_CHANNEL, now),
        (TOP_AGENTS, now),
        (FIRST_RESPONSE[engine.dialect.name], now),
        (CREATED, now),
        (REPLIES_SENT, now),
    ]

    async def run(sql: str, parameters: dict[str, Any]) -> None:
        async with engine.connect() as connection:
            (await connection.execute(text(sql), parameters)).all()

    await asyncio.gather(*(run(sql, parameters) for sql, parameters in statements))


async def graphql(
    engine: AsyncEngine, split_metrics: bool, share_scans: bool = False, rollups: bool = False
) -> None:
    settings = replace(
        load_settings(), split_metrics=split_metrics, share_scans=share_scans, rollups=rollups
    )
    context = Context(engine=engine, scope=Scope(ACCOUNT, None, TIMEZONE), settings=settings)
    variables = {"f": {"from": FIRST.isoformat(), "to": LAST.isoformat()}}
    result = await SCHEMA.execute(DASHBOARD, variable_values=variables, context_value=context)
    assert result.errors is None, result.errors
    assert len(result.data["report"]["series"]) == 30  # type: ignore[index]


SCHEMA = build_schema()


async def timed(run: Callable[[], Awaitable[None]]) -> float:
    start = time.perf_counter()
    await run()
    return time.perf_counter() - start


async def main(url: str, runs: int) -> None:
    engine = create_engine(url)
    statements: list[str] = []
    # before_execute: report statements run natively on asyncpg are announced there
    event.listen(engine.sync_engine, "before_execute", lambda *a: statements.append(str(a[1])))
    # GROUPING SETS on PostgreSQL only (server/metrics/shared_scans.py)
    share = engine.dialect.name == "postgresql"
    sides: dict[str, Callable[[], Awaitable[None]]] = {
        "per fact, raw rows": lambda: graphql(engine, False, share),
        "per metric, raw rows": lambda: graphql(engine, True, share),
        "per metric, rollups (default)": lambda: graphql(engine, True, share, True),
        "hand-written SQL": lambda: hand_written(engine),
    }
    times: dict[str, list[float]] = {name: [] for name in sides}
    counts: dict[str, int] = {}
    for run in sides.values():  # warm caches and connections on every side
        await run()
    for _ in range(runs):  # alternate, so that load on the machine hits every side alike
        for name, run in sides.items():
            statements.clear()
            times[name].append(await timed(run))
            counts[name] = sum(not s.lstrip().upper().startswith("PRAGMA") for s in statements)
    await engine.dispose()
    baseline = statistics.median(times["hand-written SQL"])
    print(f"database: {engine.dialect.name}; {runs} runs of each, alternating")
    for name, measured in times.items():
        median = statistics.median(measured)
        print(
            f"{name:43} median {median * 1000:8.1f} ms  {counts[name]:2} statements  "
            f"ratio {median / baseline:.2f} (goal ≤ 1.3)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="URL of a database holding the demo data")
    parser.add_argument("--runs", type=int, default=15)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.database, arguments.runs))
