"""Revenue and conversion (SPEC section 7), with hand-computed expected values.

March 2026 (UTC) holds five transactions in three currencies:
  EUR 0.1 + 0.2 (c1, Alice, pricing) + 10.00 (c5, open, Bob, billing) = 10.30 over 3: mean 3.4333 -> 3.43
  USD 12.125 (c4, Alice, no theme): the mean 12.125 rounds half-even to 12.12 (half-up would say 12.13)
  GBP 19.995 (a web order, no conversation): 19.995 rounds half-even to 20.00
February holds EUR 5.00 (c2), April EUR 1.00 (c4).
Closed in March: c1 (Alice, converted), c2 (Bob, converted by its February transaction) and
c3 (Alice, no transaction); c4 closes in April, c5 is open.
"""

from __future__ import annotations

import pytest

from tests.report_data import Data, execute, execute_raw

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
EMPTY = {"from": "2025-01-01", "to": "2025-01-31"}

REVENUE = (
    "revenue { transactions totals { currency amount } averageOrderValue { currency amount } }"
)
CONVERSION = "conversion { rate converted closed }"


def money(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"currency": currency, "amount": amount} for currency, amount in pairs]


@pytest.fixture
async def sales(engine):
    data = Data()
    data.user("u1", "Alice")
    data.user("u2", "Bob")
    c1 = data.conversation(
        "2026-03-01T09:00:00Z", closed="2026-03-05T10:00:00Z", assignee_id="u1", theme="pricing"
    )
    c2 = data.conversation(
        "2026-02-20T09:00:00Z", closed="2026-03-10T10:00:00Z", assignee_id="u2", theme="billing"
    )
    data.conversation("2026-03-11T09:00:00Z", closed="2026-03-12T10:00:00Z", assignee_id="u1")
    c4 = data.conversation("2026-03-08T09:00:00Z", closed="2026-04-02T10:00:00Z", assignee_id="u1")
    c5 = data.conversation("2026-03-07T09:00:00Z", assignee_id="u2", theme="billing")

    def sale(amount: str, currency: str, created: str, conversation=None) -> None:
        derived = {}
        if conversation is not None:  # as the import derives them from the conversation
            derived = {
                "conversation_id": conversation["id"],
                "user_id": conversation["assignee_id"],
                "theme": conversation.get("theme"),
                "channel": conversation["channel"],
            }
        data.transaction(amount, currency, created, **derived)

    sale("0.1", "EUR", "2026-03-05T11:00:00Z", c1)
    sale("0.2", "EUR", "2026-03-06T11:00:00Z", c1)
    sale("10.00", "EUR", "2026-03-07T11:00:00Z", c5)
    sale("12.125", "USD", "2026-03-08T11:00:00Z", c4)
    sale("19.995", "GBP", "2026-03-09T11:00:00Z")
    sale("5.00", "EUR", "2026-02-25T11:00:00Z", c2)
    sale("1.00", "EUR", "2026-04-03T11:00:00Z", c4)
    await data.write(engine)
    return engine


async def _report(engine, fields: str, period=MARCH):
    query = f"query($f: ReportFilter!) {{ report(filter: $f) {{ {fields} }} }}"
    return (await execute(engine, query, {"f": period}))["report"]


async def test_revenue_is_exact_per_currency_and_sorted(sales) -> None:
    report = await _report(sales, REVENUE)
    assert report["revenue"] == {
        "transactions": 5,
        "totals": money(("EUR", "10.30"), ("GBP", "19.995"), ("USD", "12.125")),
        "averageOrderValue": money(("EUR", "3.43"), ("GBP", "20.00"), ("USD", "12.12")),
    }


async def test_conversion_counts_a_transaction_made_before_the_period(sales) -> None:
    report = await _report(sales, CONVERSION)
    assert report["conversion"] == {"rate": pytest.approx(200 / 3), "converted": 2, "closed": 3}


async def test_empty_period(sales) -> None:
    report = await _report(sales, f"{REVENUE} {CONVERSION}", EMPTY)
    assert report == {
        "revenue": {"transactions": 0, "totals": [], "averageOrderValue": []},
        "conversion": {"rate": None, "converted": 0, "closed": 0},
    }


async def test_previous_period(sales) -> None:
    # 31 days before March: 29 January to 28 February; c2 closes in March, so nothing closed
    report = await _report(sales, f"previous {{ {REVENUE} {CONVERSION} }}")
    assert report["previous"] == {
        "revenue": {
            "transactions": 1,
            "totals": money(("EUR", "5.00")),
            "averageOrderValue": money(("EUR", "5.00")),
        },
        "conversion": {"rate": None, "converted": 0, "closed": 0},
    }


async def test_weekly_series(sales) -> None:
    # ISO weeks clipped to March: 1, 2-8, 9-15, 16-22, 23-29, 30-31
    report = await _report(sales, f"series(granularity: WEEK) {{ start {REVENUE} {CONVERSION} }}")
    nothing = {"transactions": 0, "totals": [], "averageOrderValue": []}
    no_closed = {"rate": None, "converted": 0, "closed": 0}
    assert report["series"] == [
        {"start": "2026-03-01", "revenue": nothing, "conversion": no_closed},
        {
            "start": "2026-03-02",
            "revenue": {
                "transactions": 4,
                "totals": money(("EUR", "10.30"), ("USD", "12.125")),
                "averageOrderValue": money(("EUR", "3.43"), ("USD", "12.12")),
            },
            "conversion": {"rate": 100.0, "converted": 1, "closed": 1},  # c1
        },
        {
            "start": "2026-03-09",
            "revenue": {
                "transactions": 1,
                "totals": money(("GBP", "19.995")),
                "averageOrderValue": money(("GBP", "20.00")),
            },
            "conversion": {"rate": 50.0, "converted": 1, "closed": 2},  # c2, c3
        },
        {"start": "2026-03-16", "revenue": nothing, "conversion": no_closed},
        {"start": "2026-03-23", "revenue": nothing, "conversion": no_closed},
        {"start": "2026-03-30", "revenue": nothing, "conversion": no_closed},
    ]


async def test_revenue_by_theme(sales) -> None:
    report = await _report(sales, f"breakdown(by: [THEME]) {{ key {REVENUE} }}")
    assert report["breakdown"] == [
        {
            "key": "billing",
            "revenue": {
                "transactions": 1,
                "totals": money(("EUR", "10.00")),
                "averageOrderValue": money(("EUR", "10.00")),
            },
        },
        {
            "key": "pricing",
            "revenue": {
                "transactions": 2,
                "totals": money(("EUR", "0.30")),
                "averageOrderValue": money(("EUR", "0.15")),
            },
        },
        {
            "key": None,
            "revenue": {
                "transactions": 2,
                "totals": money(("GBP", "19.995"), ("USD", "12.125")),
                "averageOrderValue": money(("GBP", "20.00"), ("USD", "12.12")),
            },
        },
    ]


async def test_conversion_by_user_is_by_assignee(sales) -> None:
    fields = f"breakdown(by: [USER], orderBy: CONVERSION_RATE) {{ key label {CONVERSION} }}"
    report = await _report(sales, fields)
    assert report["breakdown"] == [
        {"key": "u2", "label": "Bob", "conversion": {"rate": 100.0, "converted": 1, "closed": 1}},
        {"key": "u1", "label": "Alice", "conversion": {"rate": 50.0, "converted": 1, "closed": 2}},
    ]


async def test_order_by_revenue_transactions_and_group_previous(sales) -> None:
    fields = """breakdown(by: [USER], orderBy: REVENUE_TRANSACTIONS, limit: 2) {
      key revenue { transactions } previous { revenue { transactions totals { currency amount } } } }"""
    report = await _report(sales, fields)
    # Alice: 0.1, 0.2, 12.125; the web order (no user): 1; Bob: 10.00
    assert report["breakdown"] == [
        {
            "key": "u1",
            "revenue": {"transactions": 3},
            "previous": {"revenue": {"transactions": 0, "totals": []}},
        },
        {
            "key": "u2",
            "revenue": {"transactions": 1},
            "previous": {"revenue": {"transactions": 1, "totals": money(("EUR", "5.00"))}},
        },
    ]


async def test_a_theme_filter_applies_to_both_metrics(sales) -> None:
    report = await _report(sales, f"{REVENUE} {CONVERSION}", {**MARCH, "themes": ["pricing"]})
    assert report == {
        "revenue": {
            "transactions": 2,
            "totals": money(("EUR", "0.30")),
            "averageOrderValue": money(("EUR", "0.15")),
        },
        "conversion": {"rate": 100.0, "converted": 1, "closed": 1},
    }


async def test_browser_of_a_transaction_is_an_error_naming_both(sales) -> None:
    rating = Data(batch="x", new_account=False)
    rating.rating("csat", 5, "2026-03-10T12:00:00Z", browser="Chrome")
    await rating.write(sales)
    query = """query($f: ReportFilter!) { report(filter: $f) {
      breakdown(by: [BROWSER]) { key csat { responses } revenue { transactions }
                                 conversion { rate } } } }"""
    result = await execute_raw(sales, query, {"f": MARCH})
    assert result.data["report"]["breakdown"] == [
        {"key": "Chrome", "csat": {"responses": 1}, "revenue": None, "conversion": None}
    ]
    messages = sorted(error.message for error in result.errors)
    assert len(messages) == 2
    assert "`conversion` does not support the dimension BROWSER" in messages[0]
    assert "`revenue` does not support the dimension BROWSER" in messages[1]


async def test_a_browser_filter_is_an_error_naming_both(sales) -> None:
    query = f"query($f: ReportFilter!) {{ report(filter: $f) {{ {REVENUE} {CONVERSION} }} }}"
    result = await execute_raw(sales, query, {"f": {**MARCH, "browsers": ["Chrome"]}})
    assert result.data["report"] == {"revenue": None, "conversion": None}
    messages = sorted(error.message for error in result.errors)
    assert len(messages) == 2
    assert "`conversion` does not support the filter `browsers`" in messages[0]
    assert "`revenue` does not support the filter `browsers`" in messages[1]


async def test_user_reports(sales) -> None:
    query = f"""query($f: ReportFilter!) {{ users(first: 50) {{ edges {{ node {{ id
      report(filter: $f) {{ revenue {{ transactions totals {{ currency amount }} }} {CONVERSION} }}
    }} }} }} }}"""
    users = (await execute(sales, query, {"f": MARCH}))["users"]["edges"]
    assert sorted((edge["node"] for edge in users), key=lambda node: node["id"]) == [
        {
            "id": "u1",
            "report": {
                "revenue": {"transactions": 3, "totals": money(("EUR", "0.30"), ("USD", "12.125"))},
                "conversion": {"rate": 50.0, "converted": 1, "closed": 2},
            },
        },
        {
            "id": "u2",
            "report": {
                "revenue": {"transactions": 1, "totals": money(("EUR", "10.00"))},
                "conversion": {"rate": 100.0, "converted": 1, "closed": 1},
            },
        },
    ]


async def test_a_currency_whose_refund_cancels_its_order_still_shows(engine) -> None:
    data = Data()
    data.transaction("19.90", "CHF", "2026-03-10T11:00:00Z")
    data.transaction("-19.90", "CHF", "2026-03-11T11:00:00Z")
    data.transaction("0.015", "EUR", "2026-03-12T11:00:00Z")
    data.transaction("0.005", "EUR", "2026-03-12T12:00:00Z")
    await data.write(engine)
    report = await _report(engine, REVENUE)
    assert report["revenue"] == {
        "transactions": 4,
        "totals": money(("CHF", "0.00"), ("EUR", "0.02")),
        # EUR: 0.02 / 2 = 0.01 exactly
        "averageOrderValue": money(("CHF", "0.00"), ("EUR", "0.01")),
    }
