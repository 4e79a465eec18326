"""GraphiQL on `GET /graphql` with --dev, loading React and GraphiQL from the package's own
static files (no CDN: it works with no network), its headers holding a token and its editor an
example dashboard query."""

from __future__ import annotations

import json
from datetime import date, timedelta

# A dashboard in one request: what GraphiQL opens with.
DEMO_QUERY = """\
# Rapport: a support dashboard in one request. Run it with Ctrl-Enter.
query Dashboard($filter: ReportFilter!) {
  report(filter: $filter) {
    from to days
    csat { score responses satisfied }
    nps { score promoters detractors }
    happiness { score great okay notGood }
    previous { csat { score } nps { score } happiness { score } }
    series(granularity: WEEK) { start csat { score responses } }
    byChannel: breakdown(by: [CHANNEL]) { key label csat { score responses } nps { score } }
    topAgents: breakdown(by: [USER], orderBy: CSAT_RESPONSES, limit: 20) {
      key label csat { score responses }
    }
    ratings(first: 5, surveys: [CSAT], scores: [1, 2]) {
      edges { node { createdAt score comment user { name } conversation { number } } }
    }
  }
}
"""

TOKEN_PLACEHOLDER = "<a token from `rapport token create`>"

_PAGE = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Rapport GraphiQL</title>
    <style>body { margin: 0; } #graphiql { height: 100vh; }</style>
    <link rel="stylesheet" href="/static/vendor/graphiql.min.css" />
    <script src="/static/vendor/react.production.min.js"></script>
    <script src="/static/vendor/react-dom.production.min.js"></script>
    <script src="/static/vendor/graphiql.min.js"></script>
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <script>
      const initial = __INITIAL__;
      const fetcher = GraphiQL.createFetcher({ url: window.location.href.split("?")[0] });
      ReactDOM.createRoot(document.getElementById("graphiql")).render(
        React.createElement(GraphiQL, {
          fetcher,
          defaultEditorToolsVisibility: true,
          isHeadersEditorEnabled: true,
          ...initial,
        }),
      );
    </script>
  </body>
</html>
"""


def graphiql_page(demo_token: str | None, today: date | None = None) -> str:
    """GraphiQL, its headers holding the demo token (else a placeholder to replace) and its
    editor the example dashboard query over the last 30 days."""
    token = demo_token or TOKEN_PLACEHOLDER
    today = today or date.today()
    period = {"from": (today - timedelta(days=29)).isoformat(), "to": today.isoformat()}
    initial = {
        "headers": json.dumps({"Authorization": f"Bearer {token}"}),
        "query": DEMO_QUERY,
        "variables": json.dumps({"filter": period}, indent=2),
    }
    # "<" escaped so that no value can close the <script> element it is embedded in.
    return _PAGE.replace("__INITIAL__", json.dumps(initial).replace("<", "\\u003c"))
