"""SPEC 5: tokens, tenant isolation and inbox scopes, through every root and nested record field."""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncEngine

from server.security.tokens import create_token, revoke_token
from server.settings import Limits, Settings
from tests.records_data import Account, Data, api, token


def broad_settings(database_url: str) -> Settings:
    """BROAD asks for every field through nested pages (20 users × 20 ratings × 20 messages …):
    far over the cost budget, whose upper bound counts full pages; here isolation is tested."""
    return Settings(database_url=database_url, limits=Limits(max_cost_cells=10**9))


CANARY = "CANARY-B"

# Every record field, nested from every root field.
CONVERSATION = """id number status channel theme pipeline createdAt closedAt firstResponseAt
    inbox { id name } customer { id name email country } assignee { id name email }
    team { id name members { id name } }
    messages { totalCount edges { cursor node { id authorType kind author { id name } } } }
    ratings { id comment channel browser os user { name } customer { name } }
    transactions { id amount currency } stageChanges { id pipeline stage }"""
RATING = f"""id survey score label comment channel browser os country
    user {{ id name email }} customer {{ id name email }} conversation {{ {CONVERSATION} }}"""
BROAD = f"""{{
  users {{ totalCount edges {{ cursor node {{ id name email isBot teams {{ id name members {{ name }} }}
    ratings {{ totalCount edges {{ node {{ {RATING} }} }} }}
    conversations {{ totalCount edges {{ node {{ {CONVERSATION} }} }} }} }} }} }}
  user(id: "u1") {{ id name email teams {{ name }} }}
  teams {{ id name members {{ id name email }} }}
  inboxes {{ id name }}
  conversation(id: "c1") {{ {CONVERSATION} }}
  byNumber: conversation(number: 1) {{ id theme }}
  conversations {{ totalCount edges {{ node {{ {CONVERSATION} }} }} }}
  ratings {{ totalCount edges {{ node {{ {RATING} }} }} }}
  byNumberOrder: ratings(filter: {{orderBy: NUMBER}}) {{ edges {{ node {{ id comment }} }} }}
}}"""


def populate(account: Account, text: str) -> None:
    """The same rows and ids in every account, `text` in every text column that can hold it."""
    account.inbox("i1", f"{text} Support")
    account.inbox("i2", f"{text} Sales")
    account.user("u1", f"{text} Ann", email=f"{text}@ann")
    account.user("u2", f"{text} Bob", email=f"{text}@bob")
    account.team("t1", f"{text} Tier 1", members=("u1", "u2"))
    account.customer("cu1", f"{text} Carl", email=f"{text}@carl", country="FI")
    for number, (conversation, inbox) in enumerate([("c1", "i1"), ("c2", "i2")], start=1):
        account.conversation(
            conversation, number, inbox, f"2026-03-0{number}T08:00:00Z", status="closed",
            closed=f"2026-03-0{number}T12:00:00Z", channel=f"{text}-chat", customer="cu1",
            assignee="u1", team="t1", theme=f"{text} theme", pipeline=f"{text} pipeline",
        )  # fmt: skip
        account.message(f"{conversation}-m1", conversation, f"2026-03-0{number}T08:00:00Z")
        account.message(
            f"{conversation}-m2", conversation, f"2026-03-0{number}T09:00:00Z",
            author_type="user", author="u1",
        )  # fmt: skip
        account.rating(
            f"{conversation}-r", f"2026-03-0{number}T10:00:00Z", conversation=conversation,
            comment=f"{text} comment", browser=f"{text} browser", os=f"{text} os",
        )  # fmt: skip
        account.transaction(f"{conversation}-x", "2026-03-05T10:00:00Z", amount="12.5",
                            conversation=conversation)  # fmt: skip
        account.stage_change(f"{conversation}-s", conversation, "2026-03-01T09:00:00Z",
                             pipeline=f"{text} pipeline", stage=f"{text} stage")  # fmt: skip
    account.rating("loose", "2026-03-06T10:00:00Z", user="u2", customer="cu1",
                   comment=f"{text} loose", channel=f"{text}-web")  # fmt: skip


async def test_an_account_never_sees_another_accounts_rows(
    database_url: str, engine: AsyncEngine
) -> None:
    data = Data()
    populate(data.account("a", "A"), "A")
    other = data.account("b", CANARY)
    populate(other, CANARY)
    # Rows only B has: asking for them with A's token reads as asking for nothing.
    other.user("b-only", f"{CANARY} only")
    other.conversation("b-conversation", 99, "i1", "2026-03-01T08:00:00Z")
    await data.write(engine)
    a_token, b_token = await token(engine, "a"), await token(engine, "b")

    async with api(database_url, settings=broad_settings(database_url)) as client:
        a_response = await client.post(BROAD, token=a_token)
        b_response = await client.post(BROAD, token=b_token)
        missing = await client.query(
            """{ user(id: "b-only") { id } conversation(id: "b-conversation") { id }
                byNumber: conversation(number: 99) { id }
                loose: ratings(filter: {users: ["b-only"]}) { totalCount } }""",
            token=a_token,
        )

    a = a_response.json()
    assert "errors" not in a, a["errors"]
    assert CANARY not in a_response.text
    # A sees all of its own rows...
    assert a["data"]["users"]["totalCount"] == 2
    assert a["data"]["conversations"]["totalCount"] == 2
    assert a["data"]["ratings"]["totalCount"] == 3
    assert a["data"]["conversation"]["messages"]["totalCount"] == 2
    assert a["data"]["conversation"]["theme"] == "A theme"
    assert [t["name"] for t in a["data"]["teams"][0]["members"]] == ["A Ann", "A Bob"]
    # ...and the same query with B's token is full of B's canaries: the scan above can see them.
    assert "errors" not in b_response.json()
    assert json.dumps(b_response.json()).count(CANARY) > 50
    assert "A " not in json.dumps(b_response.json()["data"]["conversations"])
    assert missing == {
        "user": None,
        "conversation": None,
        "byNumber": None,
        "loose": {"totalCount": 0},
    }


# Account "a", one token scoped to inbox i1:
#
# conversation  inbox  number    rating  conversation  own inbox  effective inbox
# c1            i1     2         r1      c1            -          i1       visible
# c2            i2     1         r2      c2            i1         i1       visible, its conversation not
#                                r3      c1            i2         i2       hidden
#                                r4      -             -          -        hidden (no inbox)
#                                r5      c2            -          i2       hidden


async def write_scoped_data(engine: AsyncEngine) -> tuple[str, str]:
    data = Data()
    a = data.account("a")
    a.inbox("i1", "Support")
    a.inbox("i2", "Sales")
    a.user("u1", "Ann")
    a.user("u2", "Bob")
    a.team("t1", "Tier 1", members=("u1", "u2"))
    a.conversation("c1", 2, "i1", "2026-03-01T08:00:00Z", assignee="u1")
    a.conversation("c2", 1, "i2", "2026-03-02T08:00:00Z", assignee="u1")
    for conversation in ("c1", "c2"):
        a.message(f"{conversation}-m", conversation, "2026-03-02T09:00:00Z")
        a.transaction(f"{conversation}-x", "2026-03-02T10:00:00Z", amount="1",
                      conversation=conversation)  # fmt: skip
        a.stage_change(f"{conversation}-s", conversation, "2026-03-02T10:00:00Z",
                       pipeline="sales", stage="lead")  # fmt: skip
    a.rating("r1", "2026-03-01T10:00:00Z", conversation="c1")
    a.rating("r2", "2026-03-02T10:00:00Z", conversation="c2", inbox="i1")
    a.rating("r3", "2026-03-03T10:00:00Z", conversation="c1", inbox="i2")
    a.rating("r4", "2026-03-04T10:00:00Z", user="u1")
    a.rating("r5", "2026-03-05T10:00:00Z", conversation="c2")
    a.transaction("x-loose", "2026-03-02T10:00:00Z", amount="1")
    await data.write(engine)
    return await token(engine, "a", ("i1",)), await token(engine, "a")


SCOPED = """{
  ratings { totalCount edges { node { id conversation { id } } } }
  byNumber: ratings(filter: {orderBy: NUMBER}) { edges { node { id } } }
  conversations { totalCount edges { node { id
    ratings { id } messages { totalCount edges { node { id } } } transactions { id }
    stageChanges { id } } } }
  c2: conversation(id: "c2") { id }
  c2ByNumber: conversation(number: 1) { id }
  user(id: "u1") { ratings { totalCount edges { node { id } } } conversations { totalCount } }
  users { totalCount } teams { members { id } } inboxes { id }
}"""


def ids(connection: dict) -> list[str]:
    return [edge["node"]["id"] for edge in connection["edges"]]


async def test_an_inbox_scoped_token_sees_only_its_inboxes(
    database_url: str, engine: AsyncEngine
) -> None:
    scoped, unscoped = await write_scoped_data(engine)
    async with api(database_url, settings=broad_settings(database_url)) as client:
        seen = await client.query(SCOPED, token=scoped)
        everything = await client.query(SCOPED, token=unscoped)

    assert seen["ratings"]["totalCount"] == 2
    assert [edge["node"] for edge in seen["ratings"]["edges"]] == [
        {"id": "r1", "conversation": {"id": "c1"}},
        {"id": "r2", "conversation": None},  # in i1 itself, but its conversation is in i2
    ]
    # c2's number is not visible: r2 sorts as a rating without conversation.
    assert ids(seen["byNumber"]) == ["r1", "r2"]
    assert seen["conversations"]["totalCount"] == 1
    assert [edge["node"] for edge in seen["conversations"]["edges"]] == [
        {
            "id": "c1",
            "ratings": [{"id": "r1"}],  # r3 belongs to i2
            "messages": {"totalCount": 1, "edges": [{"node": {"id": "c1-m"}}]},
            "transactions": [{"id": "c1-x"}],
            "stageChanges": [{"id": "c1-s"}],
        }
    ]
    assert seen["c2"] is None
    assert seen["c2ByNumber"] is None
    assert seen["user"] == {
        "ratings": {"totalCount": 2, "edges": [{"node": {"id": "r1"}}, {"node": {"id": "r2"}}]},
        "conversations": {"totalCount": 1},
    }
    # Users, teams and inboxes of the account stay listable.
    assert seen["users"] == {"totalCount": 2}
    assert seen["teams"] == [{"members": [{"id": "u1"}, {"id": "u2"}]}]
    assert seen["inboxes"] == [{"id": "i2"}, {"id": "i1"}]

    # The unscoped token sees every row, the rating without inbox included.
    assert ids(everything["ratings"]) == ["r1", "r2", "r3", "r4", "r5"]
    assert ids(everything["byNumber"]) == ["r2", "r5", "r1", "r3", "r4"]
    assert ids(everything["conversations"]) == ["c1", "c2"]
    assert everything["conversations"]["edges"][0]["node"]["ratings"] == [
        {"id": "r1"},
        {"id": "r3"},
    ]
    assert everything["c2"] == everything["c2ByNumber"] == {"id": "c2"}
    assert everything["user"]["ratings"]["totalCount"] == 5


async def test_requests_without_a_valid_token_get_401(
    database_url: str, engine: AsyncEngine
) -> None:
    data = Data()
    data.account("a").inbox("i1", "Support")
    await data.write(engine)
    info, secret = await create_token(engine, "a", [], "to revoke")
    query = "{ inboxes { id } }"
    async with api(database_url, dev=True) as client:
        assert (await client.query(query, token=secret)) == {"inboxes": [{"id": "i1"}]}
        await revoke_token(engine, info.id)
        responses = {
            "missing": await client.post(query, token=None),
            "bad": await client.post(query, token="rpt_not-a-token"),
            "revoked": await client.post(query, token=secret),
            "basic": await client.client.post(
                "/graphql", json={"query": query}, headers={"Authorization": f"Basic {secret}"}
            ),
            "empty": await client.client.post(
                "/graphql", json={"query": query}, headers={"Authorization": "Bearer "}
            ),
        }
    for name, response in responses.items():
        assert response.status_code == 401, name
        assert response.headers["www-authenticate"] == "Bearer"
        assert list(response.json()) == ["errors"], name
    assert responses["missing"].json()["errors"][0]["message"] == (
        "authentication required: send the header Authorization: Bearer <token>"
    )
    assert responses["bad"].json()["errors"][0]["message"] == "invalid or revoked token"
    assert responses["revoked"].json()["errors"][0]["message"] == "invalid or revoked token"
