"""The volume metric (SPEC section 7), through the real importer: which messages are human
replies is derived there, and the expected numbers below are worked out by hand from the rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.csv_folder import import_rows
from tests.report_data import Data, execute

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
FIELDS = """created closed resolved resolvedOnFirstReply messagesReceived repliesSent
            customersHelped perDay busiestDay"""

A = "acme"
CONVERSATIONS = [
    # id, number, inbox, customer, channel, status, theme, assignee, team, pipeline, created, closed
    [
        A,
        "c1",
        "1",
        "ib1",
        "cu1",
        "email",
        "closed",
        "",
        "u1",
        "",
        "",
        "2026-03-02T10:00:00Z",
        "2026-03-05T10:00:00Z",
    ],
    [
        A,
        "c2",
        "2",
        "ib1",
        "cu2",
        "chat",
        "closed",
        "",
        "u1",
        "",
        "",
        "2026-03-02T11:00:00Z",
        "2026-03-06T10:00:00Z",
    ],
    [A, "c3", "3", "ib1", "cu3", "email", "spam", "", "", "", "", "2026-03-03T10:00:00Z", ""],
    [A, "c4", "4", "ib1", "cu1", "chat", "open", "", "u2", "", "", "2026-03-09T10:00:00Z", ""],
    [
        A,
        "c5",
        "5",
        "ib1",
        "cu3",
        "email",
        "closed",
        "",
        "u2",
        "",
        "",
        "2026-02-27T10:00:00Z",
        "2026-03-10T10:00:00Z",
    ],
    [
        A,
        "c6",
        "6",
        "ib1",
        "cu3",
        "email",
        "closed",
        "",
        "",
        "",
        "",
        "2026-03-04T10:00:00Z",
        "2026-04-02T10:00:00Z",
    ],
]
MESSAGES = [
    [A, "m1", "c1", "customer", "", "", "2026-03-02T10:00:00Z"],
    [A, "m2", "c1", "user", "u1", "reply", "2026-03-02T12:00:00Z"],  # human reply
    [A, "m3", "c1", "user", "u1", "note", "2026-03-02T13:00:00Z"],  # a note is no reply
    [A, "m4", "c2", "customer", "", "", "2026-03-02T11:00:00Z"],
    [A, "m5", "c2", "user", "u1", "reply", "2026-03-03T11:00:00Z"],  # human reply
    [A, "m6", "c2", "customer", "", "", "2026-03-03T12:00:00Z"],
    [A, "m7", "c2", "user", "u1", "", "2026-03-04T12:00:00Z"],  # kind defaults to reply
    [A, "m8", "c4", "customer", "", "", "2026-03-09T10:00:00Z"],
    [A, "m9", "c4", "bot", "bot1", "reply", "2026-03-09T10:01:00Z"],  # a bot reply
    [A, "m10", "c4", "user", "bot1", "reply", "2026-03-09T10:02:00Z"],  # a bot user's reply
    [A, "m11", "c5", "customer", "", "", "2026-02-27T10:00:00Z"],  # before March
    [A, "m12", "c6", "customer", "", "", "2026-03-04T10:00:00Z"],
    [A, "m13", "c6", "user", "u2", "reply", "2026-04-01T10:00:00Z"],  # after March
]


@pytest.fixture
async def imported(engine, tmp_path: Path):
    await import_rows(
        engine,
        tmp_path / "volume",
        {
            "accounts.csv": [[A, "Acme", "UTC"]],
            "inboxes.csv": [[A, "ib1", "Support"]],
            "users.csv": [
                [A, "u1", "Una", "", "false"],
                [A, "u2", "Udo", "", "false"],
                [A, "bot1", "Robo", "", "true"],
            ],
            "customers.csv": [[A, c, c.upper(), "", ""] for c in ("cu1", "cu2", "cu3")],
            "conversations.csv": CONVERSATIONS,
            "messages.csv": MESSAGES,
        },
    )
    return engine


async def test_volume_counts_each_field_on_its_own_fact_and_time(imported) -> None:
    data = await execute(
        imported,
        f"query($f: ReportFilter!) {{ report(filter: $f) {{ volume {{ {FIELDS} }} }} }}",
        {"f": MARCH},
    )
    assert data["report"]["volume"] == {
        "created": 4,  # c1, c2, c4, c6: c3 is spam, c5 was created in February
        "closed": 3,  # c1, c2, c5 (c6 closed in April)
        "resolved": 2,  # c1, c2; c5 got no human reply
        "resolvedOnFirstReply": 1,  # c1
        "messagesReceived": 5,  # m1, m4, m6, m8, m12
        "repliesSent": 3,  # m2, m5, m7: not the note, the bot, the bot user, nor April's m13
        "customersHelped": 2,  # cu1 (c1) and cu2 (c2)
        "perDay": 4 / 31,
        # March 2026 has five Sundays, Mondays and Tuesdays: Monday 3 / 5, Wednesday 1 / 4
        "busiestDay": "MONDAY",
    }


async def test_volume_previous_series_and_breakdown_by_user(imported) -> None:
    query = f"""query($f: ReportFilter!) {{ report(filter: $f) {{
      previous {{ volume {{ {FIELDS} }} }}
      series(granularity: WEEK) {{ start volume {{ created perDay busiestDay repliesSent }} }}
      breakdown(by: [USER]) {{ key volume {{ created closed repliesSent customersHelped }} }}
    }} }}"""
    report = (await execute(imported, query, {"f": MARCH}))["report"]
    # 29 January – 28 February: c5 and its customer message, on Friday 27 February
    assert report["previous"]["volume"] == {
        "created": 1, "closed": 0, "resolved": 0, "resolvedOnFirstReply": 0,
        "messagesReceived": 1, "repliesSent": 0, "customersHelped": 0,
        "perDay": 1 / 31, "busiestDay": "FRIDAY",
    }  # fmt: skip
    # ISO weeks clipped to March: 1 March is a Sunday; 30–31 March a two-day bucket
    assert report["series"] == [
        {
            "start": "2026-03-01",
            "volume": {"created": 0, "perDay": 0.0, "busiestDay": None, "repliesSent": 0},
        },
        {
            "start": "2026-03-02",
            "volume": {"created": 3, "perDay": 3 / 7, "busiestDay": "MONDAY", "repliesSent": 3},
        },
        {
            "start": "2026-03-09",
            "volume": {"created": 1, "perDay": 1 / 7, "busiestDay": "MONDAY", "repliesSent": 0},
        },
        {
            "start": "2026-03-16",
            "volume": {"created": 0, "perDay": 0.0, "busiestDay": None, "repliesSent": 0},
        },
        {
            "start": "2026-03-23",
            "volume": {"created": 0, "perDay": 0.0, "busiestDay": None, "repliesSent": 0},
        },
        {
            "start": "2026-03-30",
            "volume": {"created": 0, "perDay": 0.0, "busiestDay": None, "repliesSent": 0},
        },
    ]
    # USER: the assignee for conversations, the author for messages
    assert report["breakdown"] == [
        {
            "key": "u1",
            "volume": {"created": 2, "closed": 2, "repliesSent": 3, "customersHelped": 2},
        },
        {
            "key": "u2",
            "volume": {"created": 1, "closed": 1, "repliesSent": 0, "customersHelped": 0},
        },
        {
            "key": None,
            "volume": {"created": 1, "closed": 0, "repliesSent": 0, "customersHelped": 0},
        },
    ]


async def test_volume_orders_a_breakdown_and_answers_user_reports(imported) -> None:
    query = """query($f: ReportFilter!) {
      report(filter: $f) { breakdown(by: [CHANNEL], orderBy: VOLUME_CREATED) { key volume { created } } }
      users(first: 50) { edges { node { id report(filter: $f) { volume { created repliesSent busiestDay } } } } }
    }"""
    data = await execute(imported, query, {"f": MARCH})
    # chat (c2, c4) and email (c1, c6) tie at 2: ties are ordered by key
    assert data["report"]["breakdown"] == [
        {"key": "chat", "volume": {"created": 2}},
        {"key": "email", "volume": {"created": 2}},
    ]
    reports = {e["node"]["id"]: e["node"]["report"]["volume"] for e in data["users"]["edges"]}
    assert reports == {
        "bot1": {"created": 0, "repliesSent": 0, "busiestDay": None},
        "u1": {"created": 2, "repliesSent": 3, "busiestDay": "MONDAY"},
        "u2": {"created": 1, "repliesSent": 0, "busiestDay": "MONDAY"},
    }


async def test_busiest_day_is_a_mean_per_occurrence_with_ties_to_the_earlier_day(engine) -> None:
    # 1–8 March 2026 runs Sunday to Sunday: Sunday occurs twice, every other day once
    data = Data()
    for created in ("2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z", "2026-03-02T10:00:00Z"):
        data.conversation(created)
    await data.write(engine)
    query = """query($f: ReportFilter!) { report(filter: $f) {
      volume { created busiestDay } series(granularity: MONTH) { volume { busiestDay perDay } }
    } }"""
    report = (await execute(engine, query, {"f": {"from": "2026-03-01", "to": "2026-03-08"}}))[
        "report"
    ]
    # Sunday 2 / 2 = Monday 1 / 1: a tie, to the earlier weekday (weeks start on Monday)
    assert report["volume"] == {"created": 3, "busiestDay": "MONDAY"}
    assert report["series"] == [{"volume": {"busiestDay": "MONDAY", "perDay": 3 / 8}}]

    more = Data(batch="b", new_account=False)
    more.conversation("2026-03-08T10:00:00Z", number=10)
    await more.write(engine)
    report = (await execute(engine, query, {"f": {"from": "2026-03-01", "to": "2026-03-08"}}))[
        "report"
    ]
    assert report["volume"] == {"created": 4, "busiestDay": "SUNDAY"}  # 3 / 2 > 1 / 1


async def test_volume_days_are_local_across_a_daylight_saving_change(engine) -> None:
    # Europe/Paris moves from UTC+1 to UTC+2 on 29 March 2026 at 01:00 UTC
    data = Data(timezone="Europe/Paris")
    for created in (
        "2026-03-22T22:30:00Z",  # Sunday 22 March 23:30 local: before the period
        "2026-03-22T23:30:00Z",  # Monday 23 March 00:30 local
        "2026-03-29T22:30:00Z",  # Monday 30 March 00:30 local (summer time)
        "2026-04-05T21:30:00Z",  # Sunday 5 April 23:30 local
        "2026-04-05T22:30:00Z",  # Monday 6 April 00:30 local: after the period
    ):
        data.conversation(created)
    await data.write(engine)
    query = """query($f: ReportFilter!) { report(filter: $f) {
      volume { created perDay busiestDay }
      breakdown(by: [WEEKDAY]) { key volume { created } }
    } }"""
    report = (
        await execute(
            engine,
            query,
            {"f": {"from": "2026-03-23", "to": "2026-04-05"}},
            timezone="Europe/Paris",
        )
    )["report"]
    assert report["volume"] == {"created": 3, "perDay": 3 / 14, "busiestDay": "MONDAY"}
    assert report["breakdown"] == [
        {"key": "MONDAY", "volume": {"created": 2}},
        {"key": "SUNDAY", "volume": {"created": 1}},
    ]
