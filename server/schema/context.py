"""What every resolver gets: the engine, the request's Scope, settings and per-request loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from server.security.scope import Scope
from server.settings import Settings


@dataclass
class Context:
    engine: AsyncEngine
    scope: Scope
    settings: Settings
    # Per-request caches (DataLoaders, planned reports), keyed by whoever owns them; a new Context
    # is made for every request so nothing leaks between requests or tokens.
    cache: dict[Any, Any] = field(default_factory=dict)
