"""The example queries clients send (shared/examples) answer on the demo data, over HTTP.

The examples whose metrics are built so far run here: the happiness report (000) and the survey
tool's anatomy (001). Expected numbers are checked against plain SQL counts and against each other
(series and breakdowns add up to the headline numbers).
"""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from rich.console import Console
from sqlalchemy import text

from server.app import create_app
from server.db.engine import create_engine
from server.demo import write_demo
from server.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "examples"


def _example(name: str) -> tuple[str, dict]:
    source = (EXAMPLES / name).read_text()
    variables = re.search(r"^# variables: (.*)$", source, re.MULTILINE)
    assert variables, name
    return source, json.loads(variables.group(1))


def _micros(day: date, zone: str) -> int:
    moment = datetime.combine(day, time(0), ZoneInfo(zone))
    return int(moment.timestamp()) * 1_000_000


async def _count(url: str, sql: str, **parameters: object) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.scalar(text(sql), parameters)
    finally:
        await engine.dispose()


@pytest.fixture
async def demo(database_url: str):  # noqa: ANN201
    token = await write_demo(
        database_url, size="small", seed=1, console=Console(file=io.StringIO())
    )
    app = create_app(Settings(database_url=database_url), dev=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
    ):
        client.headers["Authorization"] = f"Bearer {token}"
        yield database_url, client


async def _run(client: httpx.AsyncClient, name: str) -> tuple[dict, dict]:
    query, variables = _example(name)
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"], variables


async def test_happiness_report(demo) -> None:  # noqa: ANN001
    url, client = demo
    data, variables = await _run(client, "000-happiness-report.graphql")
    report = data["report"]
    happiness = report["happiness"]
    zone = "Europe/Paris"  # the demo account's time zone, the report's default
    start = _micros(date.fromisoformat(variables["f"]["from"]), zone)
    end = _micros(date.fromisoformat(variables["f"]["to"]) + timedelta(days=1), zone)
    expected = await _count(
        url,
        "SELECT count(*) FROM ratings WHERE account_id = 'acme' AND survey = 'happiness' "
        "AND created_at >= :start AND created_at < :end",
        start=start,
        end=end,
    )
    assert happiness["responses"] == expected > 0
    assert happiness["great"] + happiness["okay"] + happiness["notGood"] == expected
    assert happiness["score"] == pytest.approx(
        happiness["greatPercent"] - happiness["notGoodPercent"]
    )
    assert 0 < happiness["ratingsPercent"] <= 100
    assert len(report["series"]) == 31
    assert sum(d["happiness"]["great"] for d in report["series"]) == happiness["great"]
    ratings = report["ratings"]
    assert ratings["totalCount"] == expected and len(ratings["edges"]) == 25
    assert all(e["node"]["label"] in ("GREAT", "OKAY", "NOT_GOOD") for e in ratings["edges"])
    assert data["user"]["name"]
    assert data["user"]["report"]["happiness"]["great"] <= happiness["great"]


async def test_survey_anatomy(demo) -> None:  # noqa: ANN001
    _, client = demo
    data, _ = await _run(client, "001-survey-anatomy.graphql")
    report = data["report"]
    csat = report["csat"]
    assert csat["responses"] > 0
    assert sum(d["count"] for d in csat["distribution"]) == csat["responses"]
    assert [d["score"] for d in report["nps"]["distribution"]] == list(range(11))
    assert report["dailyCsat"]["days"] > 0
    assert report["dailyCsat"]["min"] <= report["dailyCsat"]["median"] <= report["dailyCsat"]["max"]
    for breakdown in ("geo", "sources"):
        assert sum(g["csat"]["responses"] for g in report[breakdown]) == csat["responses"]
    geo = [g["csat"]["responses"] for g in report["geo"]]
    assert geo == sorted(geo, reverse=True)
    assert len(report["devices"]) <= 10 and all(len(g["keys"]) == 2 for g in report["devices"])
    agents = [g["csat"]["score"] for g in report["agents"]]
    assert len(agents) == 20
    assert [a for a in agents if a is not None] == sorted(
        (a for a in agents if a is not None), reverse=True
    )
