"""Record fields, filters and keyset pagination over HTTP, on SQLite and PostgreSQL.

Expected values are written by hand from the data set below.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.records_data import Api, Data, api, token

# Account time zone Europe/Helsinki: UTC+2 in early March 2026.
#
# conversation  number  inbox  channel  created (UTC)      assignee  status   theme
# c1            3       i1     email    2026-03-01 08:00   u1        closed   billing
# c2            1       i2     chat     2026-03-02 09:00   u2        open     bugs
# c3            2       i1     phone    2026-03-03 10:00   u1        pending  billing
#
# rating  created (UTC)      survey     score  conversation  comment
# r1      2026-03-01 09:00   csat       5      c1            "Great help"
# r2      2026-03-01 23:30   csat       2      c2            -
# r3      2026-03-02 10:00   nps        9      c3            "Quick"
# r4      2026-03-03 11:00   csat       5      - (user u2)   -
# r5      2026-03-04 12:00   happiness  3      c1            ""
# r6      2026-03-05 13:00   csat       2      c2            -
# r7      2026-03-05 13:00   ces        6      c3            -


async def write_data(engine: AsyncEngine) -> str:
    data = Data()
    acme = data.account("acme", "Acme", timezone="Europe/Helsinki")
    acme.inbox("i1", "Support")
    acme.inbox("i2", "Billing")
    acme.user("u1", "Ann", email="ann@acme.test")
    acme.user("u2", "Bob")
    acme.user("u3", "Bot", is_bot=True)
    acme.team("t1", "Tier 1", members=("u1", "u2"))
    acme.team("t2", "Night", members=("u2",))
    acme.customer("cu1", "Carl", email="carl@example.test", country="FI")
    acme.customer("cu2", "Dana", country="SE")
    acme.conversation(
        "c1",
        3,
        "i1",
        "2026-03-01T08:00:00Z",
        status="closed",
        closed="2026-03-02T08:00:00Z",
        channel="email",
        customer="cu1",
        assignee="u1",
        team="t1",
        theme="billing",
        pipeline="sales",
    )
    acme.conversation(
        "c2", 1, "i2", "2026-03-02T09:00:00Z", channel="chat", customer="cu2", assignee="u2",
        theme="bugs",
    )  # fmt: skip
    acme.conversation(
        "c3", 2, "i1", "2026-03-03T10:00:00Z", status="pending", channel="phone", assignee="u1",
        theme="billing",
    )  # fmt: skip
    acme.message("m1", "c1", "2026-03-01T08:00:00Z")
    acme.message("m2", "c1", "2026-03-01T08:30:00Z", author_type="user", author="u1")
    acme.message("m3", "c1", "2026-03-01T08:40:00Z", author_type="user", author="u1", kind="note")
    acme.message("m4", "c1", "2026-03-01T08:20:00Z", author_type="bot", author="u3")
    acme.rating("r1", "2026-03-01T09:00:00Z", score=5, conversation="c1", comment="Great help")
    acme.rating("r2", "2026-03-01T23:30:00Z", score=2, conversation="c2")
    acme.rating("r3", "2026-03-02T10:00:00Z", survey="nps", score=9, conversation="c3",
                comment="Quick")  # fmt: skip
    acme.rating("r4", "2026-03-03T11:00:00Z", score=5, user="u2")
    acme.rating("r5", "2026-03-04T12:00:00Z", survey="happiness", score=3, conversation="c1",
                comment="")  # fmt: skip
    acme.rating("r6", "2026-03-05T13:00:00Z", score=2, conversation="c2")
    acme.rating("r7", "2026-03-05T13:00:00Z", survey="ces", score=6, conversation="c3")
    acme.transaction("x1", "2026-03-02T07:00:00Z", amount="129.9", conversation="c1")
    acme.transaction("x2", "2026-03-02T07:30:00Z", amount="5", currency="USD", conversation="c1")
    acme.transaction("x3", "2026-03-02T08:00:00Z", amount="1.2345", conversation="c1")
    acme.stage_change("s1", "c1", "2026-03-01T08:00:00Z", pipeline="sales", stage="lead")
    acme.stage_change("s2", "c1", "2026-03-01T12:00:00Z", pipeline="sales", stage="won")
    await data.write(engine)
    return await token(engine, "acme")


@pytest.fixture
async def client(database_url: str, engine: AsyncEngine) -> AsyncIterator[Api]:
    secret = await write_data(engine)
    async with api(database_url) as served:
        served.token = secret
        yield served


def ids(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in connection["edges"]]


async def rating_ids(client: Api, rating_filter: dict[str, Any]) -> list[str]:
    query = "query($f: RatingFilter) { ratings(filter: $f, first: 100) { edges { node { id } } } }"
    data = await client.query(query, {"f": rating_filter})
    return ids(data["ratings"])


async def conversation_ids(client: Api, conversation_filter: dict[str, Any]) -> list[str]:
    query = """query($f: ConversationFilter) {
        conversations(filter: $f, first: 100) { edges { node { id } } } }"""
    data = await client.query(query, {"f": conversation_filter})
    return ids(data["conversations"])


async def test_conversation_fields_and_relations(client: Api) -> None:
    query = """{ conversation(id: "c1") {
        id number status channel theme pipeline createdAt closedAt firstResponseAt
        inbox { id name } customer { id name email country } assignee { id name } team { name }
        messages { totalCount edges { node { id authorType kind createdAt author { id } } } }
        ratings { id } transactions { id amount currency createdAt }
        stageChanges { id pipeline stage enteredAt } } }"""
    data = await client.query(query)
    assert data["conversation"] == {
        "id": "c1",
        "number": 3,
        "status": "CLOSED",
        "channel": "email",
        "theme": "billing",
        "pipeline": "sales",
        "createdAt": "2026-03-01T08:00:00+00:00",
        "closedAt": "2026-03-02T08:00:00+00:00",
        "firstResponseAt": "2026-03-01T08:30:00+00:00",
        "inbox": {"id": "i1", "name": "Support"},
        "customer": {"id": "cu1", "name": "Carl", "email": "carl@example.test", "country": "FI"},
        "assignee": {"id": "u1", "name": "Ann"},
        "team": {"name": "Tier 1"},
        "messages": {
            "totalCount": 4,
            "edges": [
                {
                    "node": {
                        "id": "m1",
                        "authorType": "CUSTOMER",
                        "kind": "REPLY",
                        "createdAt": "2026-03-01T08:00:00+00:00",
                        "author": None,
                    }
                },
                {
                    "node": {
                        "id": "m4",
                        "authorType": "BOT",
                        "kind": "REPLY",
                        "createdAt": "2026-03-01T08:20:00+00:00",
                        "author": {"id": "u3"},
                    }
                },
                {
                    "node": {
                        "id": "m2",
                        "authorType": "USER",
                        "kind": "REPLY",
                        "createdAt": "2026-03-01T08:30:00+00:00",
                        "author": {"id": "u1"},
                    }
                },
                {
                    "node": {
                        "id": "m3",
                        "authorType": "USER",
                        "kind": "NOTE",
                        "createdAt": "2026-03-01T08:40:00+00:00",
                        "author": {"id": "u1"},
                    }
                },
            ],
        },  # fmt: skip
        "ratings": [{"id": "r1"}, {"id": "r5"}],
        "transactions": [
            {
                "id": "x1",
                "amount": "129.90",
                "currency": "EUR",
                "createdAt": "2026-03-02T07:00:00+00:00",
            },
            {
                "id": "x2",
                "amount": "5.00",
                "currency": "USD",
                "createdAt": "2026-03-02T07:30:00+00:00",
            },
            {
                "id": "x3",
                "amount": "1.2345",
                "currency": "EUR",
                "createdAt": "2026-03-02T08:00:00+00:00",
            },
        ],  # fmt: skip
        "stageChanges": [
            {
                "id": "s1",
                "pipeline": "sales",
                "stage": "lead",
                "enteredAt": "2026-03-01T08:00:00+00:00",
            },
            {
                "id": "s2",
                "pipeline": "sales",
                "stage": "won",
                "enteredAt": "2026-03-01T12:00:00+00:00",
            },
        ],  # fmt: skip
    }


async def test_conversation_by_number_and_id(client: Api) -> None:
    query = """{ byNumber: conversation(number: 2) { id }
        both: conversation(id: "c2", number: 1) { id }
        mismatch: conversation(id: "c2", number: 2) { id }
        unknown: conversation(id: "nope") { id }
        unknownNumber: conversation(number: 42) { id } }"""
    data = await client.query(query)
    assert data == {
        "byNumber": {"id": "c3"},
        "both": {"id": "c2"},
        "mismatch": None,
        "unknown": None,
        "unknownNumber": None,
    }
    errors = await client.errors("{ conversation { id } }")
    assert errors == ["conversation: give an id or a number"]


async def test_rating_fields(client: Api) -> None:
    query = """{ ratings(first: 3) { edges { node {
        id survey score label comment createdAt channel browser os country
        conversation { id } user { id } customer { id } } } } }"""
    data = await client.query(query)
    nodes = [edge["node"] for edge in data["ratings"]["edges"]]
    assert nodes[0] == {
        "id": "r1", "survey": "CSAT", "score": 5, "label": None, "comment": "Great help",
        "createdAt": "2026-03-01T09:00:00+00:00", "channel": "email", "browser": "Other",
        "os": "Other", "country": "FI", "conversation": {"id": "c1"}, "user": {"id": "u1"},
        "customer": {"id": "cu1"},
    }  # fmt: skip
    assert nodes[2]["survey"] == "NPS"
    assert nodes[2]["customer"] is None
    r4 = await client.query(
        '{ ratings(filter: {channels: ["external"]}) { edges { node { id conversation { id } '
        "user { id } channel } } } }",
    )
    assert [e["node"] for e in r4["ratings"]["edges"]] == [
        {"id": "r4", "conversation": None, "user": {"id": "u2"}, "channel": "external"}
    ]


async def test_happiness_labels(database_url: str, engine: AsyncEngine) -> None:
    data = Data()
    acme = data.account("acme")
    for score in (1, 2, 3):
        acme.rating(f"h{score}", f"2026-03-0{score}T10:00:00Z", survey="happiness", score=score)
    acme.rating("c3", "2026-03-04T10:00:00Z", survey="csat", score=3)
    await data.write(engine)
    secret = await token(engine, "acme")
    async with api(database_url) as client:
        result = await client.query("{ ratings { edges { node { id label } } } }", token=secret)
    assert [edge["node"] for edge in result["ratings"]["edges"]] == [
        {"id": "h1", "label": "NOT_GOOD"},
        {"id": "h2", "label": "OKAY"},
        {"id": "h3", "label": "GREAT"},
        {"id": "c3", "label": None},
    ]


async def test_users_teams_and_inboxes(client: Api) -> None:
    query = """{ users { totalCount edges { node { id name email isBot teams { id } } } }
        user(id: "u2") { name teams { name members { id } } }
        teams { id name members { id } } inboxes { id name } }"""
    data = await client.query(query)
    assert data["users"]["totalCount"] == 3
    assert [edge["node"] for edge in data["users"]["edges"]] == [
        {"id": "u1", "name": "Ann", "email": "ann@acme.test", "isBot": False,
         "teams": [{"id": "t1"}]},
        {"id": "u2", "name": "Bob", "email": None, "isBot": False,
         "teams": [{"id": "t2"}, {"id": "t1"}]},
        {"id": "u3", "name": "Bot", "email": None, "isBot": True, "teams": []},
    ]  # fmt: skip
    assert data["user"] == {
        "name": "Bob",
        "teams": [
            {"name": "Night", "members": [{"id": "u2"}]},
            {"name": "Tier 1", "members": [{"id": "u1"}, {"id": "u2"}]},
        ],
    }
    assert data["teams"] == [
        {"id": "t2", "name": "Night", "members": [{"id": "u2"}]},
        {"id": "t1", "name": "Tier 1", "members": [{"id": "u1"}, {"id": "u2"}]},
    ]
    assert data["inboxes"] == [{"id": "i2", "name": "Billing"}, {"id": "i1", "name": "Support"}]


async def test_user_ratings_and_conversations(client: Api) -> None:
    query = """{ users { edges { node { id
        ratings(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } }
        fives: ratings(filter: {scores: [5]}) { totalCount edges { node { id } } }
        conversations { totalCount edges { node { id } } } } } } }"""
    data = await client.query(query)
    by_user = {edge["node"]["id"]: edge["node"] for edge in data["users"]["edges"]}
    assert ids(by_user["u1"]["ratings"]) == ["r1", "r3"]
    assert by_user["u1"]["ratings"]["totalCount"] == 4
    assert by_user["u1"]["ratings"]["pageInfo"]["hasNextPage"] is True
    assert ids(by_user["u2"]["ratings"]) == ["r2", "r4"]
    assert by_user["u2"]["ratings"]["totalCount"] == 3
    assert ids(by_user["u3"]["ratings"]) == []
    assert by_user["u3"]["ratings"]["totalCount"] == 0
    assert by_user["u3"]["ratings"]["pageInfo"] == {"hasNextPage": False, "endCursor": None}
    assert ids(by_user["u1"]["fives"]) == ["r1"]
    assert ids(by_user["u2"]["fives"]) == ["r4"]
    assert ids(by_user["u1"]["conversations"]) == ["c1", "c3"]
    assert ids(by_user["u2"]["conversations"]) == ["c2"]

    cursor = by_user["u1"]["ratings"]["pageInfo"]["endCursor"]
    rest = await client.query(
        'query($after: String) { user(id: "u1") { ratings(first: 2, after: $after) '
        "{ pageInfo { hasNextPage } edges { node { id } } } } }",
        {"after": cursor},
    )
    assert ids(rest["user"]["ratings"]) == ["r5", "r7"]
    assert rest["user"]["ratings"]["pageInfo"]["hasNextPage"] is False


ORDERS = [
    ("CREATED_AT", False, ["r1", "r2", "r3", "r4", "r5", "r6", "r7"]),
    ("CREATED_AT", True, ["r7", "r6", "r5", "r4", "r3", "r2", "r1"]),
    ("SCORE", False, ["r2", "r6", "r5", "r1", "r4", "r7", "r3"]),
    ("SCORE", True, ["r3", "r7", "r4", "r1", "r5", "r6", "r2"]),
    ("NUMBER", False, ["r2", "r6", "r3", "r7", "r1", "r5", "r4"]),
    ("NUMBER", True, ["r5", "r1", "r7", "r3", "r6", "r2", "r4"]),
]


@pytest.mark.parametrize(("order", "descending", "expected"), ORDERS)
async def test_rating_pages_walk_every_order(
    client: Api, order: str, descending: bool, expected: list[str]
) -> None:
    query = """query($f: RatingFilter, $after: String) {
        ratings(filter: $f, first: 2, after: $after) {
            totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }"""
    seen: list[str] = []
    has_next: list[bool] = []
    after = None
    while True:
        variables = {"f": {"orderBy": order, "descending": descending}, "after": after}
        page = (await client.query(query, variables))["ratings"]
        assert page["totalCount"] == 7
        seen += ids(page)
        has_next.append(page["pageInfo"]["hasNextPage"])
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected
    assert has_next == [True, True, True, False]


async def test_conversation_pages(client: Api) -> None:
    query = """query($after: String) { conversations(first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }"""
    first = (await client.query(query))["conversations"]
    assert (ids(first), first["totalCount"], first["pageInfo"]["hasNextPage"]) == (
        ["c1", "c2"],
        3,
        True,
    )
    variables = {"after": first["pageInfo"]["endCursor"]}
    second = (await client.query(query, variables))["conversations"]
    assert (ids(second), second["pageInfo"]["hasNextPage"]) == (["c3"], False)


async def test_messages_pages(client: Api) -> None:
    query = """query($after: String) { conversation(id: "c1") { messages(first: 3, after: $after)
        { pageInfo { hasNextPage endCursor } edges { node { id } } } } }"""
    first = (await client.query(query))["conversation"]["messages"]
    assert (ids(first), first["pageInfo"]["hasNextPage"]) == (["m1", "m4", "m2"], True)
    variables = {"after": first["pageInfo"]["endCursor"]}
    second = (await client.query(query, variables))["conversation"]
    assert ids(second["messages"]) == ["m3"]


@pytest.mark.parametrize(
    ("rating_filter", "expected"),
    [
        ({"hasComment": True}, ["r1", "r3"]),
        ({"hasComment": False}, ["r2", "r4", "r5", "r6", "r7"]),
        ({"scores": [2, 5]}, ["r1", "r2", "r4", "r6"]),
        ({"surveys": ["NPS", "CES"]}, ["r3", "r7"]),
        ({"surveys": ["CSAT"], "scores": [2]}, ["r2", "r6"]),
        ({"channels": ["chat"]}, ["r2", "r6"]),
        ({"channels": ["external", "phone"]}, ["r3", "r4", "r7"]),
        ({"users": ["u2"]}, ["r2", "r4", "r6"]),
        ({"inboxes": ["i2"]}, ["r2", "r6"]),
        ({"scores": [], "surveys": []}, ["r1", "r2", "r3", "r4", "r5", "r6", "r7"]),
        # 2 March in Helsinki (the account's zone) is 1 March 22:00 to 2 March 22:00 UTC.
        ({"from": "2026-03-02", "to": "2026-03-02"}, ["r2", "r3"]),
        ({"from": "2026-03-02", "to": "2026-03-02", "timezone": "UTC"}, ["r3"]),
        ({"from": "2026-03-01", "to": "2026-03-01", "timezone": "Asia/Tokyo"}, ["r1"]),
        ({"from": "2026-03-04"}, ["r5", "r6", "r7"]),
        ({"to": "2026-03-01", "timezone": "UTC"}, ["r1", "r2"]),
    ],
)
async def test_rating_filters(
    client: Api, rating_filter: dict[str, Any], expected: list[str]
) -> None:
    assert await rating_ids(client, rating_filter) == expected


@pytest.mark.parametrize(
    ("conversation_filter", "expected"),
    [
        ({"statuses": ["OPEN", "PENDING"]}, ["c2", "c3"]),
        ({"channels": ["phone"]}, ["c3"]),
        ({"inboxes": ["i1"]}, ["c1", "c3"]),
        ({"users": ["u1"]}, ["c1", "c3"]),
        ({"themes": ["bugs"]}, ["c2"]),
        ({"from": "2026-03-02", "to": "2026-03-02", "timezone": "UTC"}, ["c2"]),
        ({"from": "2026-03-02", "timezone": "UTC", "inboxes": ["i1"]}, ["c3"]),
    ],
)
async def test_conversation_filters(
    client: Api, conversation_filter: dict[str, Any], expected: list[str]
) -> None:
    assert await conversation_ids(client, conversation_filter) == expected


async def test_bad_filters_and_cursors_are_clear_errors(client: Api) -> None:
    query = "query($f: RatingFilter, $a: String) { ratings(filter: $f, after: $a) { totalCount } }"
    assert await client.errors(query, {"f": {"timezone": "Mars/Olympus"}}) == [
        "timezone: unknown time zone 'Mars/Olympus' (use an IANA name)"
    ]
    bad_period = {"f": {"from": "2026-03-05", "to": "2026-03-01"}}
    assert await client.errors(query, bad_period) == [
        "filter: from (2026-03-05) is after to (2026-03-01)"
    ]
    assert await client.errors(query, {"a": "not a cursor"}) == [
        "after: not a cursor (pass a pageInfo.endCursor)"
    ]
    users = await client.query("{ users(first: 1) { pageInfo { endCursor } } }")
    foreign = {"a": users["users"]["pageInfo"]["endCursor"]}
    assert await client.errors(query, foreign) == [
        "after: this cursor belongs to another list or ordering"
    ]
    by_score = await client.query(
        "{ ratings(first: 1, filter: {orderBy: SCORE}) { pageInfo { endCursor } } }"
    )
    other_order = {"a": by_score["ratings"]["pageInfo"]["endCursor"]}
    assert await client.errors(query, other_order) == [
        "after: this cursor belongs to another list or ordering"
    ]
