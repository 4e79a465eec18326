"""rapport-sla's own tests, with the fixtures Rapport ships (pytest loads them by itself).

Each runs on SQLite, and on PostgreSQL when RAPPORT_TEST_POSTGRES_URL names a server. First
responses (a user's reply after the conversation's creation) in March 2026, UTC, for acme:

    c1 Ada    1800 s   within the default target of 3600 s
    c2 Ada    7200 s
    c3 Grace   600 s   within
    c4 Grace  3600 s   within (the bound is inclusive)
    c5 Ada    never answered

globex has a 60 s answer that acme's token never sees.

The plugin's own file, sla_reviews.csv, reviews breaches: in March acme has v1 excused and v2
breach (inbox support), v3 excused (inbox sales); v4 is of April; globex's v1 is never seen.
"""

from pytest import approx

ACCOUNTS = """
    id,name,timezone
    acme,Acme,UTC
    globex,Globex,UTC
"""
INBOXES = """
    account_id,id,name
    acme,support,Support
    acme,sales,Sales
    globex,support,Support
"""
USERS = """
    account_id,id,name
    acme,ann,Ann
    globex,gus,Gus
"""
CUSTOMERS = """
    account_id,id,name
    acme,ada,Ada Lovelace
    acme,grace,Grace Hopper
    globex,ada,Someone Else
"""
CONVERSATIONS = """
    account_id,id,number,inbox_id,customer_id,channel,status,created_at
    acme,c1,1,support,ada,email,open,2026-03-02T09:00:00Z
    acme,c2,2,support,ada,email,open,2026-03-03T10:00:00Z
    acme,c3,3,support,grace,email,open,2026-03-04T08:00:00Z
    acme,c4,4,support,grace,email,open,2026-03-05T08:00:00Z
    acme,c5,5,support,ada,email,open,2026-03-06T08:00:00Z
    globex,c1,1,support,ada,email,open,2026-03-02T09:00:00Z
"""
MESSAGES = """
    account_id,id,conversation_id,author_type,author_id,created_at
    acme,m1,c1,user,ann,2026-03-02T09:30:00Z
    acme,m2,c2,user,ann,2026-03-03T12:00:00Z
    acme,m3,c3,user,ann,2026-03-04T08:10:00Z
    acme,m4,c4,user,ann,2026-03-05T09:00:00Z
    acme,m5,c5,customer,,2026-03-06T08:00:00Z
    globex,m1,c1,user,gus,2026-03-02T09:01:00Z
"""
SLA_REVIEWS = """
    account_id,id,conversation_id,inbox_id,reviewed_at,verdict
    acme,v1,c2,support,2026-03-10T10:00:00Z,excused
    acme,v2,c2,support,2026-03-11T10:00:00Z,breach
    acme,v3,,sales,2026-03-12T10:00:00Z,excused
    acme,v4,,support,2026-04-02T10:00:00Z,breach
    globex,v1,c1,support,2026-03-10T10:00:00Z,excused
"""
REPORT = """
query ($filter: ReportFilter!) {
  report(filter: $filter) {
    sla { responded withinTarget rate median p90 }
    breakdown(by: [CUSTOMER], orderBy: SLA_RATE, descending: false) {
      key label sla { responded withinTarget rate median }
    }
  }
}
"""
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def import_march(rapport_import):
    rapport_import(
        accounts=ACCOUNTS,
        inboxes=INBOXES,
        users=USERS,
        customers=CUSTOMERS,
        conversations=CONVERSATIONS,
        messages=MESSAGES,
        sla_reviews=SLA_REVIEWS,
    )


def test_sla_and_its_breakdown_by_customer(rapport_import, rapport_token, rapport_graphql):
    import_march(rapport_import)
    report = rapport_graphql(REPORT, token=rapport_token("acme"), filter=MARCH)["report"]
    # 600 1800 3600 7200: median (1800 + 3600) / 2; p90 at rank 0.9 × 3 = 2.7: 3600 + 0.7 × 3600
    assert report["sla"] == {
        "responded": 4,
        "withinTarget": 3,
        "rate": 75.0,
        "median": 2700.0,
        "p90": approx(6120.0),
    }
    assert report["breakdown"] == [
        {
            "key": "ada",
            "label": "Ada Lovelace",
            "sla": {"responded": 2, "withinTarget": 1, "rate": 50.0, "median": 4500.0},
        },
        {
            "key": "grace",
            "label": "Grace Hopper",
            "sla": {"responded": 2, "withinTarget": 2, "rate": 100.0, "median": 2100.0},
        },
    ]


def test_the_customers_filter(rapport_import, rapport_token, rapport_graphql):
    import_march(rapport_import)
    report = rapport_graphql(
        REPORT, token=rapport_token("acme"), filter={**MARCH, "customers": ["grace"]}
    )["report"]
    assert report["sla"]["responded"] == 2
    assert [group["key"] for group in report["breakdown"]] == ["grace"]


def test_another_accounts_answers_are_never_counted(rapport_import, rapport_token, rapport_graphql):
    import_march(rapport_import)
    report = rapport_graphql(REPORT, token=rapport_token("globex"), filter=MARCH)["report"]
    assert report["sla"] == {
        "responded": 1,
        "withinTarget": 1,
        "rate": 100.0,
        "median": 60.0,
        "p90": 60.0,
    }


REVIEWS = """
query ($filter: ReportFilter!) {
  report(filter: $filter) {
    slaReviews { reviewed excused excusedPercent reviewedPercent }
    breakdown(by: [SLA_VERDICT]) { key slaReviews { reviewed } }
  }
}
"""


def test_the_reviews_of_the_plugins_own_file(rapport_import, rapport_token, rapport_graphql):
    import_march(rapport_import)
    report = rapport_graphql(REVIEWS, token=rapport_token("acme"), filter=MARCH)["report"]
    # v1 v2 v3: 2 excused of 3; 3 reviews per 4 conversations answered
    assert report["slaReviews"] == {
        "reviewed": 3,
        "excused": 2,
        "excusedPercent": approx(200 / 3),
        "reviewedPercent": 75.0,
    }
    assert report["breakdown"] == [
        {"key": "breach", "slaReviews": {"reviewed": 1}},
        {"key": "excused", "slaReviews": {"reviewed": 2}},
    ]
    # the filter applies to the fields over the plugin's fact (reviewedPercent also reads sla's)
    excused = rapport_graphql(
        "query ($filter: ReportFilter!) { report(filter: $filter) { slaReviews { reviewed } } }",
        token=rapport_token("acme"),
        filter={**MARCH, "slaVerdicts": ["excused"]},
    )["report"]
    assert excused["slaReviews"] == {"reviewed": 2}


def test_the_core_scopes_the_plugins_table(rapport_import, rapport_token, rapport_graphql):
    import_march(rapport_import)
    support = rapport_token("acme", inboxes=["support"])
    report = rapport_graphql(REVIEWS, token=support, filter=MARCH)["report"]
    # v1 and v2 only (v3 is of inbox sales); the 4 answers are all in support
    assert report["slaReviews"] == {
        "reviewed": 2,
        "excused": 1,
        "excusedPercent": 50.0,
        "reviewedPercent": 50.0,
    }
    globex = rapport_graphql(REVIEWS, token=rapport_token("globex"), filter=MARCH)["report"]
    assert globex["slaReviews"]["reviewed"] == 1


LIST = """
query ($after: String) {
  slaReviews(first: 2, after: $after) {
    totalCount
    edges { node { id conversationId inboxId reviewedAt verdict } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def review_ids(connection):
    return [edge["node"]["id"] for edge in connection["edges"]]


def test_the_reviews_are_a_paginated_list_scoped_by_the_core(
    rapport_import, rapport_token, rapport_graphql
):
    import_march(rapport_import)
    acme = rapport_token("acme")
    first = rapport_graphql(LIST, token=acme)["slaReviews"]
    assert first["totalCount"] == 4
    assert first["edges"][0]["node"] == {
        "id": "v1",
        "conversationId": "c2",
        "inboxId": "support",
        "reviewedAt": "2026-03-10T10:00:00+00:00",
        "verdict": "excused",
    }
    assert review_ids(first) == ["v1", "v2"] and first["pageInfo"]["hasNextPage"]
    rest = rapport_graphql(LIST, token=acme, after=first["pageInfo"]["endCursor"])["slaReviews"]
    assert review_ids(rest) == ["v3", "v4"] and not rest["pageInfo"]["hasNextPage"]

    support = rapport_graphql(LIST, token=rapport_token("acme", inboxes=["support"]))
    assert support["slaReviews"]["totalCount"] == 3  # v3 is of inbox sales
    assert review_ids(support["slaReviews"]) == ["v1", "v2"]
    globex = rapport_graphql(LIST, token=rapport_token("globex"))["slaReviews"]
    assert globex["totalCount"] == 1 and globex["edges"][0]["node"]["conversationId"] == "c1"
