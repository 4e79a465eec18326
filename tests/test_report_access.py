"""Reports see only the token's account and inboxes: numbers, groups, labels and drill-downs."""

from __future__ import annotations

import json

from tests.report_data import Data, execute

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
DAY = "2026-03-10T12:00:00Z"

REPORT = """
query($f: ReportFilter!) {
  report(filter: $f) {
    csat { responses satisfied }
    byUser: breakdown(by: [USER]) { key label csat { responses } }
    byInbox: breakdown(by: [INBOX]) { key label csat { responses } }
    series(granularity: MONTH) { csat { responses } }
    ratings(first: 100) { totalCount edges { node { id comment user { name } } } }
  }
  users(first: 100) { edges { node { id report(filter: $f) { csat { responses } } } } }
  other: user(id: "b-user") { id report(filter: $f) { csat { responses } } }
}
"""


async def _two_accounts(engine) -> None:  # noqa: ANN001
    acme = Data("acme")
    acme.user("a-user", "Alice")
    acme.add("inboxes", id="ib1", name="Support")
    acme.add("inboxes", id="ib2", name="Sales")
    acme.rating("csat", 5, DAY, user_id="a-user", inbox_id="ib1", comment="fine")
    acme.rating("csat", 2, DAY, user_id="a-user", inbox_id="ib2", comment="meh")
    acme.rating("csat", 4, DAY, user_id="a-user", inbox_id=None, channel="external")
    await acme.write(engine)
    # The other account reuses acme's inbox ids; every text holds a canary.
    other = Data("globex")
    other.user("b-user", "CANARY-B name")
    other.add("inboxes", id="ib1", name="CANARY-B inbox")
    for _ in range(3):
        other.rating("csat", 1, DAY, user_id="b-user", inbox_id="ib1", comment="CANARY-B comment")
    await other.write(engine)


async def test_an_account_token_sees_its_account_only(engine) -> None:  # noqa: ANN001
    await _two_accounts(engine)
    result = await execute(engine, REPORT, {"f": MARCH}, account="acme")
    assert "CANARY-B" not in json.dumps(result)
    report = result["report"]
    assert report["csat"] == {"responses": 3, "satisfied": 2}
    assert report["byUser"] == [{"key": "a-user", "label": "Alice", "csat": {"responses": 3}}]
    assert report["ratings"]["totalCount"] == 3
    assert result["other"] is None  # another account's id reads as a missing one
    assert [e["node"]["id"] for e in result["users"]["edges"]] == ["a-user"]


async def test_an_inbox_token_counts_its_inboxes_only(engine) -> None:  # noqa: ANN001
    await _two_accounts(engine)
    result = await execute(
        engine, REPORT, {"f": MARCH}, account="acme", inbox_ids=frozenset({"ib1"})
    )
    assert "CANARY-B" not in json.dumps(result)
    report = result["report"]
    # the rating of ib2 and the one with no inbox are not visible to this token
    assert report["csat"] == {"responses": 1, "satisfied": 1}
    assert report["byInbox"] == [{"key": "ib1", "label": "Support", "csat": {"responses": 1}}]
    assert report["series"] == [{"csat": {"responses": 1}}]
    assert [e["node"]["comment"] for e in report["ratings"]["edges"]] == ["fine"]
    # users stay listable; their numbers come from visible rows only
    users = result["users"]["edges"]
    assert [(u["node"]["id"], u["node"]["report"]["csat"]["responses"]) for u in users] == [
        ("a-user", 1)
    ]
    # asking for an inbox outside the token's adds nothing
    outside = await execute(
        engine,
        REPORT,
        {"f": {**MARCH, "inboxes": ["ib2"]}},
        account="acme",
        inbox_ids=frozenset({"ib1"}),
    )
    assert outside["report"]["csat"] == {"responses": 0, "satisfied": 0}
