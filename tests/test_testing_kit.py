"""The test kit Rapport ships for plugin authors (server/testing.py), used as an author would.

These tests request only the kit's fixtures: no fixture of Rapport's own conftest.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

ACCOUNTS = """
    id,name,timezone
    acme,Acme,UTC
    globex,Globex,UTC
"""
INBOXES = """
    account_id,id,name
    acme,support,Support
    acme,sales,Sales
    globex,support,Globex support
"""
# acme: support 5 4 2, sales 1; globex: 5 5 (never seen by acme's tokens)
RATINGS = """
    account_id,id,survey,score,created_at,inbox_id
    acme,r1,csat,5,2026-03-02T10:00:00Z,support
    acme,r2,csat,4,2026-03-03T10:00:00Z,support
    acme,r3,csat,2,2026-03-04T10:00:00Z,support
    acme,r4,csat,1,2026-03-05T10:00:00Z,sales
    acme,r5,csat,5,2026-04-01T10:00:00Z,support
    globex,r1,csat,5,2026-03-02T10:00:00Z,support
    globex,r2,csat,5,2026-03-03T10:00:00Z,support
"""
CSAT = """
query ($filter: ReportFilter!) { report(filter: $filter) { csat { responses satisfied score } } }
"""
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def test_imported_csv_rows_are_reported_over_http_within_the_token_scope(
    rapport_import: Callable[..., None],
    rapport_token: Callable[..., str],
    rapport_graphql,
) -> None:
    rapport_import(accounts=ACCOUNTS, inboxes=INBOXES, ratings=RATINGS)
    everything = rapport_graphql(CSAT, token=rapport_token("acme"), filter=MARCH)
    # March: 5 4 2 1 -> 2 satisfied (4 or 5) of 4
    assert everything["report"]["csat"] == {"responses": 4, "satisfied": 2, "score": 50.0}
    support = rapport_graphql(CSAT, token=rapport_token("acme", inboxes=["support"]), filter=MARCH)
    assert support["report"]["csat"] == {"responses": 3, "satisfied": 2, "score": 200 / 3}


def test_graphql_errors_are_returned_by_post(
    rapport_import: Callable[..., None], rapport_token: Callable[..., str], rapport_graphql
) -> None:
    rapport_import(accounts=ACCOUNTS)
    body = rapport_graphql.post("{ report { nothing } }", token=rapport_token("acme"))
    assert body["errors"]


def test_an_invalid_csv_row_fails_the_test_naming_the_problem(
    rapport_import: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(pytest.fail.Exception, match="rejected rows"):
        rapport_import(accounts=ACCOUNTS, inboxes=INBOXES, ratings=RATINGS.replace(",5,", ",9,", 1))
    assert "score" in capsys.readouterr().err
