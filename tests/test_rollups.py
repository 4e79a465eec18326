"""Rollups (ratings per local day or month, server/metrics/rollups.py) give every number the raw
plan gives, and the importer keeps them true.

The same queries run on the same rows planned without rollups and with them, on both databases:
every group, part and value must be equal, across daylight-saving changes in New York and in a
half-hour zone (Adelaide, UTC+10:30 / +9:30), with filters, an inbox-scoped token, previous periods
(a period of whole months, whose user breakdowns read the monthly rollup, and one that is not),
series, breakdowns (top-N included), and parts a rollup cannot answer (percentiles, distinct
counts, the hour) next to those it can. Then through the importer: a re-import that changes
scores, days, channels and inboxes, and an account whose time zone changes.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from server.ingest import import_directory, rollup_deltas, rollups
from server.metrics.executor import compile_queries, run_queries
from server.metrics.query import Filter, Query
from server.metrics.time import Granularity, Period, Shift, day_number
from server.security.scope import Scope
from tests.report_data import Data
from tests.test_shared_scans import (
    PER_CHANNEL,
    SCORES,
    SPREAD,
    _answers,
    _queries,
    spread_ratings,
)

ROLLUP_TABLES = (
    "rating_months",
    "rating_channel_months",
    "rating_user_years",
    "rating_user_quarters",
    "rating_days",
    "rating_user_months",
    "rating_channel_days",
)


def _registry() -> Any:
    """The survey metrics, volume (happiness reads it), the dimensions the queries use and the
    shared-scan test's metrics: percentiles, extremes, distinct counts, split parts."""
    import sys
    from types import ModuleType

    import pluggy

    import plugins.agents
    import plugins.ces
    import plugins.csat
    import plugins.happiness
    import plugins.inboxes
    import plugins.nps
    import plugins.sources
    import plugins.surveys
    import plugins.timing
    import plugins.volume
    from server import hookspecs
    from server.plugins import build_registry

    plugin = ModuleType("rollup_test_metrics")
    plugin.rapport_metrics = hookspecs.hookimpl(lambda: [SPREAD, PER_CHANNEL])  # type: ignore[attr-defined]
    sys.modules.setdefault("rollup_test_metrics", plugin)
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    manager.register(plugin, "rollup_test_metrics")
    for module in (
        plugins.agents,
        plugins.ces,
        plugins.csat,
        plugins.happiness,
        plugins.inboxes,
        plugins.nps,
        plugins.sources,
        plugins.surveys,
        plugins.timing,
        plugins.volume,
    ):
        manager.register(module, module.__name__)
    return build_registry(manager)


def _data(timezone: str) -> Data:
    """Ratings every 113 minutes from 27 February to 4 May 2026 and at the DST boundaries."""
    return spread_ratings(850, ("ib1", "ib2", None), timezone)


def _same(left: Any, right: Any) -> bool:
    """Equal, floats to 12 significant digits: PostgreSQL's avg() is NUMERIC, rounded to a
    float once; a rollup divides two exact sums as floats."""
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=1e-12)
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    return bool(left == right)


async def _compare(engine: Any, queries: list[Query], registry: Any) -> set[str]:
    """Run the queries without and with rollups; every answer must be equal. Returns the
    rollup tables the rollup plan read."""
    share = engine.dialect.name == "postgresql"
    for split_metrics in (False, True):
        raw = await run_queries(engine, queries, registry, split_metrics=split_metrics)
        rolled = await run_queries(
            engine, queries, registry, split_metrics=split_metrics, share_scans=share, rollups=True
        )
        for query in queries:
            expected = _answers(raw[query], query)
            got = _answers(rolled[query], query)
            assert _same(got, expected), (query.grouping, query.filter)
    compiled = compile_queries(
        queries, registry, split_metrics=True, share_scans=share, rollups=True
    )
    return {
        statement.rollup.name
        for plan in compiled.plans
        for statement in plan.statements
        if statement.rollup is not None
    }


EVERY = set(ROLLUP_TABLES)
# (zone, token's inboxes, filters, the rollups that answer some statement)
CASES = [
    ("America/New_York", None, (), EVERY),
    ("Australia/Adelaide", None, (), EVERY),
    (
        "Australia/Adelaide",
        frozenset({"ib1"}),
        (("CHANNEL", ("chat", "email")),),
        {"rating_channel_months", "rating_channel_days"},
    ),
    (
        "America/New_York",
        frozenset({"ib2"}),
        (("USER", ("u1", "u3")),),
        {"rating_user_years", "rating_user_quarters", "rating_user_months"},
    ),
    (
        "America/New_York",
        None,
        (("INBOX", ("ib2",)), ("WEEKDAY", (0, 6))),
        {"rating_days", "rating_channel_days"},
    ),
]


@pytest.mark.parametrize(("timezone", "inboxes", "values", "rollups"), CASES)
async def test_rollups_equal_the_raw_plan(engine, timezone, inboxes, values, rollups) -> None:
    await _data(timezone).write(engine)
    registry = _registry()
    scope = Scope("acme", inboxes, timezone)
    months = Period(date(2026, 3, 1), date(2026, 4, 30), timezone)
    days = Period(date(2026, 3, 5), date(2026, 4, 20), timezone)
    quarter = Period(date(2026, 4, 1), date(2026, 6, 30), timezone)
    year = Period(date(2026, 1, 1), date(2026, 12, 31), timezone)
    periods = [
        year,
        year.previous(Shift.PERIOD),  # 2025: no ratings
        quarter,
        quarter.previous(Shift.PERIOD),  # 30 December to 31 March: not a quarter
        quarter.previous(Shift.YEAR),  # the second quarter of 2025: no ratings
        months,
        months.previous(Shift.PERIOD),  # 30 December to 28 February: not whole months
        months.previous(Shift.YEAR),  # no ratings
        days,
        days.previous(Shift.PERIOD),
    ]
    queries = [q for period in periods for q in _queries(scope, period, values)]
    # monthly, quarterly and yearly rollups answer periods of whole months, quarters or years
    # (the user breakdowns only there); a filter by a column a rollup lacks (the channel, the user, the
    # weekday of a month) leaves it out
    assert await _compare(engine, queries, registry) == rollups


async def test_no_rollup_in_another_time_zone(engine) -> None:
    """Rollups are kept in the account's zone: a report in another one reads raw rows."""
    await _data("America/New_York").write(engine)
    registry = _registry()
    scope = Scope("acme", None, "America/New_York")
    period = Period(date(2026, 3, 1), date(2026, 4, 30), "Europe/Paris")
    queries = _queries(scope, period, ())
    assert await _compare(engine, queries, registry) == set()


RATING_HEADER = ["account_id", "id", "survey", "score", "created_at", "user_id", "channel"]
RATING_HEADER += ["inbox_id"]


def _write_folder(folder: Path, timezone: str, ratings: list[list[str]]) -> None:
    folder.mkdir(exist_ok=True)
    files = {
        "accounts.csv": (["id", "name", "timezone"], [["acme", "Acme", timezone]]),
        "inboxes.csv": (
            ["account_id", "id", "name"],
            [["acme", "ib1", "One"], ["acme", "ib2", "Two"]],
        ),
        "users.csv": (
            ["account_id", "id", "name"],
            [["acme", u, u.upper()] for u in ("u1", "u2", "u3")],
        ),
        "ratings.csv": (RATING_HEADER, [["acme", *row] for row in ratings]),
    }
    for name, (header, rows) in files.items():
        with (folder / name).open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(header)
            writer.writerows(rows)


def _ratings(shift: int) -> list[list[str]]:
    """Ratings across New York's spring change; `shift` changes scores, days and dimensions."""
    rows = []
    for i, text in enumerate(
        [
            "2026-03-08T04:59:59Z",
            "2026-03-08T05:00:00Z",
            "2026-03-08T07:00:00Z",
            "2026-03-09T03:59:59Z",
            "2026-03-09T04:00:00Z",
            "2026-03-31T23:30:00Z",  # 31 March in UTC, in New York; 1 April in Adelaide
            "2026-04-01T04:30:00Z",  # 1 April, 00:30 in New York
            "2026-04-04T16:00:00Z",
        ]
    ):
        survey = ("csat", "nps", "ces", "happiness")[(i + shift) % 4]
        score = 1 + (i * 3 + shift) % SCORES[survey]
        day = text if not shift or i % 3 else text.replace("2026-03", "2026-02")
        user = ("u1", "u2", "u3", "")[(i + shift) % 4]
        channel = ("email", "chat")[(i + shift) % 2]
        inbox = ("ib1", "ib2", "")[(i * shift) % 3]
        rows.append([f"r{i}", survey, str(score), day, user, channel, inbox])
    return rows


async def test_rollups_follow_imports(engine, tmp_path: Path) -> None:
    registry = _registry()

    async def check(timezone: str, inboxes: frozenset[str] | None = None) -> None:
        scope = Scope("acme", inboxes, timezone)
        period = Period(date(2026, 2, 1), date(2026, 4, 30), timezone)
        year = Period(date(2026, 1, 1), date(2026, 12, 31), timezone)
        queries = [
            *_queries(scope, period, ()),
            *_queries(scope, period.previous(Shift.PERIOD), ()),
            *_queries(scope, year, ()),
        ]
        assert await _compare(engine, queries, registry)

    _write_folder(tmp_path / "first", "America/New_York", _ratings(0))
    assert await import_directory(engine, tmp_path / "first", progress=False)
    await check("America/New_York")
    await check("America/New_York", frozenset({"ib2"}))

    # every rating changes: survey, score, user, channel, inbox; a third move to February
    _write_folder(tmp_path / "second", "America/New_York", _ratings(1))
    assert await import_directory(engine, tmp_path / "second", progress=False)
    await check("America/New_York")
    await check("America/New_York", frozenset({"ib1"}))

    # the account moves to Adelaide: the rollups are rebuilt in its new zone
    _write_folder(tmp_path / "third", "Australia/Adelaide", _ratings(1))
    assert await import_directory(engine, tmp_path / "third", progress=False)
    await check("Australia/Adelaide")


async def test_rollup_numbers_by_hand(engine, tmp_path: Path) -> None:
    """Hand-counted through the importer: New York local days around the spring change and
    agents over the year, then a re-import moving one rating to another day, one to the year
    before, and changing another's score."""
    rows = [
        ["r1", "csat", "5", "2026-03-08T04:59:59Z", "u1", "chat", "ib1"],  # 7 March 23:59:59
        ["r2", "csat", "4", "2026-03-08T05:00:00Z", "u1", "chat", "ib1"],  # 8 March 00:00 EST
        ["r3", "csat", "1", "2026-03-08T07:00:00Z", "u2", "email", "ib2"],  # 8 March 03:00 EDT
        ["r4", "csat", "2", "2026-03-09T03:59:59Z", "u2", "email", "ib1"],  # 8 March 23:59:59
        ["r5", "csat", "3", "2026-03-09T04:00:00Z", "u1", "chat", "ib2"],  # 9 March 00:00
    ]
    _write_folder(tmp_path / "first", "America/New_York", rows)
    assert await import_directory(engine, tmp_path / "first", progress=False)
    registry = _registry()
    zone = "America/New_York"
    csat = ("csat", ())
    fields = frozenset({(csat, "*")})

    async def counts(
        period: Period, grouping: Any, keys: list[tuple[Any, ...]], rollup: str
    ) -> list[tuple[int, int, int]]:
        query = Query(Scope("acme", None, zone), Filter(period), grouping, fields)
        result = (await run_queries(engine, [query], registry, rollups=True))[query]
        assert {s.rollup.name for s in result.plan.statements if s.rollup} == {rollup}
        parts = [result.parts(key, csat) for key in keys]
        return [(p["responses"], p["satisfied"], p["score_total"]) for p in parts]

    from server.metrics.query import Grouping

    async def day_counts() -> list[tuple[int, int, int]]:
        period = Period(date(2026, 3, 7), date(2026, 3, 9), zone)
        days = [(day,) for day in range(3)]
        return await counts(period, Grouping((), Granularity.DAY), days, "rating_days")

    async def agent_counts(year: int) -> list[tuple[int, int, int]]:
        period = Period(date(year, 1, 1), date(year, 12, 31), zone)
        agents = [("u1",), ("u2",)]
        return await counts(period, Grouping(("USER",)), agents, "rating_user_years")

    assert await day_counts() == [(1, 1, 5), (3, 1, 7), (1, 0, 3)]
    assert await agent_counts(2026) == [(3, 2, 12), (2, 0, 3)]
    rows[0][3] = "2026-03-09T12:00:00Z"  # r1 moves to 9 March
    rows[2][2] = "5"  # r3 becomes satisfied
    rows[4][3] = "2025-12-31T12:00:00Z"  # r5 moves to the year before
    _write_folder(tmp_path / "second", zone, rows)
    assert await import_directory(engine, tmp_path / "second", progress=False)
    assert await day_counts() == [(0, 0, 0), (3, 2, 11), (1, 1, 5)]
    assert await agent_counts(2026) == [(2, 2, 9), (2, 1, 7)]
    assert await agent_counts(2025) == [(1, 0, 3), (0, 0, 0)]


async def test_periods_at_the_end_of_the_calendar(engine) -> None:
    """The last days a period may hold (its end, the next midnight, must exist): the quarter
    they belong to ends after the calendar does, and they are answered (empty)."""
    await _data("UTC").write(engine)
    registry = _registry()
    scope = Scope("acme", None, "UTC")
    for first in (date(9999, 10, 1), date(9999, 12, 30)):
        period = Period.parse(first, date(9999, 12, 30), "UTC", max_years=10)
        queries = _queries(scope, period, ())
        assert await _compare(engine, queries, registry)


async def _day_rows(engine: Any) -> dict[int, int]:
    """acme's rating_days: day number -> ratings counted."""
    async with engine.connect() as connection:
        result = await connection.exec_driver_sql(
            "SELECT day, sum(n) FROM rating_days WHERE account_id = 'acme' GROUP BY day"
        )
        return {day: int(n) for day, n in result}


async def _tamper(engine: Any, table: str, column: str, unit: date) -> None:
    """Add 100 to a stored rollup row behind the importer's back: a unit counted again is put
    right, one left alone keeps it (which is how the test sees what was recounted)."""
    async with engine.begin() as connection:
        await connection.exec_driver_sql(
            f"UPDATE {table} SET n = n + 100 "
            f"WHERE account_id = 'acme' AND {column} = {day_number(unit)}"
        )


# The days of the ratings _import_far_apart imports (UTC).
_FAR_APART = (date(2026, 1, 10), date(2026, 6, 1), date(2026, 11, 20))


async def _import_far_apart(engine: Any, folder: Path) -> list[list[str]]:
    """Import one rating on each day of _FAR_APART; returns the rows, to change them."""
    rows = [
        ["r1", "csat", "5", "2026-01-10T12:00:00Z", "u1", "chat", "ib1"],
        ["r2", "csat", "4", "2026-06-01T12:00:00Z", "u1", "chat", "ib1"],
        ["r3", "csat", "3", "2026-11-20T12:00:00Z", "u2", "email", "ib2"],
    ]
    _write_folder(folder, "UTC", rows)
    assert await import_directory(engine, folder, progress=False)
    return rows


async def _rollup_rows(engine: Any, table: str, unit: str) -> dict[tuple[int, int], int]:
    """acme's rows of a rollup: (unit number, score) -> ratings counted."""
    async with engine.connect() as connection:
        result = await connection.exec_driver_sql(
            f"SELECT {unit}, score, sum(n) FROM {table} WHERE account_id = 'acme' "
            f"GROUP BY {unit}, score"
        )
        return {(number, score): int(n) for number, score, n in result}


async def test_changes_adjust_the_base_rollups_by_their_differences(engine, tmp_path: Path) -> None:
    """A re-import changing the scores of the ratings of 10 January and 20 November: each is
    taken from its old row of the base rollups (counted from the ratings) and added to its new
    one, so tampered rows it touches keep their tampering (101 - 1), and nothing is counted from
    the ratings again. The rollups counted from the base ones are counted again from them on
    the days and months that changed only: June's tampered rows stay as they were."""
    rows = await _import_far_apart(engine, tmp_path / "first")
    january, june, november = _FAR_APART
    jan, jun, nov = (day_number(d) for d in _FAR_APART)
    assert await _day_rows(engine) == {jan: 1, jun: 1, nov: 1}
    await _tamper(engine, "rating_channel_days", "day", january)
    await _tamper(engine, "rating_channel_days", "day", june)
    await _tamper(engine, "rating_days", "day", june)
    await _tamper(engine, "rating_months", "month", date(2026, 6, 1))

    rows[0][2], rows[2][2] = "1", "2"
    _write_folder(tmp_path / "second", "UTC", rows)
    assert await import_directory(engine, tmp_path / "second", progress=False)

    # January: its score-5 row 101 - 1, its new score-1 row 1; November's score-3 row deleted
    base = {(jan, 5): 100, (jan, 1): 1, (jun, 4): 101, (nov, 2): 1}
    assert await _rollup_rows(engine, "rating_channel_days", "day") == base
    # counted from the base rows again where they changed (January, November)
    assert await _rollup_rows(engine, "rating_days", "day") == base
    assert await _rollup_rows(engine, "rating_months", "month") == {
        (day_number(date(2026, 1, 1)), 5): 100,
        (day_number(date(2026, 1, 1)), 1): 1,
        (day_number(date(2026, 6, 1)), 4): 101,
        (day_number(date(2026, 11, 1)), 2): 1,
    }
    assert await _rollup_rows(engine, "rating_user_years", "year") == {
        (day_number(date(2026, 1, 1)), 1): 1,
        (day_number(date(2026, 1, 1)), 4): 1,
        (day_number(date(2026, 1, 1)), 2): 1,
    }


async def test_differences_that_do_not_add_up_recount_those_days_only(
    engine, tmp_path: Path
) -> None:
    """A base rollup row deleted behind the importer's back: the change of a rating counted in
    it would fall below zero, so the local days of the transaction's changed ratings (10 January
    and 20 November) are counted again from the ratings, in every rollup, and June's, in between,
    are left alone (its tampering stays)."""
    rows = await _import_far_apart(engine, tmp_path / "first")
    january, june, november = _FAR_APART
    jan, jun, nov = (day_number(d) for d in _FAR_APART)
    async with engine.begin() as connection:
        await connection.exec_driver_sql(
            f"DELETE FROM rating_channel_days WHERE account_id = 'acme' AND day = {jan}"
        )
    await _tamper(engine, "rating_days", "day", june)
    await _tamper(engine, "rating_months", "month", date(2026, 6, 1))
    await _tamper(engine, "rating_days", "day", november)

    rows[0][2], rows[2][2] = "1", "2"
    _write_folder(tmp_path / "second", "UTC", rows)
    assert await import_directory(engine, tmp_path / "second", progress=False)

    assert await _rollup_rows(engine, "rating_channel_days", "day") == {
        (jan, 1): 1,
        (jun, 4): 1,
        (nov, 2): 1,
    }
    assert await _day_rows(engine) == {jan: 1, jun: 101, nov: 1}
    assert await _rollup_rows(engine, "rating_months", "month") == {
        (day_number(date(2026, 1, 1)), 1): 1,
        (day_number(date(2026, 6, 1)), 4): 101,
        (day_number(date(2026, 11, 1)), 2): 1,
    }


def test_runs_of_days_are_merged_at_their_narrowest_gaps(monkeypatch: pytest.MonkeyPatch) -> None:

    march = [date(2026, 3, d) for d in (1, 2, 5, 20, 21, 31)]
    assert rollups._runs(march, Granularity.DAY) == [
        (date(2026, 3, 1), date(2026, 3, 2)),
        (date(2026, 3, 5), date(2026, 3, 5)),
        (date(2026, 3, 20), date(2026, 3, 21)),
        (date(2026, 3, 31), date(2026, 3, 31)),
    ]
    # months: March, then April and June are two runs (May is not touched)
    spring = [date(2026, 3, 9), date(2026, 3, 30), date(2026, 4, 2), date(2026, 6, 15)]
    assert rollups._runs(spring, Granularity.MONTH) == [
        (date(2026, 3, 1), date(2026, 4, 30)),
        (date(2026, 6, 1), date(2026, 6, 30)),
    ]
    monkeypatch.setattr(rollups, "MAX_RUNS", 2)
    # gaps after the runs: 3 days, 15 days, 10 days: split at the widest only
    assert rollups._runs(march, Granularity.DAY) == [
        (date(2026, 3, 1), date(2026, 3, 5)),
        (date(2026, 3, 20), date(2026, 3, 31)),
    ]


async def test_a_rating_on_the_last_day_of_the_calendar_is_imported(engine, tmp_path: Path) -> None:
    """No report period can hold 31 December 9999 (its end, the next midnight, is no instant):
    the rating is stored and counted in no rollup, and the import does not fail."""
    rows = [
        ["r1", "csat", "5", "9999-12-31T12:00:00Z", "u1", "chat", "ib1"],
        ["r2", "csat", "4", "9999-12-30T12:00:00Z", "u1", "chat", "ib1"],
    ]
    _write_folder(tmp_path / "first", "UTC", rows)
    assert await import_directory(engine, tmp_path / "first", progress=False)
    assert await _day_rows(engine) == {day_number(date(9999, 12, 30)): 1}
    rows[0][2] = "3"
    _write_folder(tmp_path / "second", "UTC", rows)
    assert await import_directory(engine, tmp_path / "second", progress=False)
    assert await _day_rows(engine) == {day_number(date(9999, 12, 30)): 1}


@pytest.mark.parametrize(
    ("timezone", "first"),
    [
        ("America/New_York", datetime(2026, 3, 7, tzinfo=UTC)),  # spring forward, 8 March
        ("America/New_York", datetime(2026, 10, 31, tzinfo=UTC)),  # fall back, 1 November
        ("Australia/Adelaide", datetime(2026, 4, 3, tzinfo=UTC)),  # +10:30 to +9:30, 5 April
        ("Asia/Kathmandu", datetime(2026, 6, 1, tzinfo=UTC)),  # +5:45
        ("Europe/Amsterdam", datetime(1890, 6, 1, tzinfo=UTC)),  # local mean time, +0:19:32
    ],
)
def test_differences_count_each_rating_on_its_local_day(timezone: str, first: datetime) -> None:
    """Every 7 minutes over three days, across a change of offset or in a zone whose offset is
    not whole hours: each rating is counted on the local day the zone gives its instant."""
    deltas = rollup_deltas.AccountDeltas(timezone)
    expected: Counter[int] = Counter()
    instants = []
    moment = first
    while moment < first + timedelta(days=3):
        instants.append(int(moment.timestamp()) * 1_000_000)
        expected[day_number(moment.astimezone(ZoneInfo(timezone)).date())] += 1
        moment += timedelta(minutes=7)
    deltas.add(1, instants, [_RATING] * len(instants))
    channel_days = rollup_deltas.BASES.index(
        next(r for r in rollup_deltas.BASES if r.name == "rating_channel_days")
    )
    counted: Counter[int] = Counter()
    for key, n in deltas.changed()[channel_days].items():
        counted[key[0]] += n
    assert counted == expected
    assert len(expected) >= 3


_RATING = {"survey": "csat", "score": 5, "inbox_id": "ib1", "channel": "chat", "user_id": "u1"}
