"""The choke point of tenant isolation: statements a request runs without its Scope's conditions
are refused, from the statement itself (server/security/enforce.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select, union_all

from server.db.tables import inboxes, ratings, team_members, users
from server.security.enforce import UnscopedStatement, check_statement
from server.security.scope import Scope

ACME = Scope("acme")
ACME_I1 = Scope("acme", frozenset({"i1"}))


NO_INBOX = Scope("acme", frozenset())  # a token whose inboxes are all gone


@pytest.mark.parametrize(
    ("statement", "scope"),
    [
        (select(ratings).where(ACME_I1.where(ratings), ratings.c.score > 3), ACME_I1),
        (
            select(users)
            .join(
                team_members, (team_members.c.user_id == users.c.id) & ACME_I1.where(team_members)
            )
            .where(ACME_I1.where(users)),
            ACME_I1,
        ),
        (
            select(func.count()).select_from(
                select(ratings).where(ACME_I1.where(ratings)).subquery()
            ),
            ACME_I1,
        ),
        (select(ratings).where(NO_INBOX.where(ratings)), NO_INBOX),  # always false
        (select(inboxes).where(ACME_I1.where(inboxes)), ACME_I1),  # account-wide
        (  # a correlated subquery, tied to the scoped outer rows
            select(users).where(
                ACME_I1.where(users),
                select(team_members)
                .where(
                    team_members.c.account_id == users.c.account_id,
                    team_members.c.user_id == users.c.id,
                )
                .exists(),
            ),
            ACME_I1,
        ),
    ],
)
def test_scoped_statements_pass(statement: object, scope: Scope) -> None:
    check_statement(statement, scope)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("statement", "scope", "message"),
    [
        (select(users), ACME, "reads users without account_id = 'acme'"),
        (
            select(ratings).where(ratings.c.account_id == "other"),
            ACME,
            "without account_id = 'acme'",
        ),
        (
            select(ratings).where(ACME.where(ratings)),
            ACME_I1,
            "reads ratings without its inbox condition",
        ),
        (
            select(ratings).where(
                ratings.c.account_id == "acme", ratings.c.inbox_id.in_(["i1", "i2"])
            ),
            ACME_I1,
            "without its inbox condition",
        ),
        (  # an OR does not scope: only conditions joined by AND count
            select(users).where((users.c.account_id == "acme") | (users.c.id == "u1")),
            ACME,
            "without account_id = 'acme'",
        ),
        (
            select(func.count()).select_from(select(ratings).where(ratings.c.score > 3).subquery()),
            ACME,
            "reads ratings without account_id",
        ),
        (
            select(users).where(ACME.where(users), users.c.id.in_(select(team_members.c.user_id))),
            ACME,
            "reads team_members without account_id",
        ),
        (union_all(select(users.c.id), select(users.c.id)), ACME, "only SELECT statements"),
        (insert(users).values(account_id="acme", id="x", name="x"), ACME, "only SELECT statements"),
    ],
)
def test_unscoped_statements_are_refused(statement: object, scope: Scope, message: str) -> None:
    with pytest.raises(UnscopedStatement, match=message):
        check_statement(statement, scope)  # type: ignore[arg-type]


def test_a_statement_that_passed_for_one_scope_is_checked_again_for_another() -> None:
    """Verdicts are kept per (statement, scope) for statements run again (compiled plans)."""
    from server.security.enforce import _check_once

    statement = select(ratings).where(ACME_I1.where(ratings))
    _check_once(statement, ACME_I1)
    _check_once(statement, ACME_I1)  # kept: passes without a walk
    with pytest.raises(UnscopedStatement):
        _check_once(statement, Scope("globex"))
    with pytest.raises(UnscopedStatement):
        _check_once(statement, Scope("acme", frozenset({"i2"})))


async def test_report_statements_are_checked_on_every_path(engine) -> None:
    """Report statements, which PostgreSQL runs natively on asyncpg (server.metrics.native),
    reach the engine's check as SQLAlchemy's own statements do: a statement scoped to acme,
    run while a request of globex runs, is refused before it is sent, on both databases."""
    from datetime import date

    from server.metrics.executor import run_queries
    from server.metrics.query import Filter, Grouping, Query
    from server.metrics.time import Period
    from server.plugins import registry
    from server.security.enforce import current_scope, enforce_scope

    enforce_scope(engine)
    period = Period(date(2026, 3, 1), date(2026, 3, 31), "UTC")
    query = Query(ACME, Filter(period), Grouping(), frozenset({(("csat", ()), "score")}))
    from tests.conftest import _UNSCOPED  # the run-wide record of unscoped statements

    seen = len(_UNSCOPED)
    token = current_scope.set(Scope("globex"))
    try:
        with pytest.raises(UnscopedStatement):
            await run_queries(engine, [query], registry())
        assert len(_UNSCOPED) > seen  # on purpose here: not a finding of the run
        del _UNSCOPED[seen:]
        current_scope.set(ACME)
        assert (await run_queries(engine, [query], registry()))[query] is not None
    finally:
        current_scope.reset(token)
