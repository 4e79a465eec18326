"""Every metric field of every installed plugin answers on every kind of report node.

The selection is generated from the schema itself, so a plugin added later is covered without
touching this test: each metric with all its fields, on `Report`, a `breakdown` group, a `series`
bucket, `previous` and `User.report`. Where rows exist, no field may be null or an empty list:
a field the engine did not plan is an error, never a quiet null.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLObjectType, get_named_type

from server.schema.build import build_schema
from server.schema.report.filter import REGISTRY
from tests.conftest import StatementCounter
from tests.report_data import Data, execute

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def _selection(type_: Any) -> str:
    """Every field of an object type, nested objects included."""
    fields = []
    for name, field in type_.fields.items():
        named = get_named_type(field.type)
        fields.append(
            f"{name} {{ {_selection(named)} }}" if isinstance(named, GraphQLObjectType) else name
        )
    return " ".join(fields)


def metric_selection() -> str:
    report = build_schema()._schema.type_map["Report"]
    metric_fields = []
    for name, field in report.fields.items():
        named = get_named_type(field.type)
        of_report = name in ("previous", "series", "breakdown", "daily", "ratings", "conversations")
        if isinstance(named, GraphQLObjectType) and not of_report:
            arguments = '(pipeline: "support")' if "pipeline" in field.args else ""
            metric_fields.append(f"{name}{arguments} {{ {_selection(named)} }}")
    return " ".join(metric_fields)


def _nulls(value: Any, path: str = "") -> list[str]:
    """Paths of null values and empty lists in a result."""
    if value is None or value == []:
        return [path]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _nulls(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _nulls(item, f"{path}[{i}]")]
    return []


def _month(data: Data, month: str) -> None:
    """Rows of every fact in one month, all on user u1, in one inbox and week."""
    day = f"2026-{month}-10"
    for survey, score in (("csat", 4), ("csat", 2), ("nps", 9), ("nps", 3), ("ces", 6), ("ces", 2)):
        data.rating(survey, score, f"{day}T10:00:00Z", user_id="u1", customer_id="k1")
    for score in (3, 2, 1):
        data.rating("happiness", score, f"{day}T10:00:00Z", user_id="u1", customer_id="k1")
    for channel in ("email", "chat"):
        conversation = data.conversation(
            f"{day}T08:00:00Z",
            closed=f"{day}T12:00:00Z",
            first_response=f"{day}T09:00:00Z",
            channel=channel,
            assignee_id="u1",
            customer_id="k1",
            human_replies=1,
            pipeline="support",
        )
        data.message(conversation, f"{day}T08:00:00Z")
        data.message(
            conversation, f"{day}T09:00:00Z", author_type="user", author_id="u1",
            is_human_reply=True, response_seconds=3600.0,
        )  # fmt: skip
        data.transaction(
            "19.99", "EUR", f"{day}T11:00:00Z", conversation_id=conversation["id"], user_id="u1"
        )
        data.transaction(
            "5.01", "USD", f"{day}T11:00:00Z", conversation_id=conversation["id"], user_id="u1"
        )
        for stage, seconds in (("new", 600.0), ("open", 3000.0)):
            data.add(
                "stage_intervals", conversation_id=conversation["id"], stage_pipeline="support",
                stage=stage, seconds=seconds, closed_at=conversation["closed_at"], inbox_id="ib1",
                user_id="u1", channel=channel, pipeline="support",
            )  # fmt: skip
    bot = data.conversation(
        f"{day}T08:00:00Z", closed=f"{day}T08:30:00Z", assignee_id="u1", bot_replies=1
    )
    data.message(bot, f"{day}T08:01:00Z", author_type="bot", is_bot_reply=True)


async def test_every_metric_field_answers_on_every_node(engine) -> None:
    data = Data()
    data.user("u1")
    _month(data, "02")
    _month(data, "03")
    await data.write(engine)

    metrics = metric_selection()
    query = f"""query($f: ReportFilter!) {{
      report(filter: $f) {{
        {metrics}
        previous {{ {metrics} }}
        series(granularity: MONTH) {{ {metrics} }}
        breakdown(by: [USER]) {{ key {metrics} series(granularity: MONTH) {{ {metrics} }} previous {{ {metrics} }} }}
      }}
      users(first: 50) {{ edges {{ node {{ report(filter: $f) {{ {metrics} previous {{ {metrics} }} }} }} }} }}
    }}"""
    result = await execute(engine, query, {"f": MARCH})
    groups = result["report"]["breakdown"]
    # customer messages have no author: their group (key null) has no rows of the other facts
    assert [group["key"] for group in groups] == ["u1", None]
    result["report"]["breakdown"] = groups[:1]
    assert _nulls(result) == []


async def test_a_dashboard_of_every_fact_costs_statements_fixed_by_its_shape(engine) -> None:
    data = Data()
    for index in range(50):
        data.user(f"u{index:02}")
    _month(data, "03")
    await data.write(engine)
    counter = StatementCounter(engine)

    metrics = metric_selection()
    one_node = f"""query($f: ReportFilter!) {{ report(filter: $f) {{ {metrics} }} }}"""
    await execute(engine, one_node, {"f": MARCH})
    # One statement per metric, fact and split the metrics read (Settings.split_metrics, on
    # both databases): never per field, group or row.
    splits = {
        f"{(part.fact or metric.fact).name}|{len(part.splits)}|{metric.name}"
        for metric in REGISTRY.metrics
        for part in metric.parts.values()
    }
    assert counter.count == len(splits), counter.statements

    for users in (1, 50):
        counter.reset()
        await execute(
            engine,
            f"""query($f: ReportFilter!) {{ users(first: {users}) {{ edges {{ node {{ id
              report(filter: $f) {{ {metrics} }} }} }} }} }}""",
            {"f": MARCH},
        )
        if users == 1:
            one_user = counter.count
    assert counter.count == one_user  # 50 users cost what one does
