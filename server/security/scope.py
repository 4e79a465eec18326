"""The Scope of a request: the only way a query reaches rows.

A token belongs to one account and optionally to a set of inboxes (SPEC section 5). Every query,
record lookups and report statements alike, is built with `Scope.where(table)`; and every
statement a request runs is checked for those conditions before it runs (server.security.enforce),
so a resolver that forgets them fails instead of reading another tenant's rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Table, and_, false

# Tables listed to every token of the account: numbers about them come from visible facts only.
ACCOUNT_WIDE = frozenset({"accounts", "inboxes", "users", "teams", "team_members", "customers"})


@dataclass(frozen=True)
class Scope:
    account_id: str
    inbox_ids: frozenset[str] | None = None  # None: every inbox of the account
    timezone: str = "UTC"  # the account's, the default of report filters

    def where(self, table: Table) -> ColumnElement[bool]:
        """The condition that keeps `table`'s rows to those this scope may see."""
        if table.name == "accounts":
            return table.c.id == self.account_id
        account = table.c.account_id == self.account_id
        if self.inbox_ids is None or table.name in ACCOUNT_WIDE:
            return account
        if not self.inbox_ids:
            return false()
        # Rows with no inbox (a rating or transaction without conversation or inbox) have a NULL
        # inbox_id, which IN never matches: they stay visible to unscoped tokens only.
        return and_(account, table.c.inbox_id.in_(sorted(self.inbox_ids)))
