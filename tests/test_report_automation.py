"""Automation (SPEC section 7): closed conversations with a bot reply and no human reply.

Rows carry the flags and counts the import derives (server/ingest/derive.py, replies.py): a
reply by author_type `bot` or by a bot user is a bot reply; a note is no reply at all; only a
reply by a user who is not a bot is a human reply.
"""

from __future__ import annotations

import pytest

from tests.report_data import Data, execute, execute_raw

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
AUTOMATION = "automation { rate automated closed }"


@pytest.fixture
async def conversations(engine):
    data = Data()
    data.user("u1", "Alice")
    data.user("b1", "Helper bot", is_bot=True)

    def customer(conversation, created: str) -> None:
        data.message(conversation, created)

    def bot(conversation, created: str, **values) -> None:
        values = {"author_type": "bot", "author_id": "b1", **values}
        data.message(conversation, created, is_bot_reply=True, **values)

    def human(conversation, created: str) -> None:
        data.message(conversation, created, author_type="user", author_id="u1", is_human_reply=True)

    def note(conversation, created: str) -> None:
        data.message(conversation, created, author_type="user", author_id="u1", kind="note")

    # bot only, twice: automated
    a1 = data.conversation(
        "2026-03-02T09:00:00Z",
        closed="2026-03-02T09:30:00Z",
        channel="chat",
        bot_replies=2,
        assignee_id="b1",
    )
    customer(a1, "2026-03-02T09:00:00Z")
    bot(a1, "2026-03-02T09:00:05Z")
    customer(a1, "2026-03-02T09:01:00Z")
    bot(a1, "2026-03-02T09:01:05Z")
    # a bot greets, a human answers: not automated
    a2 = data.conversation(
        "2026-03-03T09:00:00Z",
        closed="2026-03-03T10:00:00Z",
        channel="chat",
        bot_replies=1,
        human_replies=1,
        first_response="2026-03-03T09:05:00Z",
        assignee_id="u1",
    )
    customer(a2, "2026-03-03T09:00:00Z")
    bot(a2, "2026-03-03T09:00:05Z")
    human(a2, "2026-03-03T09:05:00Z")
    # only an internal note: no bot reply, no human reply, so not automated
    a3 = data.conversation("2026-03-04T09:00:00Z", closed="2026-03-10T10:00:00Z", assignee_id="u1")
    customer(a3, "2026-03-04T09:00:00Z")
    note(a3, "2026-03-04T09:10:00Z")
    # a reply by a bot *user* (author_type user) is a bot reply: automated
    a4 = data.conversation(
        "2026-03-11T09:00:00Z",
        closed="2026-03-11T09:30:00Z",
        channel="chat",
        bot_replies=1,
        assignee_id="b1",
    )
    customer(a4, "2026-03-11T09:00:00Z")
    bot(a4, "2026-03-11T09:00:05Z", author_type="user")
    # bot only but still open, and bot only but closed in April: not in March's numbers
    a5 = data.conversation("2026-03-12T09:00:00Z", channel="chat", bot_replies=1)
    bot(a5, "2026-03-12T09:00:05Z")
    a6 = data.conversation(
        "2026-03-31T09:00:00Z", closed="2026-04-01T09:30:00Z", channel="chat", bot_replies=1
    )
    bot(a6, "2026-03-31T09:00:05Z")
    # February: one bot-only conversation
    a7 = data.conversation(
        "2026-02-10T09:00:00Z", closed="2026-02-10T09:30:00Z", channel="chat", bot_replies=1
    )
    bot(a7, "2026-02-10T09:00:05Z")
    await data.write(engine)
    return engine


async def _report(engine, fields: str, period=MARCH):
    query = f"query($f: ReportFilter!) {{ report(filter: $f) {{ {fields} }} }}"
    return (await execute(engine, query, {"f": period}))["report"]


async def test_automation(conversations) -> None:
    report = await _report(conversations, AUTOMATION)
    # closed in March: a1, a2, a3, a4; automated: a1, a4
    assert report["automation"] == {"rate": 50.0, "automated": 2, "closed": 4}


async def test_empty_period(conversations) -> None:
    report = await _report(conversations, AUTOMATION, {"from": "2025-01-01", "to": "2025-01-31"})
    assert report["automation"] == {"rate": None, "automated": 0, "closed": 0}


async def test_previous_and_weekly_series(conversations) -> None:
    fields = f"previous {{ {AUTOMATION} }} series(granularity: WEEK) {{ start {AUTOMATION} }}"
    report = await _report(conversations, fields)
    assert report["previous"]["automation"] == {"rate": 100.0, "automated": 1, "closed": 1}
    none = {"rate": None, "automated": 0, "closed": 0}
    assert report["series"] == [
        {"start": "2026-03-01", "automation": none},
        {"start": "2026-03-02", "automation": {"rate": 50.0, "automated": 1, "closed": 2}},
        {"start": "2026-03-09", "automation": {"rate": 50.0, "automated": 1, "closed": 2}},
        {"start": "2026-03-16", "automation": none},
        {"start": "2026-03-23", "automation": none},
        {"start": "2026-03-30", "automation": none},
    ]


async def test_by_channel_ordered_by_rate(conversations) -> None:
    fields = f"breakdown(by: [CHANNEL], orderBy: AUTOMATION_RATE) {{ key {AUTOMATION} }}"
    report = await _report(conversations, fields)
    assert report["breakdown"] == [
        {
            "key": "chat",
            "automation": {"rate": pytest.approx(200 / 3), "automated": 2, "closed": 3},
        },
        {"key": "email", "automation": {"rate": 0.0, "automated": 0, "closed": 1}},
    ]


async def test_a_browser_filter_is_an_error_naming_both(conversations) -> None:
    query = f"query($f: ReportFilter!) {{ report(filter: $f) {{ {AUTOMATION} }} }}"
    result = await execute_raw(conversations, query, {"f": {**MARCH, "browsers": ["Chrome"]}})
    (error,) = result.errors
    assert "`automation` does not support the filter `browsers`" in error.message


async def test_user_reports(conversations) -> None:
    query = f"""query($f: ReportFilter!) {{ users(first: 50) {{ edges {{ node {{ id
      report(filter: $f) {{ {AUTOMATION} }} }} }} }} }}"""
    users = (await execute(conversations, query, {"f": MARCH}))["users"]["edges"]
    # by assignee: the bot user closed a1 and a4, Alice a2 and a3
    assert sorted((edge["node"] for edge in users), key=lambda node: node["id"]) == [
        {"id": "b1", "report": {"automation": {"rate": 100.0, "automated": 2, "closed": 2}}},
        {"id": "u1", "report": {"automation": {"rate": 0.0, "automated": 0, "closed": 2}}},
    ]
