"""The dashboard page and its assets at `/`, GraphiQL's own assets, and CORS (RAPPORT_CORS_ORIGINS)."""

from __future__ import annotations

import html
import json
import re

import pytest

from server.settings import Settings, load_settings
from tests.records_data import api

ALLOWED = "http://127.0.0.1:8150"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


def _demo(page: str) -> dict[str, str]:
    [content] = re.findall(r'<meta name="rapport-demo" content="([^"]*)"', page)
    return json.loads(html.unescape(content))


async def test_the_dashboard_is_served_at_the_root(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RAPPORT_DEMO_TOKEN", raising=False)
    async with api(database_url) as client:
        page = await client.client.get("/")
        script = await client.client.get("/static/js/app.js")
        chart = await client.client.get("/static/vendor/chart.umd.min.js")
        missing = await client.client.get("/static/js/nosuch.js")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/static/js/app.js">' in page.text
    assert _demo(page.text) == {}  # not signed in: the page asks for a token
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert chart.status_code == 200
    assert missing.status_code == 404


async def test_the_demo_dashboard_is_signed_in(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAPPORT_DEMO_TOKEN", 'rpt_"quoted"</script>')
    async with api(database_url) as client:
        page = (await client.client.get("/", headers={"Host": "localhost:8000"})).text
    assert _demo(page) == {"token": 'rpt_"quoted"</script>'}
    assert '</script>"' not in page


async def test_graphiql_loads_nothing_from_other_hosts(database_url: str) -> None:
    async with api(database_url, dev=True) as client:
        page = (await client.client.get("/graphql")).text
        sources = re.findall(r'(?:src|href)="([^"]+)"', page)
        assets = [await client.client.get(source) for source in sources]
    assert sorted(sources) == [
        "/static/vendor/graphiql.min.css",
        "/static/vendor/graphiql.min.js",
        "/static/vendor/react-dom.production.min.js",
        "/static/vendor/react.production.min.js",
    ]
    assert [asset.status_code for asset in assets] == [200] * 4
    assert "unpkg" not in page


def test_cors_origins_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAPPORT_CORS_ORIGINS", raising=False)
    assert load_settings().cors_origins == ()
    monkeypatch.setenv("RAPPORT_CORS_ORIGINS", " https://a.example/ ,http://127.0.0.1:8150,")
    assert load_settings().cors_origins == ("https://a.example", "http://127.0.0.1:8150")


async def test_preflight_and_answers_for_an_allowed_origin(database_url: str) -> None:
    settings = Settings(database_url=database_url, cors_origins=(ALLOWED,))
    async with api(database_url, settings=settings) as client:
        preflight = await client.client.options(
            "/graphql", headers={"Origin": ALLOWED, **PREFLIGHT}
        )
        answer = await client.client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"Origin": ALLOWED}
        )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in preflight.headers["access-control-allow-methods"]
    allowed_headers = preflight.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed_headers and "content-type" in allowed_headers
    assert answer.status_code == 401  # no token: refused, but readable by the page
    assert answer.headers["access-control-allow-origin"] == ALLOWED


async def test_another_origin_gets_no_cors_headers(database_url: str) -> None:
    settings = Settings(database_url=database_url, cors_origins=(ALLOWED,))
    async with api(database_url, settings=settings) as client:
        preflight = await client.client.options(
            "/graphql", headers={"Origin": "http://127.0.0.1:8151", **PREFLIGHT}
        )
        answer = await client.client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"Origin": "http://evil.test"}
        )
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in answer.headers


async def test_no_cors_by_default(database_url: str) -> None:
    async with api(database_url) as client:
        preflight = await client.client.options(
            "/graphql", headers={"Origin": ALLOWED, **PREFLIGHT}
        )
    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers
