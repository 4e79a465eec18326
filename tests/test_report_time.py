"""Periods, buckets and previous periods in the report's time zone, DST changes included."""

from __future__ import annotations

import pytest

from tests.report_data import Data, execute, execute_raw

SERIES = """
query($f: ReportFilter!, $g: Granularity!) { report(filter: $f) {
  from to timezone days
  series(granularity: $g) { start end startsAt csat { responses } }
} }
"""


async def _series(engine, events: list[str], f: dict, granularity: str = "DAY"):
    data = Data()
    for moment in events:
        data.rating("csat", 5, moment)
    await data.write(engine)
    return (await execute(engine, SERIES, {"f": f, "g": granularity}))["report"]


async def test_spring_forward_in_new_york(engine) -> None:
    report = await _series(
        engine,
        [
            "2026-03-06T23:59:00-05:00",  # the day before the period
            "2026-03-07T23:30:00-05:00",
            "2026-03-08T00:30:00-05:00",
            "2026-03-08T23:30:00-04:00",  # after the change: 03:30 UTC on the 9th
            "2026-03-09T00:15:00-04:00",
            "2026-03-10T00:00:00-04:00",  # the first instant after the period
        ],
        {"from": "2026-03-07", "to": "2026-03-09", "timezone": "America/New_York"},
    )
    assert report["days"] == 3
    assert [b["csat"]["responses"] for b in report["series"]] == [1, 2, 1]
    assert [b["startsAt"] for b in report["series"]] == [
        "2026-03-07T00:00:00-05:00",
        "2026-03-08T00:00:00-05:00",
        "2026-03-09T00:00:00-04:00",  # the 8th had 23 hours
    ]


async def test_fall_back_in_new_york(engine) -> None:
    report = await _series(
        engine,
        [
            "2026-10-31T23:59:00-04:00",
            "2026-11-01T00:30:00-04:00",
            "2026-11-01T01:30:00-04:00",  # 01:30 happens twice
            "2026-11-01T01:30:00-05:00",
            "2026-11-01T23:30:00-05:00",  # 04:30 UTC on the 2nd
            "2026-11-02T00:01:00-05:00",
        ],
        {"from": "2026-10-31", "to": "2026-11-02", "timezone": "America/New_York"},
    )
    assert [b["csat"]["responses"] for b in report["series"]] == [1, 4, 1]
    assert [b["startsAt"] for b in report["series"]] == [
        "2026-10-31T00:00:00-04:00",
        "2026-11-01T00:00:00-04:00",
        "2026-11-02T00:00:00-05:00",  # the 1st had 25 hours
    ]


async def test_hour_breakdown_on_the_fall_back_day(engine) -> None:
    data = Data()
    for moment in (
        "2026-11-01T01:30:00-04:00",
        "2026-11-01T01:30:00-05:00",
        "2026-11-01T02:10:00-05:00",
    ):
        data.rating("csat", 5, moment)
    await data.write(engine)
    query = """query($f: ReportFilter!) { report(filter: $f) {
        breakdown(by: [HOUR]) { key label csat { responses } } } }"""
    f = {"from": "2026-11-01", "to": "2026-11-01", "timezone": "America/New_York"}
    groups = (await execute(engine, query, {"f": f}))["report"]["breakdown"]
    assert groups == [
        {"key": "1", "label": "1", "csat": {"responses": 2}},
        {"key": "2", "label": "2", "csat": {"responses": 1}},
    ]


async def test_half_hour_zone(engine) -> None:
    report = await _series(
        engine,
        [
            "2026-02-28T18:29:59Z",  # 23:59:59 on 28 February in Kolkata
            "2026-02-28T18:30:00Z",  # 00:00 on 1 March
            "2026-03-01T18:29:00Z",  # 23:59 on 1 March
            "2026-03-01T18:31:00Z",  # 00:01 on 2 March
        ],
        {"from": "2026-03-01", "to": "2026-03-02", "timezone": "Asia/Kolkata"},
    )
    assert [b["csat"]["responses"] for b in report["series"]] == [2, 1]
    assert (
        report["series"][0]["startsAt"] == "2026-03-01T00:00:00+05:30"
    )  # 18:30 UTC on 28 February


EVENTS = [
    "2026-01-14T23:59:59Z",  # outside
    "2026-01-15T00:00:00Z",
    "2026-01-31T23:59:00Z",  # Saturday
    "2026-02-01T00:00:00Z",  # Sunday
    "2026-03-31T12:00:00Z",  # Tuesday
    "2026-04-01T00:00:00Z",
    "2026-05-03T23:59:59Z",  # Sunday, the last day
    "2026-05-04T00:00:00Z",  # outside
]
CLIPPED = {"from": "2026-01-15", "to": "2026-05-03"}


@pytest.mark.parametrize(
    ("granularity", "bounds", "counts"),
    [
        (
            "MONTH",
            [
                ("2026-01-15", "2026-01-31"),
                ("2026-02-01", "2026-02-28"),
                ("2026-03-01", "2026-03-31"),
                ("2026-04-01", "2026-04-30"),
                ("2026-05-01", "2026-05-03"),
            ],
            [2, 1, 1, 1, 1],
        ),
        ("QUARTER", [("2026-01-15", "2026-03-31"), ("2026-04-01", "2026-05-03")], [4, 2]),
        ("YEAR", [("2026-01-15", "2026-05-03")], [6]),
    ],
)
async def test_calendar_buckets_are_clipped_to_the_period(
    engine,
    granularity: str,
    bounds: list[tuple[str, str]],
    counts: list[int],
) -> None:
    report = await _series(engine, EVENTS, CLIPPED, granularity)
    assert [(b["start"], b["end"]) for b in report["series"]] == bounds
    assert [b["csat"]["responses"] for b in report["series"]] == counts


async def test_iso_weeks_start_on_monday_and_are_clipped(engine) -> None:
    report = await _series(engine, EVENTS, CLIPPED, "WEEK")
    series = report["series"]
    assert len(series) == 16
    assert (series[0]["start"], series[0]["end"]) == ("2026-01-15", "2026-01-18")
    assert (series[1]["start"], series[1]["end"]) == ("2026-01-19", "2026-01-25")
    assert (series[-1]["start"], series[-1]["end"]) == ("2026-04-27", "2026-05-03")
    counts = [b["csat"]["responses"] for b in series]
    expected = [0] * 16
    expected[0], expected[2], expected[11], expected[15] = 1, 2, 2, 1
    assert counts == expected


PREVIOUS = """
query($f: ReportFilter!) { report(filter: $f) {
  from to days csat { responses }
  previous { from to days csat { responses } }
  lastYear: previous(shift: YEAR) { from to days csat { responses } previous { from to } }
} }
"""


async def test_previous_period_and_previous_year_from_29_february(engine) -> None:
    data = Data()
    for moment in (
        "2024-02-29T23:59:59Z",  # in the period
        "2024-01-31T23:59:59Z",  # last day of the previous period
        "2024-01-03T00:00:00Z",  # first day of the previous period
        "2024-01-02T23:59:59Z",  # before it
        "2023-02-28T12:00:00Z",  # last day a year earlier
        "2023-03-01T00:00:00Z",  # after it
    ):
        data.rating("csat", 4, moment)
    await data.write(engine)
    f = {"from": "2024-02-01", "to": "2024-02-29"}
    report = (await execute(engine, PREVIOUS, {"f": f}))["report"]
    assert (report["from"], report["to"], report["days"]) == ("2024-02-01", "2024-02-29", 29)
    assert report["csat"]["responses"] == 1
    previous = report["previous"]
    assert (previous["from"], previous["to"], previous["days"]) == ("2024-01-03", "2024-01-31", 29)
    assert previous["csat"]["responses"] == 2
    last_year = report["lastYear"]
    assert (last_year["from"], last_year["to"], last_year["days"]) == (
        "2023-02-01",
        "2023-02-28",
        28,
    )
    assert last_year["csat"]["responses"] == 1
    assert last_year["previous"] == {"from": "2023-01-04", "to": "2023-01-31"}


async def test_the_account_time_zone_is_the_default(engine) -> None:
    data = Data(timezone="Europe/Paris")
    data.rating("csat", 5, "2026-02-28T23:30:00Z")  # 00:30 on 1 March in Paris
    await data.write(engine)
    query = "query($f: ReportFilter!) { report(filter: $f) { timezone csat { responses } } }"
    f = {"from": "2026-03-01", "to": "2026-03-01"}
    report = (await execute(engine, query, {"f": f}, timezone="Europe/Paris"))["report"]
    assert report == {"timezone": "Europe/Paris", "csat": {"responses": 1}}


@pytest.mark.parametrize(
    ("f", "series", "message"),
    [
        (
            {"from": "2026-03-01", "to": "2026-03-02", "timezone": "Mars/Olympus"},
            "",
            "unknown time zone 'Mars/Olympus'",
        ),
        (
            {"from": "2026-03-02", "to": "2026-03-01"},
            "",
            "from (2026-03-02) is after to (2026-03-01)",
        ),
        ({"from": "2010-01-01", "to": "2026-03-01"}, "", "longer than the limit of 10 years"),
        (
            {"from": "2020-01-01", "to": "2026-03-01"},
            "series(granularity: DAY) { start }",
            "over the limit of 1000",
        ),
    ],
)
async def test_bad_periods_are_graphql_errors(engine, f: dict, series: str, message: str) -> None:
    query = f"query($f: ReportFilter!) {{ report(filter: $f) {{ days {series} }} }}"
    result = await execute_raw(engine, query, {"f": f})
    assert result.errors is not None
    assert message in result.errors[0].message
