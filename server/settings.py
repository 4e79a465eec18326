"""Settings, read once from the environment (and command-line overrides)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

DEFAULT_DATABASE_URL = "sqlite:///rapport.db"
PLUGIN_PREFIX = "RAPPORT_PLUGIN_"


@dataclass(frozen=True)
class Limits:
    """Query limits of SPEC section 9; all on by default."""

    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5_000
    max_body_bytes: int = 100_000
    max_first: int = 100
    max_breakdown_limit: int = 1_000
    max_series_buckets: int = 1_000
    max_period_days: int = 3_653  # ten years, leap days included
    statement_timeout_seconds: float = 10.0


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    disabled_plugins: frozenset[str] = frozenset()
    limits: Limits = field(default_factory=Limits)
    # Report statements: one per fact, shared by the metrics reading it (False), or one per
    # metric, smaller and run in parallel (True). Measured with bench/dashboard.py on the peer
    # benchmark's data (docs/performance.md): with the covering survey index, each survey's
    # statement is an index-only scan of its own range, faster on both databases.
    split_metrics: bool = True
    # PostgreSQL: statements reading the same rows grouped differently share one scan with
    # GROUPING SETS (server/metrics/shared_scans.py). SQLite has no GROUPING SETS.
    share_scans: bool = True
    # Plugin settings (server/plugin_config.py): the RAPPORT_PLUGIN_* variables, and the TOML file
    # of $RAPPORT_PLUGINS_FILE; validated against each plugin's declarations when plugins load.
    plugin_environment: frozenset[tuple[str, str]] = frozenset()
    plugins_file: str | None = None
    # Origins whose browser pages may call the API ($RAPPORT_CORS_ORIGINS, comma-separated).
    cors_origins: tuple[str, ...] = ()

    def shares_scans(self, dialect: str) -> bool:
        return self.share_scans and dialect == "postgresql"

    def with_database(self, url: str | None) -> Settings:
        return replace(self, database_url=url) if url else self


def load_settings() -> Settings:
    disabled = os.environ.get("RAPPORT_DISABLE_PLUGINS", "")
    return Settings(
        database_url=os.environ.get("RAPPORT_DATABASE_URL") or DEFAULT_DATABASE_URL,
        disabled_plugins=frozenset(p.strip() for p in disabled.split(",") if p.strip()),
        split_metrics=_flag(os.environ.get("RAPPORT_SPLIT_METRICS", "")) is not False,
        share_scans=_flag(os.environ.get("RAPPORT_SHARE_SCANS", "")) is not False,
        plugin_environment=frozenset(
            (name, value) for name, value in os.environ.items() if name.startswith(PLUGIN_PREFIX)
        ),
        plugins_file=os.environ.get("RAPPORT_PLUGINS_FILE") or None,
        cors_origins=tuple(
            origin.strip().rstrip("/")
            for origin in os.environ.get("RAPPORT_CORS_ORIGINS", "").split(",")
            if origin.strip()
        ),
    )


def _flag(value: str) -> bool | None:
    """ "" (unset) -> None; "0", "false", "no", "off" -> False; anything else -> True."""
    if not value.strip():
        return None
    return value.strip().lower() not in ("0", "false", "no", "off")
