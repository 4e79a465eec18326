"""The example queries clients send (docs/examples) answer on the demo data, over HTTP.

One test per seed report and the agent drill-down, on both databases. Expected numbers are
checked against plain SQL counts and against each other (series and breakdowns add up to the
headline numbers), and every headline number must be there: the demo data exercises every metric.
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

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"


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


def _numbers_present(value: object, path: str = "") -> list[str]:
    """Paths of nulls in a headline result: where rows exist every number is there."""
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _numbers_present(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _numbers_present(v, f"{path}[{i}]")]
    return []


async def test_company_and_user_reports(demo) -> None:  # noqa: ANN001
    _, client = demo
    data, _ = await _run(client, "002-company-and-user.graphql")
    report = data["report"]
    headline = {
        k: report[k] for k in ("volume", "firstResponseTime", "responseTime", "timeToClose")
    }
    assert _numbers_present(headline) == []
    volume = report["volume"]
    assert volume["created"] > 0 and volume["repliesSent"] > volume["customersHelped"] > 0
    assert volume["closed"] >= volume["resolved"] >= volume["resolvedOnFirstReply"] > 0
    assert volume["perDay"] == pytest.approx(volume["created"] / 28)
    assert volume["busiestDay"] in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY")
    times = report["firstResponseTime"]
    assert 0 < times["median"] <= times["p90"]
    assert report["previous"]["volume"]["created"] > 0
    assert sum(g["volume"]["created"] for g in report["byChannel"]) == volume["created"]
    assert sum(b["volume"]["created"] for b in report["series"]) == volume["created"]
    reports = [e["node"]["report"] for e in data["users"]["edges"]]
    assert sum(r["volume"]["repliesSent"] for r in reports) <= volume["repliesSent"]
    assert any(r["volume"]["repliesSent"] > 0 and r["firstResponseTime"]["median"] for r in reports)


async def test_hubspot_service_reports(demo) -> None:  # noqa: ANN001
    _, client = demo
    data, _ = await _run(client, "003-hubspot-service.graphql")
    report = data["report"]
    headline = {k: report[k] for k in ("timeToClose", "firstResponseTime", "chatWaitTime", "csat")}
    assert _numbers_present(headline) == []
    assert report["chatWaitTime"]["median"] <= report["chatWaitTime"]["p90"]
    created = [g["volume"]["created"] for g in report["supportVolume"]]
    assert created == sorted(created, reverse=True) and created[0] > 0
    assert all(g["label"] for g in report["byTeam"])
    weeks = [b for g in report["byTeam"] for b in g["series"]]
    assert sum(b["volume"]["created"] for b in weeks) == sum(created)
    stages = report["timeInPipeline"]
    assert stages and all(s["conversations"] > 0 and s["median"] is not None for s in stages)
    # "resolved" is entered when the conversation closes: 0 s in it by the SPEC's rule
    assert all(s["median"] > 0 for s in stages if s["stage"] != "resolved")
    assert "in progress" in {s["stage"] for s in stages}


async def test_iadvize_performance_report(demo) -> None:  # noqa: ANN001
    _, client = demo
    data, _ = await _run(client, "004-iadvize-performance.graphql")
    report = data["report"]
    assert _numbers_present({k: report[k] for k in ("conversion", "revenue", "automation")}) == []
    conversion = report["conversion"]
    assert 0 < conversion["converted"] <= conversion["closed"]
    assert conversion["rate"] == pytest.approx(conversion["converted"] * 100 / conversion["closed"])
    revenue = report["revenue"]
    currencies = [t["currency"] for t in revenue["totals"]]
    assert currencies == sorted(currencies) and revenue["transactions"] > 0
    assert [a["currency"] for a in revenue["averageOrderValue"]] == currencies
    assert report["automation"]["automated"] > 0
    rates = [g["conversion"]["rate"] for g in report["byTheme"]]
    known = [r for r in rates if r is not None]
    assert known == sorted(known, reverse=True) and rates[: len(known)] == known
    assert sum(g["conversion"]["closed"] for g in report["byTheme"]) == conversion["closed"]


async def test_agent_drilldown(demo) -> None:  # noqa: ANN001
    _, client = demo
    data, _ = await _run(client, "005-agent-drilldown.graphql")
    users = [e["node"] for e in data["users"]["edges"]]
    assert len(users) == 20
    assert any(u["report"]["csat"]["responses"] > 0 for u in users)
    ratings = [r["node"] for u in users for r in u["ratings"]["edges"]]
    assert ratings and all(r["score"] in (1, 2) for r in ratings)
    assert all(r["conversation"]["messages"]["edges"] for r in ratings if r["conversation"])
