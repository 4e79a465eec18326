"""Snapshots of the SQL the planner generates for representative report queries.

A change in generated SQL shows up in review as a change to tests/snapshots/*.sql. After an
intended change, regenerate them with `RAPPORT_UPDATE_SNAPSHOTS=1 pytest tests/test_sql_snapshots.py`.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from server.metrics.executor import compile_plan, compile_queries
from server.metrics.planner import plan_query
from server.metrics.query import Filter, Grouping, Order, Query
from server.metrics.shared_scans import CompiledScan
from server.metrics.time import Granularity, Period
from server.plugins import registry
from server.security.scope import Scope

SNAPSHOTS = Path(__file__).parent / "snapshots"
MARCH_NEW_YORK = Period(date(2026, 3, 1), date(2026, 3, 31), "America/New_York")
SCOPED = Scope("acme", frozenset({"ib1", "ib2"}))

QUERIES = {
    "headline_surveys": Query(
        Scope("acme"),
        Filter(MARCH_NEW_YORK),
        Grouping(),
        frozenset({(("csat", ()), "score"), (("nps", ()), "score")}),
    ),
    "day_series_across_dst": Query(
        Scope("acme"),
        Filter(MARCH_NEW_YORK),
        Grouping((), Granularity.DAY),
        frozenset({(("csat", ()), "responses")}),
    ),
    "top_agents_filtered_scoped": Query(
        SCOPED,
        Filter(MARCH_NEW_YORK, (("CHANNEL", ("chat", "email")),)),
        Grouping(("USER",)),
        frozenset({(("csat", ()), "score"), (("csat", ()), "responses")}),
        Order("CSAT_SCORE", True, 20),
    ),
    "happiness_by_weekday_month": Query(
        Scope("acme"),
        Filter(Period(date(2026, 1, 1), date(2026, 3, 31), "Europe/Paris")),
        Grouping(("WEEKDAY",), Granularity.MONTH),
        frozenset({(("happiness", ()), "score"), (("happiness", ()), "ratingsPercent")}),
    ),
}


# Rollups are kept in the account's zone: these scopes say acme's is New York.
NEW_YORK = Scope("acme", None, "America/New_York")
NEW_YORK_SCOPED = Scope("acme", frozenset({"ib1", "ib2"}), "America/New_York")
Q1_NEW_YORK = Period(date(2026, 1, 1), date(2026, 3, 31), "America/New_York")

ROLLUP_QUERIES = {
    "rollup_day_series_scoped": Query(
        NEW_YORK_SCOPED,
        Filter(Period(date(2026, 3, 5), date(2026, 3, 20), "America/New_York")),
        Grouping((), Granularity.DAY),
        frozenset({(("csat", ()), "score"), (("csat", ()), "average")}),
    ),
    "rollup_ces_mean_by_channel_month": Query(
        NEW_YORK,
        Filter(MARCH_NEW_YORK),
        Grouping(("CHANNEL",)),
        frozenset({(("ces", ()), "score")}),
    ),
    "rollup_top_agents_quarter": Query(
        NEW_YORK,
        Filter(Q1_NEW_YORK),
        Grouping(("USER",)),
        frozenset({(("csat", ()), "score"), (("csat", ()), "responses")}),
        Order("CSAT_RESPONSES", True, 20),
    ),
}


def _render(query: Query, split_metrics: bool = False, rollups: bool = False) -> str:
    plan = plan_query(query, registry(), split_metrics=split_metrics, rollups=rollups)
    blocks = []
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        for select in compile_plan(plan, registry()):
            sql = select.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
            blocks.append(f"-- {dialect.name}\n{sql};\n")
    return "\n".join(blocks)


CASES = {name: (query, False, False) for name, query in QUERIES.items()}
# The default plan on both databases (Settings.split_metrics): one statement per metric.
CASES["headline_surveys_split"] = (QUERIES["headline_surveys"], True, False)
# With rollups (Settings.rollups): a daily, a monthly and a quarterly one.
CASES.update({name: (query, True, True) for name, query in ROLLUP_QUERIES.items()})


@pytest.mark.parametrize("name", sorted(CASES))
def test_generated_sql_matches_the_snapshot(name: str) -> None:
    path = SNAPSHOTS / f"{name}.sql"
    rendered = _render(*CASES[name])
    if os.environ.get("RAPPORT_UPDATE_SNAPSHOTS"):
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(rendered)
    assert path.exists(), f"no snapshot {path}: run with RAPPORT_UPDATE_SNAPSHOTS=1"
    assert rendered == path.read_text()


def _assert_snapshot(name: str, rendered: str) -> None:
    path = SNAPSHOTS / f"{name}.sql"
    if os.environ.get("RAPPORT_UPDATE_SNAPSHOTS"):
        path.write_text(rendered)
    assert path.exists(), f"no snapshot {path}: run with RAPPORT_UPDATE_SNAPSHOTS=1"
    assert rendered == path.read_text()


def test_shared_scan_sql_matches_the_snapshot() -> None:
    """PostgreSQL's default plan of a survey dashboard's csat: one GROUPING SETS statement for
    the headline, the day series across DST, by channel and the top agents (filtered, scoped)."""
    base = QUERIES["top_agents_filtered_scoped"]
    fields = frozenset({(("csat", ()), "score"), (("csat", ()), "responses")})
    queries = [
        Query(base.scope, base.filter, Grouping(), fields),
        Query(base.scope, base.filter, Grouping((), Granularity.DAY), fields),
        Query(base.scope, base.filter, Grouping(("CHANNEL",)), fields),
        base,
    ]
    compiled = compile_queries(queries, registry(), split_metrics=True, share_scans=True)
    (scan,) = compiled.selects
    assert isinstance(scan, CompiledScan)
    sql = scan.select.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    _assert_snapshot("shared_scan_csat_dashboard", f"-- postgresql\n{sql};\n")
