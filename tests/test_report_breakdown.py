"""Breakdowns (several dimensions, top-N, ties, null groups), daily aggregates, unsupported
dimensions and filters."""

from __future__ import annotations

import pytest

from tests.report_data import Data, execute, execute_raw

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
DAY = "2026-03-10T12:00:00Z"


@pytest.fixture
async def rated(engine):
    data = Data()
    data.user("u1", "Alice")
    data.user("u2", "Bob")
    for channel, user, score in [
        ("email", "u1", 5),
        ("email", "u1", 4),
        ("email", "u2", 1),
        ("chat", "u1", 5),
        ("chat", "u1", 2),
        ("chat", None, 4),
    ]:
        data.rating("csat", score, DAY, channel=channel, user_id=user)
    data.rating("nps", 9, DAY, channel="phone", user_id="u2")
    data.rating("happiness", 3, DAY, channel="social", customer_id="k1")
    conversation = data.conversation("2026-03-01T09:00:00Z", channel="sms", customer_id="k9")
    data.message(
        conversation, DAY, author_type="user", author_id="u1", is_human_reply=True, channel="sms"
    )
    await data.write(engine)
    return engine


async def _breakdown(engine, arguments: str, fields: str):
    query = f"query($f: ReportFilter!) {{ report(filter: $f) {{ breakdown({arguments}) {{ {fields} }} }} }}"
    return (await execute(engine, query, {"f": MARCH}))["report"]["breakdown"]


async def test_two_dimensions_top_n_ties_by_keys_and_none_group(rated) -> None:
    groups = await _breakdown(
        rated,
        "by: [CHANNEL, USER], orderBy: CSAT_SCORE, limit: 3",
        "key keys label csat { score responses }",
    )
    assert groups == [
        # chat/(none) and email/u1 both score 100: ties go by keys, ascending
        {
            "key": "chat",
            "keys": ["chat", None],
            "label": "chat / (none)",
            "csat": {"score": 100.0, "responses": 1},
        },
        {
            "key": "email",
            "keys": ["email", "u1"],
            "label": "email / Alice",
            "csat": {"score": 100.0, "responses": 2},
        },
        {
            "key": "chat",
            "keys": ["chat", "u1"],
            "label": "chat / Alice",
            "csat": {"score": 50.0, "responses": 2},
        },
    ]


async def test_ascending_with_null_values_last(rated) -> None:
    groups = await _breakdown(
        rated,
        "by: [CHANNEL, USER], orderBy: CSAT_SCORE, descending: false",
        "keys csat { score } nps { responses }",
    )
    assert [(g["keys"], g["csat"]["score"], g["nps"]["responses"]) for g in groups] == [
        (["email", "u2"], 0.0, 0),
        (["chat", "u1"], 50.0, 0),
        (["chat", None], 100.0, 0),
        (["email", "u1"], 100.0, 0),
        (["phone", "u2"], None, 1),  # only NPS rows: its CSAT score is null, so it comes last
    ]


async def test_without_order_groups_sort_by_keys_with_null_last(rated) -> None:
    groups = await _breakdown(rated, "by: [USER]", "key label csat { responses }")
    assert groups == [
        {"key": "u1", "label": "Alice", "csat": {"responses": 4}},
        {"key": "u2", "label": "Bob", "csat": {"responses": 1}},
        {"key": None, "label": "(none)", "csat": {"responses": 1}},
    ]


async def test_top_n_across_facts(rated) -> None:
    # happiness also reads messages: two statements, ordered together
    fields = "key csat { responses } happiness { responses ratingsPercent }"
    groups = await _breakdown(rated, "by: [CHANNEL], orderBy: CSAT_RESPONSES", fields)
    assert [(g["key"], g["csat"]["responses"], g["happiness"]["responses"]) for g in groups] == [
        ("chat", 3, 0),
        ("email", 3, 0),
        ("sms", 0, 0),  # appears for its human reply (customers helped)
        ("social", 0, 1),
    ]
    top = await _breakdown(rated, "by: [CHANNEL], orderBy: CSAT_RESPONSES, limit: 1", fields)
    assert [g["key"] for g in top] == ["chat"]


async def test_weekday_keys_and_labels(rated) -> None:
    groups = await _breakdown(rated, "by: [WEEKDAY]", "key label csat { responses }")
    assert groups == [{"key": "TUESDAY", "label": "Tuesday", "csat": {"responses": 6}}]


async def test_group_series_and_previous(rated) -> None:
    query = """query($f: ReportFilter!) { report(filter: $f) {
      breakdown(by: [USER], orderBy: CSAT_RESPONSES, limit: 1) {
        key series(granularity: MONTH) { start csat { responses } }
        previous { key csat { responses } }
      } } }"""
    groups = (await execute(rated, query, {"f": MARCH}))["report"]["breakdown"]
    assert groups == [
        {
            "key": "u1",
            "series": [{"start": "2026-03-01", "csat": {"responses": 4}}],
            "previous": {"key": "u1", "csat": {"responses": 0}},
        }
    ]


async def test_a_dimension_a_metric_lacks_is_an_error_on_that_field_only(rated) -> None:
    query = """query($f: ReportFilter!) { report(filter: $f) {
      breakdown(by: [BROWSER]) { key csat { responses } happiness { score ratingsPercent } } } }"""
    result = await execute_raw(rated, query, {"f": MARCH})
    assert result.errors is not None and len(result.errors) == 1
    error = result.errors[0]
    assert "happiness" in error.message and "BROWSER" in error.message
    assert error.path[-1] == "ratingsPercent"
    group = result.data["report"]["breakdown"][0]
    assert group["key"] == "Other" and group["csat"] == {"responses": 6}
    assert group["happiness"]["score"] == 100.0


async def test_a_filter_a_metric_lacks_is_an_error_naming_both(rated) -> None:
    query = """query($f: ReportFilter!) { report(filter: $f) {
      csat { responses } happiness { ratingsPercent } } }"""
    result = await execute_raw(rated, query, {"f": {**MARCH, "browsers": ["Other"]}})
    assert result.data["report"]["csat"] == {"responses": 6}
    (error,) = result.errors
    assert "happiness" in error.message and "browsers" in error.message


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("by: [CHANNEL], limit: 1001", "limit must be between 1 and 1000"),
        ("by: []", "at least one dimension"),
        ("by: [CHANNEL, CHANNEL]", "repeated"),
    ],
)
async def test_bad_breakdowns_are_graphql_errors(rated, arguments: str, message: str) -> None:
    query = (
        f"query($f: ReportFilter!) {{ report(filter: $f) {{ breakdown({arguments}) {{ key }} }} }}"
    )
    result = await execute_raw(rated, query, {"f": MARCH})
    assert result.errors is not None and message in result.errors[0].message


async def test_daily_aggregates(engine) -> None:
    data = Data()
    data.rating("csat", 5, "2026-03-01T10:00:00Z")  # day 1: score 100
    data.rating("csat", 5, "2026-03-02T10:00:00Z")  # day 2: score 50
    data.rating("csat", 1, "2026-03-02T11:00:00Z")
    data.rating("csat", 2, "2026-03-04T10:00:00Z")  # day 4: score 0; day 3 has no rating
    await data.write(engine)
    query = """query($f: ReportFilter!) { report(filter: $f) {
      score: daily(value: CSAT_SCORE) { mean median min max days }
      responses: daily(value: CSAT_RESPONSES) { mean median min max days } } }"""
    report = (await execute(engine, query, {"f": {"from": "2026-03-01", "to": "2026-03-04"}}))[
        "report"
    ]
    # ratios skip the day without ratings
    assert report["score"] == {"mean": 50.0, "median": 50.0, "min": 0.0, "max": 100.0, "days": 3}
    # counts count it as 0: [1, 2, 0, 1]
    assert report["responses"] == {"mean": 1.0, "median": 1.0, "min": 0.0, "max": 2.0, "days": 4}


async def test_a_metric_asked_only_for_its_typename_still_answers(rated) -> None:
    query = "query($f: ReportFilter!) { report(filter: $f) { csat { __typename } } }"
    assert (await execute(rated, query, {"f": MARCH}))["report"] == {"csat": {"__typename": "Csat"}}
