"""Every bad input gets one clear error, never a 500 or an internal error (issue 8), on both
databases: HTTP bodies, strings no database can store, time zones and periods off the calendar."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.records_data import Api, Data, api, token

OBJECT = 'expected a JSON object such as {"query": "…", "variables": {…}}'


@pytest.fixture
async def client(database_url: str, engine: AsyncEngine) -> AsyncIterator[Api]:
    data = Data()
    acme = data.account("acme")
    acme.inbox("i1", "Support")
    acme.user("u1", "Ann")
    acme.conversation("c1", 1, "i1", "2026-03-02T10:00:00Z")
    acme.rating("r1", "2026-03-02T11:00:00Z", conversation="c1", user="u1", score=5)
    await data.write(engine)
    secret = await token(engine, "acme")
    async with api(database_url) as served:
        served.token = secret
        yield served


async def post_body(client: Api, body: bytes) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {client.token}", "Content-Type": "application/json"}
    response = await client.client.post("/graphql", content=body, headers=headers)
    [error] = response.json()["errors"]
    return response.status_code, error["message"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'"hello"', f"{OBJECT}, got a string"),
        (b"42", f"{OBJECT}, got a number"),
        (b"null", f"{OBJECT}, got null"),
        (b"[]", f"{OBJECT}, got an array"),
        (b'{"query": "{ inboxes { id } }"}\xff', "not UTF-8 (byte 0xff at offset 31)"),
        (b"[" * 50_000 + b"]" * 50_000, "JSON nested deeper than 64 levels"),
        (
            b'{"query": "{ a }", "variables": {"v": ' + b"[" * 70 + b"]" * 70 + b"}}",
            "JSON nested deeper than 64 levels",
        ),
        (
            b'{"query": "{ inboxes { id } }", "variables": {"n": ' + b"7" * 50_000 + b"}}",
            "a number with more than 4,300 digits",
        ),
        (b'{"query": ', "not JSON (Expecting value at line 1 column 11)"),
        (b'{"query": 5}', '"query" must be a string, got a number'),
        (
            b'{"query": "{ inboxes { id } }", "variables": 5}',
            '"variables" must be an object, got a number',
        ),
    ],
)
async def test_a_bad_body_is_a_400_naming_the_problem(
    client: Api, body: bytes, message: str
) -> None:
    assert await post_body(client, body) == (400, f"request body: {message}")


NUL = "the character U+0000 (NUL) at position 1 cannot be stored or searched for"
MARCH = '{from: "2026-03-01", to: "2026-03-31"'


@pytest.mark.parametrize(
    ("query", "variables", "message"),
    [
        ('{ user(id: "u\\u0000") { id } }', None, f"a string in the query: {NUL}"),
        ('{ conversation(id: "c\\u0000") { id } }', None, f"a string in the query: {NUL}"),
        (
            f'{{ report(filter: {MARCH}, channels: ["e\\u0000"]}}) {{ csat {{ score }} }} }}',
            None,
            f"a string in the query: {NUL}",
        ),
        (
            "query($f: ReportFilter!) { report(filter: $f) { csat { score } } }",
            {"f": {"from": "2026-03-01", "to": "2026-03-31", "users": ["u1", "u\x00"]}},
            f"variables.f.users[1]: {NUL}",
        ),
        (
            "query($f: ReportFilter!) { report(filter: $f) { csat { score } } }",
            {"f": {"from": "2026-03-01", "to": "2026-03-31", "themes": ["x\ud800"]}},
            "variables.f.themes[0]: the character U+D800 (a lone surrogate) at position 1 cannot be stored or searched for",
        ),
        (
            "query($a: String) { ratings(after: $a) { totalCount } }",
            {"a": "c\x00"},
            f"variables.a: {NUL}",
        ),
    ],
)
async def test_strings_no_database_can_store(
    client: Api, query: str, variables: dict | None, message: str
) -> None:
    # json.dumps writes a lone surrogate as the escape "\\ud800", as a client would
    body = json.dumps({"query": query, "variables": variables}).encode()
    assert await post_body(client, body) == (200, message)


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ('timezone: "America"', "timezone: unknown time zone 'America' (use an IANA name)"),
        (
            f'timezone: "{"Europe/" * 40}"',
            "timezone: unknown time zone 'Europe/Europe/Europe/Europe/Europe/Europe/Europe/Europe/Eur… (282 characters) (use an IANA name)",
        ),
    ],
)
async def test_time_zones_that_are_no_zone(client: Api, period: str, message: str) -> None:
    query = f"{{ report(filter: {{{MARCH[1:]}, {period}}}) {{ csat {{ score }} }} }}"
    assert await client.errors(query) == [message]


async def test_periods_off_the_calendar(client: Api) -> None:
    def report(first: str, last: str, fields: str = "days") -> str:
        return f'{{ report(filter: {{from: "{first}", to: "{last}"}}) {{ {fields} }} }}'

    assert await client.errors(report("0001-01-01", "0001-01-05", "previous { days }")) == [
        "previous: the period before 0001-01-01 to 0001-01-05 starts before 0001-01-01"
    ]
    assert await client.errors(report("9999-12-01", "9999-12-31")) == [
        "filter: the period from 9999-12-01 to 9999-12-31 reaches past the calendar "
        "(days run from 0001-01-01 to 9999-12-31)"
    ]
    assert await client.errors(
        report("0001-01-01", "0001-01-05", "previous(shift: YEAR) { days }")
    ) == ["previous: the period before 0001-01-01 to 0001-01-05 starts before 0001-01-01"]
    # The first days of the calendar answer, in a zone behind UTC; the last ones too.
    early = await client.query(
        report("0001-01-01", "0001-01-05", "days csat { responses }").replace(
            "})", ', timezone: "America/New_York"})'
        )
    )
    assert early["report"] == {"days": 5, "csat": {"responses": 0}}
    late = await client.query(
        report("9999-12-01", "9999-12-30", "days series(granularity: YEAR) { start }")
    )
    assert late["report"] == {"days": 30, "series": [{"start": "9999-12-01"}]}


async def test_a_50000_digit_number_in_the_query(client: Api) -> None:
    errors = await client.errors("{ users(first: " + "9" * 50_000 + ") { totalCount } }")
    assert len(errors) == 1 and "Internal error" not in errors[0]
