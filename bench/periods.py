"""Benchmark: the survey dashboard over a year against the same dashboard over a quarter.

Runs the survey dashboard of the peer benchmark (headline and previous period of four surveys, a
day series, CSAT by channel, the top 20 agents with labels) in-process, alternating the periods
in one run, on the peer benchmark's data (`../shared/peer-benchmark`, year 2026, account acme):

    rapport import /tmp/peers/data --database sqlite:///bench/data/peer.db
    python bench/periods.py --database sqlite:///bench/data/peer.db

The same with a `postgresql://…` URL. The goal (issue 9) is a year at most 2× a quarter.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from server.db.engine import create_engine
from server.schema.build import build_schema
from server.schema.context import Context
from server.security.scope import Scope
from server.settings import load_settings

ACCOUNT = "acme"
TIMEZONE = "America/New_York"
PERIODS = {
    "Q1 2026 (previous: Q4 2025, empty)": ("2026-01-01", "2026-03-31"),
    "Q2 2026 (previous: Q1 2026)": ("2026-04-01", "2026-06-30"),
    "year 2026 (previous: 2025, empty)": ("2026-01-01", "2026-12-31"),
}
DASHBOARD = """
query Dashboard($f: ReportFilter!) {
  report(filter: $f) {
    ...Headline
    previous { ...Headline }
    series(granularity: DAY) { start csat { score responses } }
    byChannel: breakdown(by: [CHANNEL]) { key label csat { score responses average } }
    agents: breakdown(by: [USER], orderBy: CSAT_RESPONSES, limit: 20) {
      key label csat { score responses }
    }
  }
}

fragment Headline on Report {
  csat { score responses average }
  nps { score responses }
  ces { score responses }
  happiness { score responses great okay notGood }
}
"""


async def main(url: str, runs: int) -> None:
    engine = create_engine(url)
    schema = build_schema()
    context_settings = load_settings()

    async def dashboard(first: str, last: str) -> float:
        context = Context(
            engine=engine, scope=Scope(ACCOUNT, None, TIMEZONE), settings=context_settings
        )
        variables = {"f": {"from": first, "to": last}}
        start = time.perf_counter()
        result = await schema.execute(DASHBOARD, variable_values=variables, context_value=context)
        elapsed = time.perf_counter() - start
        assert result.errors is None, result.errors
        return elapsed

    for first, last in PERIODS.values():  # warm caches and connections
        await dashboard(first, last)
    times: dict[str, list[float]] = {name: [] for name in PERIODS}
    for _ in range(runs):  # alternate, so that load on the machine hits every period alike
        for name, (first, last) in PERIODS.items():
            times[name].append(await dashboard(first, last))
    await engine.dispose()
    year = statistics.median(times["year 2026 (previous: 2025, empty)"])
    print(f"database: {engine.dialect.name}; {runs} runs of each, alternating")
    for name, measured in times.items():
        median = statistics.median(measured)
        print(f"{name:36} median {median * 1000:8.1f} ms   year / this {year / median:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="URL of a database holding the data")
    parser.add_argument("--runs", type=int, default=15)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.database, arguments.runs))
