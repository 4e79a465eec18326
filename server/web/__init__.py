"""The browser side: the dashboard page at `/`, its static files, and GraphiQL's page.

Everything here is a client of the public `POST /graphql`; the assets ship in the package
(`static/`, vendored libraries in `static/vendor/`, refreshed by scripts/vendor-web-assets.sh), so
no page needs a CDN or Node.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from server.web.hosts import is_loopback_host

STATIC = Path(__file__).parent / "static"


def web_routes(demo_token: str | None) -> list[BaseRoute]:
    """`GET /` (the dashboard, signed in with `demo_token` when given, for loopback Hosts only)
    and `/static/…`."""
    with_token, without_token = dashboard_page(demo_token), dashboard_page(None)

    async def dashboard(request: Request) -> Response:
        loopback = is_loopback_host(request.headers.get("host", ""))
        return HTMLResponse(with_token if loopback else without_token)

    return [
        Route("/", dashboard, methods=["GET", "HEAD"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]


def dashboard_page(demo_token: str | None) -> str:
    """index.html; in demo mode it carries the demo token, as GraphiQL's headers do."""
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    demo = json.dumps({"token": demo_token} if demo_token else {})
    return page.replace("__RAPPORT_DEMO__", html.escape(demo, quote=True))
