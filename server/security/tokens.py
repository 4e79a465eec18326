"""API tokens: created with a secret shown once, stored as a SHA-256 hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.db.tables import accounts, api_tokens, inboxes
from server.errors import UserError
from server.security.scope import Scope

SECRET_PREFIX = "rpt_"


def hash_secret(secret: str) -> str:
    # Secrets are 256 random bits, so a plain hash is enough: there is nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class TokenInfo:
    id: str
    account_id: str
    name: str | None
    inbox_ids: list[str] | None
    created_at: datetime
    revoked_at: datetime | None


async def create_token(
    engine: AsyncEngine, account_id: str, inbox_ids: list[str], name: str | None
) -> tuple[TokenInfo, str]:
    """Create a token; returns it and its secret, which is never stored."""
    async with engine.begin() as connection:
        await _require_account(connection, account_id)
        if inbox_ids:
            found = set(
                await connection.scalars(
                    select(inboxes.c.id).where(
                        inboxes.c.account_id == account_id, inboxes.c.id.in_(inbox_ids)
                    )
                )
            )
            missing = [i for i in inbox_ids if i not in found]
            if missing:
                raise UserError(f"--inbox: inbox {missing[0]!r} does not exist in {account_id!r}")
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        info = TokenInfo(
            id="tok_" + secrets.token_hex(6),
            account_id=account_id,
            name=name,
            inbox_ids=sorted(set(inbox_ids)) or None,
            created_at=datetime.now(UTC),
            revoked_at=None,
        )
        await connection.execute(
            insert(api_tokens).values(
                id=info.id,
                account_id=info.account_id,
                name=info.name,
                secret_hash=hash_secret(secret),
                inbox_ids=info.inbox_ids,
                created_at=info.created_at,
            )
        )
    return info, secret


async def list_tokens(engine: AsyncEngine, account_id: str) -> list[TokenInfo]:
    query = (
        select(
            api_tokens.c.id,
            api_tokens.c.account_id,
            api_tokens.c.name,
            api_tokens.c.inbox_ids,
            api_tokens.c.created_at,
            api_tokens.c.revoked_at,
        )
        .where(api_tokens.c.account_id == account_id)
        .order_by(api_tokens.c.created_at, api_tokens.c.id)
    )
    async with engine.connect() as connection:
        await _require_account(connection, account_id)  # a typo is not an account without tokens
        return [TokenInfo(**row._mapping) for row in await connection.execute(query)]


async def _require_account(connection: AsyncConnection, account_id: str) -> None:
    found = await connection.scalar(select(accounts.c.id).where(accounts.c.id == account_id))
    if found is None:
        raise UserError(f"account {account_id!r} does not exist")


async def revoke_token(engine: AsyncEngine, token_id: str) -> None:
    async with engine.begin() as connection:
        result = await connection.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
        if result.rowcount == 0:
            raise UserError(f"token {token_id!r} does not exist or is already revoked")


async def authenticate(engine: AsyncEngine, secret: str) -> Scope | None:
    """The Scope of a bearer secret, or None when it is unknown or revoked."""
    query = (
        select(api_tokens.c.account_id, api_tokens.c.inbox_ids, accounts.c.timezone)
        .join(accounts, accounts.c.id == api_tokens.c.account_id)
        .where(api_tokens.c.secret_hash == hash_secret(secret), api_tokens.c.revoked_at.is_(None))
    )
    async with engine.connect() as connection:
        row = (await connection.execute(query)).first()
    if row is None:
        return None
    inbox_ids = None if row.inbox_ids is None else frozenset(row.inbox_ids)
    return Scope(account_id=row.account_id, inbox_ids=inbox_ids, timezone=row.timezone)
