"""The four survey metrics, with hand-computed expected values (SPEC section 7)."""

from __future__ import annotations

import pytest

from tests.report_data import Data, execute

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}

SURVEYS = """
query($f: ReportFilter!) { report(filter: $f) {
  csat { score responses satisfied average distribution { score count percent } }
  nps { score responses promoters passives detractors promotersPercent passivesPercent
        detractorsPercent distribution { score count percent } }
  ces { score responses easy easyPercent distribution { score count percent } }
  happiness { score responses great okay notGood greatPercent okayPercent notGoodPercent
              customersWithRatings ratingsPercent }
} }
"""


def _distribution(counts: dict[int, int], scores: range) -> list[dict[str, object]]:
    total = sum(counts.values())
    return [
        {"score": s, "count": counts.get(s, 0), "percent": counts.get(s, 0) * 100 / total}
        for s in scores
    ]


@pytest.fixture
async def march(engine):
    data = Data()
    for score in (5, 5, 4, 3, 1):
        data.rating("csat", score, "2026-03-10T12:00:00Z")
    data.rating("csat", 2, "2026-02-28T23:59:59Z")  # before the period
    data.rating("csat", 5, "2026-04-01T00:00:00Z")  # the period's end is exclusive
    for score in (10, 9, 8, 7, 6, 0, 10):
        data.rating("nps", score, "2026-03-11T12:00:00Z")
    for score in (7, 5, 4, 1):
        data.rating("ces", score, "2026-03-12T12:00:00Z")
    for score, customer in ((3, "k1"), (3, "k1"), (2, "k2"), (1, "k3")):
        data.rating("happiness", score, "2026-03-13T12:00:00Z", customer_id=customer)
    # customers helped: k1..k4 got a human reply in March (k5's reply is in April)
    for customer in ("k1", "k2", "k3", "k4", "k5"):
        conversation = data.conversation("2026-03-01T09:00:00Z", customer_id=customer)
        when = "2026-04-02T09:00:00Z" if customer == "k5" else "2026-03-02T09:00:00Z"
        data.message(conversation, when, author_type="user", author_id="u1", is_human_reply=True)
    await data.write(engine)
    return engine


async def test_csat(march) -> None:
    csat = (await execute(march, SURVEYS, {"f": MARCH}))["report"]["csat"]
    assert csat == {
        "score": 60.0,  # 3 of 5 scored 4 or 5
        "responses": 5,
        "satisfied": 3,
        "average": 3.6,  # 18 / 5
        "distribution": _distribution({1: 1, 3: 1, 4: 1, 5: 2}, range(1, 6)),
    }


async def test_nps(march) -> None:
    nps = (await execute(march, SURVEYS, {"f": MARCH}))["report"]["nps"]
    assert nps["responses"] == 7
    assert (nps["promoters"], nps["passives"], nps["detractors"]) == (3, 2, 2)
    assert nps["score"] == pytest.approx(100 / 7)  # (3 - 2) / 7
    assert nps["promotersPercent"] == pytest.approx(300 / 7)
    assert nps["passivesPercent"] == pytest.approx(200 / 7)
    assert nps["detractorsPercent"] == pytest.approx(200 / 7)
    counts = {0: 1, 6: 1, 7: 1, 8: 1, 9: 1, 10: 2}
    assert [d["count"] for d in nps["distribution"]] == [counts.get(s, 0) for s in range(11)]
    assert nps["distribution"][10]["percent"] == pytest.approx(200 / 7)


async def test_ces(march) -> None:
    ces = (await execute(march, SURVEYS, {"f": MARCH}))["report"]["ces"]
    assert ces == {
        "score": 4.25,  # (7 + 5 + 4 + 1) / 4
        "responses": 4,
        "easy": 2,
        "easyPercent": 50.0,
        "distribution": _distribution({1: 1, 4: 1, 5: 1, 7: 1}, range(1, 8)),
    }


async def test_happiness(march) -> None:
    happiness = (await execute(march, SURVEYS, {"f": MARCH}))["report"]["happiness"]
    assert happiness == {
        "score": 25.0,  # 50 % great - 25 % not good
        "responses": 4,
        "great": 2,
        "okay": 1,
        "notGood": 1,
        "greatPercent": 50.0,
        "okayPercent": 25.0,
        "notGoodPercent": 25.0,
        "customersWithRatings": 3,  # k1, k2, k3
        "ratingsPercent": 75.0,  # 3 of the 4 customers helped in March
    }


async def test_an_empty_period_has_zero_counts_and_null_ratios(march) -> None:
    report = (await execute(march, SURVEYS, {"f": {"from": "2025-01-01", "to": "2025-01-31"}}))[
        "report"
    ]
    assert report["csat"] == {
        "score": None,
        "responses": 0,
        "satisfied": 0,
        "average": None,
        "distribution": [{"score": s, "count": 0, "percent": None} for s in range(1, 6)],
    }
    assert report["nps"]["score"] is None and report["nps"]["promoters"] == 0
    assert report["ces"]["score"] is None and report["ces"]["easyPercent"] is None
    assert report["happiness"]["score"] is None
    assert report["happiness"]["ratingsPercent"] is None


async def test_filters_combine_with_and_and_values_with_or(engine) -> None:
    data = Data()
    data.rating("csat", 5, "2026-03-10T12:00:00Z", channel="email", user_id="u1")
    data.rating("csat", 1, "2026-03-10T12:00:00Z", channel="chat", user_id="u1")
    data.rating("csat", 4, "2026-03-10T12:00:00Z", channel="phone", user_id="u1")
    data.rating("csat", 4, "2026-03-10T12:00:00Z", channel="email", user_id="u2")
    await data.write(engine)
    query = "query($f: ReportFilter!) { report(filter: $f) { csat { responses satisfied } } }"

    def with_(**values: object) -> dict[str, object]:
        return {"f": {**MARCH, **values}}

    one = await execute(engine, query, with_(channels=["email", "chat"], users=["u1"]))
    assert one["report"]["csat"] == {"responses": 2, "satisfied": 1}
    empty_lists = await execute(engine, query, with_(channels=[], users=[]))
    assert empty_lists["report"]["csat"] == {"responses": 4, "satisfied": 3}


async def test_nps_by_country_and_by_browser(engine) -> None:
    data = Data()
    ratings = [  # score, the rating's country, its browser
        (10, "FI", "Chrome"),
        (9, "FI", "Chrome"),
        (3, "FI", "Firefox"),
        (7, "SE", "Chrome"),
        (8, "SE", "Firefox"),
        (0, None, "Other"),
    ]
    for score, country, browser in ratings:
        data.rating("nps", score, "2026-03-10T12:00:00Z", country=country, browser=browser)
    await data.write(engine)
    query = """query($f: ReportFilter!) { report(filter: $f) {
      countries: breakdown(by: [COUNTRY]) { key label nps { score responses promoters detractors } }
      browsers: breakdown(by: [BROWSER], orderBy: NPS_SCORE) { key nps { score responses } }
    } }"""
    report = (await execute(engine, query, {"f": MARCH}))["report"]
    # FI: 2 promoters, 1 detractor of 3; SE: 2 passives; no country: 1 detractor
    assert report["countries"] == [
        {
            "key": "FI",
            "label": "Finland",
            "nps": {"score": 100 / 3, "responses": 3, "promoters": 2, "detractors": 1},
        },
        {
            "key": "SE",
            "label": "Sweden",
            "nps": {"score": 0.0, "responses": 2, "promoters": 0, "detractors": 0},
        },
        {
            "key": None,
            "label": "(none)",
            "nps": {"score": -100.0, "responses": 1, "promoters": 0, "detractors": 1},
        },
    ]
    # Chrome: 10, 9, 7 (2 promoters of 3); Firefox: 3, 8 (1 detractor of 2); Other: 0
    assert report["browsers"] == [
        {"key": "Chrome", "nps": {"score": 200 / 3, "responses": 3}},
        {"key": "Firefox", "nps": {"score": -50.0, "responses": 2}},
        {"key": "Other", "nps": {"score": -100.0, "responses": 1}},
    ]
    # a country filter and a browser filter together: FI on Chrome only
    both = {"f": {**MARCH, "countries": ["FI"], "browsers": ["Chrome"]}}
    filtered = await execute(
        engine, "query($f: ReportFilter!) { report(filter: $f) { nps { score responses } } }", both
    )
    assert filtered["report"]["nps"] == {"score": 100.0, "responses": 2}
