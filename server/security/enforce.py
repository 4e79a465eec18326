"""The choke point of tenant isolation: every statement a request runs is checked, from the
statement itself, before it reaches the database.

Statements are built in many places (record loaders, report statements, label lookups), each
adding `Scope.where(table)` by hand. Here, on the engine, every statement executed while a request
runs (`current_scope` is set) must, in each SELECT, carry for each tenant table it reads:

- `<table>.account_id = <the scope's account>` (for `accounts`: `accounts.id = …`), and
- when the scope is limited to inboxes and the table is not listed account-wide,
  `<table>.inbox_id IN (<a subset of the scope's inboxes>)`, or a condition that is always false.

Conditions count in the SELECT's WHERE clause or its joins' ON clauses, joined by AND. A table
correlated to another tenant table (`transactions.account_id = conversations.account_id` in an
EXISTS) is tied to that table's rows, which are checked where they are read. A statement
missing one is refused with `UnscopedStatement` (a bug: masked as an internal error), and only
SELECTs are allowed: a request never writes, and text statements cannot be checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Table, event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import (
    AsBoolean,
    BinaryExpression,
    BindParameter,
    BooleanClauseList,
    ClauseElement,
    False_,
)
from sqlalchemy.sql.selectable import Join, Select
from sqlalchemy.sql.visitors import iterate

from server.security.scope import ACCOUNT_WIDE, Scope

# The Scope of the request running in this context; None outside requests (imports, start-up).
current_scope: ContextVar[Scope | None] = ContextVar("current_scope", default=None)


class UnscopedStatement(Exception):
    """A statement a request ran without the conditions of its Scope: a bug, never the user's."""


def enforce_scope(engine: AsyncEngine) -> None:
    """Check every statement `engine` executes during a request."""

    def check(_connection: Any, statement: Any, *_: Any) -> None:
        scope = current_scope.get()
        if scope is not None:
            _check_once(statement, scope)

    event.listen(engine.sync_engine, "before_execute", check)


# Report statements are compiled once per plan and run again by every request asking the same
# thing (server.metrics.executor keeps them): walking a statement costs more than running it on
# a rollup (SQLAlchemy compiles it to find its FROMs), so a statement that passed for a scope is
# not walked again for that scope. Statements are immutable; entries go with their statements.
_passed: WeakKeyDictionary[ClauseElement, set[Scope]] = WeakKeyDictionary()


def _check_once(statement: ClauseElement, scope: Scope) -> None:
    passed = _passed.get(statement)
    if passed is not None and scope in passed:
        return
    check_statement(statement, scope)
    _passed.setdefault(statement, set()).add(scope)


def check_statement(statement: ClauseElement, scope: Scope) -> None:
    """Raise UnscopedStatement unless every tenant table each SELECT reads is scoped."""
    if not isinstance(statement, Select):
        raise UnscopedStatement(
            f"a request may run only SELECT statements it can be checked on, not "
            f"{type(statement).__name__}"
        )
    unscoped: list[tuple[Table, str]] = []
    scoped: set[Table] = set()
    for select in _selects(statement):
        conditions = list(_conjuncts(select.whereclause))
        tables: list[Table] = []
        for source in select.get_final_froms():
            for table, on_clause in _tables(source):
                tables.append(table)
                conditions += _conjuncts(on_clause)
        for table in tables:
            missing = _missing(table, conditions, scope)
            if missing:
                unscoped.append((table, missing))
            else:
                scoped.add(table)
    # A table a subquery correlates to (an EXISTS on the outer row) is listed in the subquery's
    # FROM too: it is scoped where the enclosing SELECT reads it.
    for table, missing in unscoped:
        if table not in scoped:
            raise UnscopedStatement(f"a statement reads {table.name} without {missing}")


def _selects(statement: Select[Any]) -> Iterator[Select[Any]]:
    """The statement and every SELECT inside it (subqueries, CTEs, IN (SELECT …))."""
    for element in iterate(statement):
        if isinstance(element, Select):
            yield element


def _tables(source: Any, on_clause: Any = None) -> Iterator[tuple[Table, Any]]:
    """The tables a FROM item reads directly (through joins), each with its join's ON clause;
    subqueries are SELECTs of their own, checked on their own."""
    if isinstance(source, Table):
        yield source, on_clause
    elif isinstance(source, Join):
        yield from _tables(source.left)
        yield from _tables(source.right, source.onclause)


def _conjuncts(clause: Any) -> Iterator[Any]:
    """The conditions joined by AND at the top of a clause."""
    if clause is None:
        return
    if isinstance(clause, BooleanClauseList) and clause.operator is operators.and_:
        for part in clause.clauses:
            yield from _conjuncts(part)
    else:
        yield clause


def _missing(table: Table, conditions: list[Any], scope: Scope) -> str | None:
    """What condition `table` lacks, if any (None for a table without tenants)."""
    if any(_always_false(c) for c in conditions):
        return None  # reads nothing (a token whose inboxes are all gone)
    if table.name == "accounts":
        return None if _equals(conditions, table.c.id, scope.account_id) else "its id condition"
    if "account_id" not in table.c:
        return None
    if _correlated(conditions, table):
        return None  # tied to a row of another tenant table, itself checked where it is read
    if not _equals(conditions, table.c.account_id, scope.account_id):
        return f"account_id = {scope.account_id!r}"
    if scope.inbox_ids is None or table.name in ACCOUNT_WIDE or "inbox_id" not in table.c:
        return None
    if _in_subset(conditions, table.c.inbox_id, scope.inbox_ids):
        return None
    return "its inbox condition"


def _always_false(condition: Any) -> bool:
    # where(false()) is wrapped as AsBoolean(False_) by SQLite's and PostgreSQL's compilers alike
    return isinstance(condition, False_) or (
        isinstance(condition, AsBoolean) and isinstance(condition.element, False_)
    )


def _correlated(conditions: list[Any], table: Table) -> bool:
    """`table.account_id = other.account_id` with `other` another tenant table: a subquery's rows
    tied to the row of an enclosing (or joined) table, which is checked where it is read."""
    return any(
        isinstance(c, BinaryExpression)
        and c.operator is operators.eq
        and c.left is table.c.account_id
        and getattr(c.right, "name", None) == "account_id"
        and isinstance(getattr(c.right, "table", None), Table)
        and c.right.table is not table
        for c in conditions
    )


def _equals(conditions: list[Any], column: Any, value: str) -> bool:
    return any(
        isinstance(c, BinaryExpression)
        and c.operator is operators.eq
        and c.left is column
        and isinstance(c.right, BindParameter)
        and c.right.value == value
        for c in conditions
    )


def _in_subset(conditions: list[Any], column: Any, allowed: frozenset[str]) -> bool:
    return any(
        isinstance(c, BinaryExpression)
        and c.operator is operators.in_op
        and c.left is column
        and isinstance(c.right, BindParameter)
        and set(c.right.value or ()) <= allowed
        for c in conditions
    )
