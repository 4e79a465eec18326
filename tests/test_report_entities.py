"""User, Team and Inbox reports (batched), drill-downs, and SQL statement counts of a dashboard."""

from __future__ import annotations

from tests.report_data import Data, execute

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
DAY = "2026-03-10T12:00:00Z"


def _users(data: Data, count: int) -> None:
    """User u<i> gets a CSAT 5 and a CSAT (i % 5 + 1), in team t<i % 3>, inbox ib<i % 2>."""
    for i in range(1, count + 1):
        data.user(f"u{i:02d}", f"User {i}")
        for score in (5, i % 5 + 1):
            data.rating(
                "csat", score, DAY, user_id=f"u{i:02d}", team_id=f"t{i % 3}", inbox_id=f"ib{i % 2}"
            )
    for team in range(3):
        data.add("teams", id=f"t{team}", name=f"Team {team}")
    for inbox in range(2):
        data.add("inboxes", id=f"ib{inbox}", name=f"Inbox {inbox}")


def _satisfied(i: int) -> int:
    return 1 + (i % 5 + 1 >= 4)


USERS = """
query($f: ReportFilter!, $n: Int!) { users(first: $n) { edges { node {
  id report(filter: $f) {
    csat { responses satisfied }
    previous { csat { responses } }
    byChannel: breakdown(by: [CHANNEL]) { key csat { responses } }
  }
} } } }
"""


async def test_user_reports_are_batched(engine, statements) -> None:
    data = Data()
    _users(data, 30)
    await data.write(engine)

    statements.reset()
    one = await execute(engine, USERS, {"f": MARCH, "n": 1})
    single = statements.count
    statements.reset()
    many = await execute(engine, USERS, {"f": MARCH, "n": 30})

    assert statements.count == single  # 30 users cost what one costs
    nodes = [edge["node"] for edge in many["users"]["edges"]]
    assert len(nodes) == 30 and one["users"]["edges"][0]["node"] == nodes[0]
    for node in nodes:
        i = int(node["id"][1:])
        assert node["report"]["csat"] == {"responses": 2, "satisfied": _satisfied(i)}
        assert node["report"]["previous"]["csat"] == {"responses": 0}
        assert node["report"]["byChannel"] == [{"key": "email", "csat": {"responses": 2}}]


async def test_team_and_inbox_reports(engine) -> None:
    data = Data()
    _users(data, 30)
    await data.write(engine)
    query = """query($f: ReportFilter!) {
      teams { id report(filter: $f) { csat { responses satisfied } } }
      inboxes { id report(filter: $f) { csat { responses } } } }"""
    result = await execute(engine, query, {"f": MARCH})
    teams = {t["id"]: t["report"]["csat"] for t in result["teams"]}
    for team in range(3):
        members = [i for i in range(1, 31) if i % 3 == team]
        assert teams[f"t{team}"] == {
            "responses": 2 * len(members),
            "satisfied": sum(_satisfied(i) for i in members),
        }
    inboxes = {i["id"]: i["report"]["csat"]["responses"] for i in result["inboxes"]}
    assert inboxes == {"ib0": 30, "ib1": 30}


async def test_an_entity_report_combines_with_the_filter(engine) -> None:
    data = Data()
    _users(data, 4)
    await data.write(engine)
    query = """query($f: ReportFilter!) {
      a: user(id: "u01") { report(filter: $f) { csat { responses } } }
      b: user(id: "u02") { report(filter: $f) { csat { responses } } } }"""
    result = await execute(engine, query, {"f": {**MARCH, "users": ["u01"]}})
    assert result["a"]["report"]["csat"] == {"responses": 2}
    assert result["b"]["report"]["csat"] == {"responses": 0}  # u02 AND u01: nothing


async def test_drill_down_to_ratings_and_conversations(engine) -> None:
    data = Data()
    data.user("u1", "Alice")
    conversation = data.conversation("2026-03-02T08:00:00Z", id="c-bad", number=42)
    data.rating(
        "csat",
        1,
        "2026-03-03T10:00:00Z",
        id="r-old",
        user_id="u1",
        conversation_id="c-bad",
        comment="slow",
    )
    data.rating("csat", 2, "2026-03-04T10:00:00Z", id="r-new", user_id="u1", channel="chat")
    data.rating("csat", 5, "2026-03-05T10:00:00Z", id="r-good", user_id="u1")
    data.rating("csat", 1, "2026-04-05T10:00:00Z", id="r-april", user_id="u1")
    data.rating("nps", 1, "2026-03-05T10:00:00Z", id="r-nps", user_id="u1")
    assert conversation["number"] == 42
    await data.write(engine)
    query = """query($f: ReportFilter!) { report(filter: $f) {
      ratings(first: 1, surveys: [CSAT], scores: [1, 2]) {
        totalCount pageInfo { hasNextPage }
        edges { node { id score comment conversation { number } user { name } } } }
      email: ratings(surveys: [CSAT], scores: [1, 2]) { edges { node { id } } }
      conversations { totalCount edges { node { id number } } } }
      user(id: "u1") { report(filter: $f) { ratings(surveys: [NPS]) { edges { node { id } } } } } }"""
    result = await execute(engine, query, {"f": MARCH})
    ratings = result["report"]["ratings"]
    assert ratings["totalCount"] == 2 and ratings["pageInfo"]["hasNextPage"] is True
    assert ratings["edges"][0]["node"] == {  # newest first
        "id": "r-new",
        "score": 2,
        "comment": None,
        "conversation": None,
        "user": {"name": "Alice"},
    }
    assert [e["node"]["id"] for e in result["report"]["email"]["edges"]] == ["r-new", "r-old"]
    assert result["report"]["conversations"] == {
        "totalCount": 1,
        "edges": [{"node": {"id": "c-bad", "number": 42}}],
    }
    assert result["user"]["report"]["ratings"]["edges"] == [{"node": {"id": "r-nps"}}]
    filtered = await execute(engine, query, {"f": {**MARCH, "channels": ["email"]}})
    assert [e["node"]["id"] for e in filtered["report"]["email"]["edges"]] == ["r-old"]


DASHBOARD = """
query($f: ReportFilter!) { report(filter: $f) {
  csat { score responses } nps { score } happiness { score }
  previous { csat { score } nps { score } happiness { score } }
  series(granularity: DAY) { start csat { responses } }
  byChannel: breakdown(by: [CHANNEL]) { key csat { score } }
  agents: breakdown(by: [USER], orderBy: CSAT_SCORE, limit: 20) { key label csat { score responses } }
} }
"""
# The same shape, asking more fields of the same metrics.
WIDER = (
    DASHBOARD.replace(
        "csat { score responses }",
        "csat { score responses satisfied average distribution { score count } }",
    )
    .replace("nps { score }", "nps { score promoters detractors passivesPercent }")
    .replace(
        "happiness { score }",
        "happiness { score great okay notGood customersWithRatings }",
    )
)


async def test_dashboard_statement_count_depends_on_shape_only(engine, statements) -> None:
    data = Data()
    _users(data, 3)
    await data.write(engine)
    statements.reset()
    await execute(engine, DASHBOARD, {"f": MARCH})
    # Headline and previous ask csat, nps and happiness; the day series, by channel and top
    # agents ask csat; agent labels are one users statement. Each metric has its own statement
    # (Settings.split_metrics): 3 + 3 + 1 + 1 + 1 + 1 = 10. On PostgreSQL, statements reading
    # the same rows grouped differently share a scan with GROUPING SETS (Settings.share_scans),
    # but here each reads its own rollup (server/metrics/rollups.py): the headline and the
    # previous month read the monthly one, the day series the daily one, by channel the monthly
    # one with channels, the top agents the monthly one with users.
    expected = 10
    assert statements.count == expected

    more = Data(batch="more-", new_account=False)
    for i in range(1, 61):
        more.user(f"m{i:02d}")
        more.rating("csat", i % 5 + 1, "2026-01-15T12:00:00Z", user_id=f"m{i:02d}")
        more.rating(
            "nps", i % 11, "2025-07-15T12:00:00Z", user_id=f"m{i:02d}", channel=f"ch{i % 7}"
        )
    await more.write(engine)

    statements.reset()
    result = await execute(engine, WIDER, {"f": {"from": "2025-06-01", "to": "2026-05-31"}})
    assert statements.count == expected  # more fields, users, groups, rows, days: the same
    assert len(result["report"]["series"]) == 365
    assert len(result["report"]["agents"]) == 20

    # happiness.ratingsPercent also reads messages (customers helped): one more statement for
    # each (grouping, period) that asks for it, here the headline and the previous period.
    statements.reset()
    await execute(
        engine,
        DASHBOARD.replace("happiness { score }", "happiness { ratingsPercent }"),
        {"f": MARCH},
    )
    assert statements.count == expected + 2


async def test_drill_down_under_many_users_is_batched(engine, statements) -> None:
    data = Data()
    _users(data, 20)
    await data.write(engine)
    query = """query($f: ReportFilter!, $n: Int!) { users(first: $n) { edges { node {
      id report(filter: $f) {
        ratings(first: 1, scores: [5]) { totalCount edges { node { score user { id } } } }
        conversations { totalCount } } } } } }"""
    statements.reset()
    await execute(engine, query, {"f": MARCH, "n": 1})
    single = statements.count
    statements.reset()
    result = await execute(engine, query, {"f": MARCH, "n": 20})
    assert statements.count == single
    for edge in result["users"]["edges"]:
        node = edge["node"]
        i = int(node["id"][1:])
        ratings = node["report"]["ratings"]
        assert ratings["totalCount"] == (2 if i % 5 + 1 == 5 else 1)
        assert ratings["edges"] == [{"node": {"score": 5, "user": {"id": node["id"]}}}]
        assert node["report"]["conversations"] == {"totalCount": 0}
