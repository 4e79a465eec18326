"""Productivity (SPEC section 7): firstResponseTime, responseTime, timeToClose, chatWaitTime.

Rows carry what the import derives: `first_response_at` and `response_seconds` (a human reply
answers the first customer message since the previous human reply; a reply with no such message
has none). Percentiles interpolate linearly: the p-th of n sorted values sits at p × (n − 1).

Conversations (UTC), with their customer messages and human replies:
  p0 email, February: created 10 Feb 10:00, reply 10:05 (300 s), closed 11:00 (3600 s)
  p1 chat:  created 2 Mar 09:00, reply 09:01 (60 s), closed 09:30 (1800 s)
  p2 chat:  created 3 Mar 10:00, reply 10:03 (180 s), open
  p3 email: created 4 Mar 08:00, customer again 08:20, reply 09:00 (3600 s: from 08:00),
            a note 09:10, customer 09:30, a bot reply 09:31, reply 10:00 (1800 s), a second
            reply 10:05 answering nothing (skipped); closed 6 Mar 08:00 (172800 s)
  p4 email: created 5 Mar 12:00, reply 12:10 (600 s), closed 12:10:30.5 (630.5 s)
  p5 email: created 28 Feb 23:00, reply 1 Mar 01:00 (7200 s), closed 02:00 (10800 s)
  p6 email: created 30 Mar 10:00, reply 1 Apr 10:00: outside March
"""

from __future__ import annotations

import pytest

from tests.report_data import Data, execute, execute_raw

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
FIELDS = "{ count average median p90 min max }"
ALL = " ".join(
    f"{name} {FIELDS}"
    for name in ("firstResponseTime", "responseTime", "timeToClose", "chatWaitTime")
)
NOTHING = {"count": 0, "average": None, "median": None, "p90": None, "min": None, "max": None}


def durations(count, average, median, p90, low, high) -> dict[str, object]:
    return {
        "count": count,
        "average": pytest.approx(average),
        "median": pytest.approx(median),
        "p90": pytest.approx(p90),
        "min": pytest.approx(low),
        "max": pytest.approx(high),
    }


def one(seconds: float) -> dict[str, object]:
    return durations(1, seconds, seconds, seconds, seconds, seconds)


@pytest.fixture
async def replies(engine):
    data = Data()
    data.user("u1", "Alice")
    data.user("b1", "Bot", is_bot=True)

    def conversation(created: str, first_response: str, closed: str | None, channel: str):
        return data.conversation(
            created,
            first_response=first_response,
            closed=closed,
            channel=channel,
            human_replies=1,
            assignee_id="u1",
        )

    def customer(conversation, created: str) -> None:
        data.message(conversation, created)

    def human(conversation, created: str, seconds: float | None) -> None:
        data.message(
            conversation,
            created,
            author_type="user",
            author_id="u1",
            is_human_reply=True,
            response_seconds=seconds,
        )

    p0 = conversation(
        "2026-02-10T10:00:00Z", "2026-02-10T10:05:00Z", "2026-02-10T11:00:00Z", "email"
    )
    customer(p0, "2026-02-10T10:00:00Z")
    human(p0, "2026-02-10T10:05:00Z", 300)
    p1 = conversation(
        "2026-03-02T09:00:00Z", "2026-03-02T09:01:00Z", "2026-03-02T09:30:00Z", "chat"
    )
    customer(p1, "2026-03-02T09:00:00Z")
    human(p1, "2026-03-02T09:01:00Z", 60)
    p2 = conversation("2026-03-03T10:00:00Z", "2026-03-03T10:03:00Z", None, "chat")
    customer(p2, "2026-03-03T10:00:00Z")
    human(p2, "2026-03-03T10:03:00Z", 180)
    p3 = conversation(
        "2026-03-04T08:00:00Z", "2026-03-04T09:00:00Z", "2026-03-06T08:00:00Z", "email"
    )
    customer(p3, "2026-03-04T08:00:00Z")
    customer(p3, "2026-03-04T08:20:00Z")
    human(p3, "2026-03-04T09:00:00Z", 3600)
    data.message(p3, "2026-03-04T09:10:00Z", author_type="user", author_id="u1", kind="note")
    customer(p3, "2026-03-04T09:30:00Z")
    data.message(p3, "2026-03-04T09:31:00Z", author_type="bot", author_id="b1", is_bot_reply=True)
    human(p3, "2026-03-04T10:00:00Z", 1800)
    human(p3, "2026-03-04T10:05:00Z", None)
    p4 = conversation(
        "2026-03-05T12:00:00Z", "2026-03-05T12:10:00Z", "2026-03-05T12:10:30.5Z", "email"
    )
    customer(p4, "2026-03-05T12:00:00Z")
    human(p4, "2026-03-05T12:10:00Z", 600)
    p5 = conversation(
        "2026-02-28T23:00:00Z", "2026-03-01T01:00:00Z", "2026-03-01T02:00:00Z", "email"
    )
    customer(p5, "2026-02-28T23:00:00Z")
    human(p5, "2026-03-01T01:00:00Z", 7200)
    p6 = conversation("2026-03-30T10:00:00Z", "2026-04-01T10:00:00Z", None, "email")
    customer(p6, "2026-03-30T10:00:00Z")
    human(p6, "2026-04-01T10:00:00Z", 172800)
    await data.write(engine)
    return engine


async def _report(engine, fields: str, period=MARCH):
    query = f"query($f: ReportFilter!) {{ report(filter: $f) {{ {fields} }} }}"
    return (await execute(engine, query, {"f": period}))["report"]


async def test_every_duration(replies) -> None:
    report = await _report(replies, ALL)
    assert report == {
        # 60, 180, 600, 3600, 7200: p90 at 3.6 = 3600 + 0.6 × 3600
        "firstResponseTime": durations(5, 11640 / 5, 600, 5760, 60, 7200),
        # 60, 180, 600, 1800, 3600, 7200: median at 2.5, p90 at 4.5
        "responseTime": durations(6, 13440 / 6, 1200, 5400, 60, 7200),
        # 630.5, 1800, 10800, 172800: median at 1.5 = 6300, p90 at 2.7 = 10800 + 0.7 × 162000
        "timeToClose": durations(4, 186030.5 / 4, 6300, 124200, 630.5, 172800),
        # 60, 180: median 120, p90 at 0.9 = 168
        "chatWaitTime": durations(2, 120, 120, 168, 60, 180),
    }


async def test_empty_period(replies) -> None:
    report = await _report(replies, ALL, {"from": "2025-01-01", "to": "2025-01-31"})
    assert report == {
        name: NOTHING
        for name in ("firstResponseTime", "responseTime", "timeToClose", "chatWaitTime")
    }


async def test_previous(replies) -> None:
    report = await _report(replies, f"previous {{ {ALL} }}")
    assert report["previous"] == {
        "firstResponseTime": one(300),
        "responseTime": one(300),
        "timeToClose": one(3600),
        "chatWaitTime": NOTHING,
    }


async def test_weekly_series(replies) -> None:
    fields = """series(granularity: WEEK) { start
      firstResponseTime { count median } responseTime { count median }
      timeToClose { count median } chatWaitTime { count median } }"""
    buckets = (await _report(replies, fields))["series"]
    none = {"count": 0, "median": None}
    assert buckets[0] == {  # 1 March: p5
        "start": "2026-03-01",
        "firstResponseTime": {"count": 1, "median": 7200.0},
        "responseTime": {"count": 1, "median": 7200.0},
        "timeToClose": {"count": 1, "median": 10800.0},
        "chatWaitTime": none,
    }
    assert buckets[1] == {  # 2-8 March: p1, p2, p3, p4
        "start": "2026-03-02",
        # 60, 180, 600, 3600
        "firstResponseTime": {"count": 4, "median": 390.0},
        # 60, 180, 600, 1800, 3600
        "responseTime": {"count": 5, "median": 600.0},
        # p1, p4, p3: 630.5, 1800, 172800
        "timeToClose": {"count": 3, "median": 1800.0},
        "chatWaitTime": {"count": 2, "median": 120.0},
    }
    assert [b["start"] for b in buckets[2:]] == [
        "2026-03-09",
        "2026-03-16",
        "2026-03-23",
        "2026-03-30",
    ]
    for bucket in buckets[2:]:
        assert [
            bucket[name]
            for name in ("firstResponseTime", "responseTime", "timeToClose", "chatWaitTime")
        ] == [none] * 4


async def test_by_channel(replies) -> None:
    report = await _report(replies, f"breakdown(by: [CHANNEL]) {{ key {ALL} }}")
    chat = durations(2, 120, 120, 168, 60, 180)
    assert report["breakdown"] == [
        {
            "key": "chat",
            "firstResponseTime": chat,
            "responseTime": chat,
            "timeToClose": one(1800),
            "chatWaitTime": chat,
        },
        {
            "key": "email",
            # 600, 3600, 7200: p90 at 1.8
            "firstResponseTime": durations(3, 3800, 3600, 6480, 600, 7200),
            # 600, 1800, 3600, 7200: median at 1.5, p90 at 2.7
            "responseTime": durations(4, 3300, 2700, 6120, 600, 7200),
            # 630.5, 10800, 172800
            "timeToClose": durations(3, 184230.5 / 3, 10800, 140400, 630.5, 172800),
            "chatWaitTime": NOTHING,
        },
    ]


async def test_order_by_a_median(replies) -> None:
    fields = "breakdown(by: [CHANNEL], orderBy: FIRST_RESPONSE_TIME_MEDIAN, descending: false) { key firstResponseTime { median } }"
    report = await _report(replies, fields)
    assert report["breakdown"] == [
        {"key": "chat", "firstResponseTime": {"median": 120.0}},
        {"key": "email", "firstResponseTime": {"median": 3600.0}},
    ]


async def test_response_time_by_weekday_of_the_reply(replies) -> None:
    # replies: Sun 1 (7200), Mon 2 (60), Tue 3 (180), Wed 4 (3600, 1800), Thu 5 (600)
    fields = "breakdown(by: [WEEKDAY]) { key responseTime { count max } }"
    report = await _report(replies, fields)
    assert report["breakdown"] == [
        {"key": "MONDAY", "responseTime": {"count": 1, "max": 60.0}},
        {"key": "TUESDAY", "responseTime": {"count": 1, "max": 180.0}},
        {"key": "WEDNESDAY", "responseTime": {"count": 2, "max": 3600.0}},
        {"key": "THURSDAY", "responseTime": {"count": 1, "max": 600.0}},
        {"key": "SUNDAY", "responseTime": {"count": 1, "max": 7200.0}},
    ]


async def test_browser_is_an_error_on_every_duration(replies) -> None:
    query = f"query($f: ReportFilter!) {{ report(filter: $f) {{ {ALL} }} }}"
    result = await execute_raw(replies, query, {"f": {**MARCH, "browsers": ["Chrome"]}})
    assert sorted(e.path[-1] for e in result.errors) == [
        "chatWaitTime",
        "firstResponseTime",
        "responseTime",
        "timeToClose",
    ]
    assert all("does not support the filter `browsers`" in e.message for e in result.errors)


async def test_user_reports(replies) -> None:
    query = f"""query($f: ReportFilter!) {{ users(first: 50) {{ edges {{ node {{ id
      report(filter: $f) {{ {ALL} }} }} }} }} }}"""
    users = (await execute(replies, query, {"f": MARCH}))["users"]["edges"]
    # Alice is every conversation's assignee and wrote every human reply; the bot's reply in p3
    # is no human reply
    assert sorted((edge["node"] for edge in users), key=lambda node: node["id"]) == [
        {
            "id": "b1",
            "report": {
                name: NOTHING
                for name in ("firstResponseTime", "responseTime", "timeToClose", "chatWaitTime")
            },
        },
        {
            "id": "u1",
            "report": {
                "firstResponseTime": durations(5, 11640 / 5, 600, 5760, 60, 7200),
                "responseTime": durations(6, 13440 / 6, 1200, 5400, 60, 7200),
                "timeToClose": durations(4, 186030.5 / 4, 6300, 124200, 630.5, 172800),
                "chatWaitTime": durations(2, 120, 120, 168, 60, 180),
            },
        },
    ]
