"""Response times and automation end to end: CSV files through `rapport import`, then a report.

tests/data/reports/replies, by hand (UTC, March 2026):
  c1 email: customer 08:00 and 08:20, a note 08:40, a bot reply 08:45, Ann 09:00 (3600 s from
     08:00), customer 09:30 and 09:40, Ann 10:30 (3600 s from 09:30), Ann 10:35 (answers
     nothing: skipped); closed 12:00 (14400 s); first response 3600 s; not automated
  c2 chat: customer, a reply by the bot user Helper, customer, a bot reply; closed after 600 s;
     no human reply: automated
  c3 chat: customer 10:00:00, Ann 10:00:45 (45 s); closed after 300 s
  c4 email: customer, a note only; closed after 3600 s: no first response, not automated
  c5 email, open: Ann writes first at creation (first response 0 s, no response time), customer
     10:30, Ann 11:00 (1800 s)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.report_data import execute
from tests.test_ingest_cli import rapport

REPLIES = Path(__file__).parent / "data" / "reports" / "replies"
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def durations(count, average, median, p90, low, high) -> dict[str, object]:
    return {
        "count": count,
        "average": pytest.approx(average),
        "median": pytest.approx(median),
        "p90": pytest.approx(p90),
        "min": pytest.approx(low),
        "max": pytest.approx(high),
    }


async def test_imported_replies_give_response_times_and_automation(database_url, engine) -> None:
    result = rapport("import", str(REPLIES), "--database", database_url)
    assert result.returncode == 0, result.stderr

    fields = "{ count average median p90 min max }"
    query = f"""query($f: ReportFilter!) {{ report(filter: $f) {{
      responseTime {fields} firstResponseTime {fields} chatWaitTime {fields}
      timeToClose {fields} automation {{ rate automated closed }}
      breakdown(by: [USER]) {{ key responseTime {{ count }} }} }} }}"""
    report = (await execute(engine, query, {"f": MARCH}))["report"]

    assert report == {
        # 45, 1800, 3600, 3600: median at 1.5, p90 at 2.7
        "responseTime": durations(4, 9045 / 4, 2700, 3600, 45, 3600),
        # 0, 45, 3600: p90 at 1.8 = 45 + 0.8 × 3555
        "firstResponseTime": durations(3, 1215, 45, 2889, 0, 3600),
        "chatWaitTime": durations(1, 45, 45, 45, 45, 45),
        # 300, 600, 3600, 14400: median at 1.5, p90 at 2.7 = 3600 + 0.7 × 10800
        "timeToClose": durations(4, 4725, 2100, 11160, 300, 14400),
        "automation": {"rate": 25.0, "automated": 1, "closed": 4},
        # the bot user's replies are no human replies
        "breakdown": [{"key": "ann", "responseTime": {"count": 4}}],
    }
