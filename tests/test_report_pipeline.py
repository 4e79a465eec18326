"""Time in pipeline (SPEC section 7, HubSpot's time_in_X), through the real importer, which
derives each stage's interval: from its first entry to when it was last left."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.csv_folder import import_rows
from tests.report_data import execute_raw

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
A = "acme"
HOUR = 3600.0


def conversation(
    cid: str, number: int, assignee: str, closed: str, status: str = "closed"
) -> list[str]:
    created = "2026-03-01T00:00:00Z"
    return [
        A,
        cid,
        str(number),
        "ib1",
        "",
        "email",
        status,
        "",
        assignee,
        "",
        "support",
        created,
        closed,
    ]


CONVERSATIONS = [
    conversation("p1", 1, "u1", "2026-03-10T12:00:00Z"),
    conversation("p2", 2, "u2", "2026-03-12T12:00:00Z"),
    conversation("p3", 3, "u1", "2026-03-15T12:00:00Z"),
    conversation("p4", 4, "u1", "", status="open"),  # not closed: no time in pipeline yet
    conversation("p5", 5, "u1", "2026-04-02T12:00:00Z"),  # closed after March
    conversation("p6", 6, "u2", "2026-03-20T08:30:00Z"),
]
STAGE_CHANGES = [
    # p1 visits A, B, A, C: A counts from its first entry (08:00) to when C began (11:00)
    [A, "s1", "p1", "support", "A", "2026-03-10T08:00:00Z"],
    [A, "s2", "p1", "support", "B", "2026-03-10T09:00:00Z"],
    [A, "s3", "p1", "support", "A", "2026-03-10T10:00:00Z"],
    [A, "s4", "p1", "support", "C", "2026-03-10T11:00:00Z"],  # C until the close at 12:00
    [A, "s5", "p2", "support", "A", "2026-03-12T10:00:00Z"],
    [A, "s6", "p2", "support", "C", "2026-03-12T11:00:00Z"],
    [A, "s7", "p3", "sales", "X", "2026-03-15T08:00:00Z"],  # X until the close at 12:00
    [A, "s8", "p4", "support", "A", "2026-03-16T08:00:00Z"],
    [A, "s9", "p5", "support", "A", "2026-03-30T08:00:00Z"],
    [A, "s10", "p6", "support", "A", "2026-03-20T08:00:00Z"],  # 30 minutes, then closed
]
# support: A took 3 h (p1), 1 h (p2), 0.5 h (p6); B 1 h (p1); C 1 h (p1), 1 h (p2); sales: X 4 h
SUPPORT = [
    {
        "pipeline": "support",
        "stage": "A",
        "conversations": 3,
        "average": 4.5 * HOUR / 3,
        "median": HOUR,
    },
    {"pipeline": "support", "stage": "B", "conversations": 1, "average": HOUR, "median": HOUR},
    {"pipeline": "support", "stage": "C", "conversations": 2, "average": HOUR, "median": HOUR},
]
SALES = [
    {"pipeline": "sales", "stage": "X", "conversations": 1, "average": 4 * HOUR, "median": 4 * HOUR}
]
STAGE = "pipeline stage conversations average median"


@pytest.fixture
async def imported(engine, tmp_path: Path):
    await import_rows(
        engine,
        tmp_path / "pipeline",
        {
            "accounts.csv": [[A, "Acme", "UTC"]],
            "inboxes.csv": [[A, "ib1", "Support"]],
            "users.csv": [[A, "u1", "Una", "", "false"], [A, "u2", "Udo", "", "false"]],
            "conversations.csv": CONVERSATIONS,
            "stage_changes.csv": STAGE_CHANGES,
        },
    )
    return engine


async def _report(engine, selection: str, report_filter: dict) -> tuple[dict, list]:
    result = await execute_raw(
        engine,
        f"query($f: ReportFilter!) {{ report(filter: $f) {{ {selection} }} }}",
        {"f": report_filter},
    )
    return result.data["report"], result.errors or []


async def test_time_in_each_stage_from_first_entry_to_last_exit(imported) -> None:
    report, errors = await _report(
        imported,
        f"""all: timeInPipeline {{ {STAGE} }}
            support: timeInPipeline(pipeline: "support") {{ {STAGE} }}
            sales: timeInPipeline(pipeline: "sales") {{ {STAGE} }}
            none: timeInPipeline(pipeline: "nosuch") {{ stage }}""",
        MARCH,
    )
    assert errors == []
    # two aliases with different arguments are two results; stages sorted by pipeline, stage
    assert report == {"all": SALES + SUPPORT, "support": SUPPORT, "sales": SALES, "none": []}


async def test_pipelines_filter_and_pipeline_dimension(imported) -> None:
    report, errors = await _report(
        imported,
        """timeInPipeline(pipeline: "support") { stage }
           breakdown(by: [PIPELINE]) { key timeInPipeline { stage conversations } }""",
        {**MARCH, "pipelines": ["sales"]},
    )
    assert errors == []
    assert report["timeInPipeline"] == []  # the filter keeps sales stages, the argument support's
    assert report["breakdown"] == [
        {"key": "sales", "timeInPipeline": [{"stage": "X", "conversations": 1}]}
    ]


async def test_time_in_pipeline_by_user_in_series_and_previous(imported) -> None:
    report, errors = await _report(
        imported,
        """breakdown(by: [USER]) { key timeInPipeline(pipeline: "support") { stage conversations average } }
           series(granularity: WEEK) { start timeInPipeline { stage conversations } }
           previous { timeInPipeline { stage } }""",
        MARCH,
    )
    assert errors == []
    # USER is the conversation's assignee: p1 is Una's, p2 and p6 Udo's
    assert report["breakdown"] == [
        {"key": "u1", "timeInPipeline": [
            {"stage": "A", "conversations": 1, "average": 3 * HOUR},
            {"stage": "B", "conversations": 1, "average": HOUR},
            {"stage": "C", "conversations": 1, "average": HOUR},
        ]},
        {"key": "u2", "timeInPipeline": [
            {"stage": "A", "conversations": 2, "average": 0.75 * HOUR},
            {"stage": "C", "conversations": 1, "average": HOUR},
        ]},
    ]  # fmt: skip
    # p1, p2 (support) and p3 (sales) closed in the week of 9 March; p6 in that of 16 March
    weeks = {bucket["start"]: bucket["timeInPipeline"] for bucket in report["series"]}
    assert weeks["2026-03-09"] == [
        {"stage": "X", "conversations": 1},
        {"stage": "A", "conversations": 2},
        {"stage": "B", "conversations": 1},
        {"stage": "C", "conversations": 2},
    ]
    assert weeks["2026-03-16"] == [{"stage": "A", "conversations": 1}]
    assert [weeks[start] for start in ("2026-03-01", "2026-03-02", "2026-03-23", "2026-03-30")] == [
        []
    ] * 4
    assert report["previous"]["timeInPipeline"] == []


async def test_a_dimension_stages_lack_is_an_error_on_that_field_only(imported) -> None:
    report, errors = await _report(
        imported,
        "timeInPipeline { stage } csat { responses }",
        {**MARCH, "browsers": ["Firefox"]},
    )
    assert report == {"timeInPipeline": None, "csat": {"responses": 0}}  # ratings have browsers
    assert [e.path for e in errors] == [["report", "timeInPipeline"]]
    assert "timeInPipeline" in errors[0].message and "browsers" in errors[0].message
