"""Errors deep in a report's selection are reported at the field that holds them, and where
that field is nullable the rest of the report still answers."""

from __future__ import annotations

import pytest

from tests.report_data import Data, execute_raw

MARCH = '{from: "2026-03-01", to: "2026-03-31"}'


@pytest.fixture
async def rated(engine):
    data = Data()
    data.user("u1")
    data.rating("csat", 5, "2026-03-10T10:00:00Z", user_id="u1", browser="Firefox")
    await data.write(engine)
    return engine


async def _errors(engine, query: str) -> tuple[dict | None, list[tuple[str, list]]]:
    result = await execute_raw(engine, query)
    return result.data, [(error.message, error.path) for error in result.errors or []]


async def test_a_breakdown_limit_over_the_limit_names_the_breakdown(rated) -> None:
    data, errors = await _errors(
        rated,
        f"{{ report(filter: {MARCH}) {{ csat {{ score }} top: breakdown(by: [USER], limit: 5000) {{ key }} }} }}",
    )
    assert errors == [("breakdown: limit must be between 1 and 1000", ["report", "top"])]
    assert data is None  # a breakdown is a non-null list: its error nulls the (non-null) report


async def test_a_page_over_the_limit_under_a_report_names_that_page(rated) -> None:
    data, errors = await _errors(
        rated, f"{{ report(filter: {MARCH}) {{ ratings(first: 1000) {{ totalCount }} }} }}"
    )
    assert errors == [("first: 1000 is over the limit of 100 rows per page", ["report", "ratings"])]


async def test_too_many_buckets_inside_a_group_names_that_series(rated) -> None:
    data, errors = await _errors(
        rated,
        """{ report(filter: {from: "2020-01-01", to: "2026-03-31"}) {
             breakdown(by: [USER]) { key series(granularity: DAY) { start csat { score } } }
           } }""",
    )
    assert errors == [
        ("series: 2282 day buckets, over the limit of 1000", ["report", "breakdown", 0, "series"])
    ]


async def test_an_inapplicable_dimension_is_an_error_on_that_metric_only(rated) -> None:
    data, errors = await _errors(
        rated,
        f"""{{ report(filter: {MARCH}) {{
              breakdown(by: [BROWSER]) {{ key csat {{ responses }} volume {{ created }} }}
            }} }}""",
    )
    assert data == {
        "report": {"breakdown": [{"key": "Firefox", "csat": {"responses": 1}, "volume": None}]}
    }
    assert errors == [
        (
            "metric `volume` does not support the dimension BROWSER (it reads conversations, by creation)",
            ["report", "breakdown", 0, "volume"],
        )
    ]


async def test_errors_inside_user_reports_carry_the_users_path(rated) -> None:
    data, errors = await _errors(
        rated,
        f"""{{ users {{ edges {{ node {{ id report(filter: {MARCH}) {{
              csat {{ responses }} volume {{ created }}
              breakdown(by: [BROWSER]) {{ key volume {{ created }} csat {{ responses }} }}
            }} }} }} }} }}""",
    )
    report = data["users"]["edges"][0]["node"]["report"]
    assert report == {
        "csat": {"responses": 1},
        "volume": {"created": 0},
        "breakdown": [{"key": "Firefox", "volume": None, "csat": {"responses": 1}}],
    }
    assert [path for _, path in errors] == [
        ["users", "edges", 0, "node", "report", "breakdown", 0, "volume"]
    ]


async def test_a_breakdown_without_metrics_says_so_instead_of_answering_nothing(rated) -> None:
    data, errors = await _errors(
        rated, f"{{ report(filter: {MARCH}) {{ breakdown(by: [USER]) {{ key label }} }} }}"
    )
    assert [path for _, path in errors] == [["report", "breakdown"]]
    assert "select at least one metric" in errors[0][0]


async def test_a_breakdown_asking_metrics_only_in_series_or_previous_finds_its_groups(
    rated,
) -> None:
    data, errors = await _errors(
        rated,
        f"""{{ report(filter: {MARCH}) {{
              s: breakdown(by: [USER]) {{ key series(granularity: MONTH) {{ csat {{ responses }} }} }}
              p: breakdown(by: [USER]) {{ key previous {{ csat {{ responses }} }} }}
            }} }}""",
    )
    assert errors == []
    assert data["report"] == {
        "s": [{"key": "u1", "series": [{"csat": {"responses": 1}}]}],
        "p": [{"key": "u1", "previous": {"csat": {"responses": 0}}}],
    }
