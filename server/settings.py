"""Settings, read once from the environment (and command-line overrides).

Every limit is a field of `Limits` and is set by the environment variable `RAPPORT_<FIELD>` in
capitals (`max_depth` by `RAPPORT_MAX_DEPTH`): docs/security.md lists them. A value that is not a
number in range stops start-up with one line naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

from server.errors import UserError

DEFAULT_DATABASE_URL = "sqlite:///rapport.db"
PLUGIN_PREFIX = "RAPPORT_PLUGIN_"


@dataclass(frozen=True)
class Limits:
    """Query limits of SPEC section 9; all on by default."""

    max_depth: int = 12  # levels of nested fields, the root field counting as 1
    max_aliases: int = 30
    max_tokens: int = 5_000
    max_body_bytes: int = 100_000
    max_first: int = 100
    max_breakdown_limit: int = 1_000
    max_series_buckets: int = 1_000
    # From the first day to the last, inclusive: at most this many calendar years, that is the
    # last day comes before the same date that many years after the first (29 February: 1 March).
    max_period_years: int = 10
    statement_timeout_seconds: float = 10.0
    # Result cells a request may produce, estimated before any SQL (server/schema/cost.py).
    max_cost_cells: int = 25_000
    # Wall-clock limit of a whole GraphQL request, SQL and Python.
    deadline_seconds: float = 15.0
    max_response_bytes: int = 10_000_000
    # Connections per process (PostgreSQL; SQLite connects per use), plus as many overflowing.
    database_pool_size: int = 10
    # Statements of one request running at once. More than the pool holds across concurrent
    # requests opens overflow connections, closed again as soon as they are returned: on the
    # peer benchmark (2 cores, 4 concurrent dashboards) 2 served 47 requests/s, 4 served 25
    # (docs/performance.md).
    statements_per_request: int = 2


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
    # Statements that a rollup of ratings per local day or month answers exactly read it instead
    # of the raw rows (server/metrics/rollups.py); RAPPORT_ROLLUPS=0 for the raw plan.
    rollups: bool = True
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


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    disabled = environ.get("RAPPORT_DISABLE_PLUGINS", "")
    return Settings(
        database_url=environ.get("RAPPORT_DATABASE_URL") or DEFAULT_DATABASE_URL,
        disabled_plugins=frozenset(p.strip() for p in disabled.split(",") if p.strip()),
        limits=load_limits(environ),
        split_metrics=_flag(environ.get("RAPPORT_SPLIT_METRICS", "")) is not False,
        share_scans=_flag(environ.get("RAPPORT_SHARE_SCANS", "")) is not False,
        rollups=_flag(environ.get("RAPPORT_ROLLUPS", "")) is not False,
        plugin_environment=frozenset(
            (name, value) for name, value in environ.items() if name.startswith(PLUGIN_PREFIX)
        ),
        plugins_file=environ.get("RAPPORT_PLUGINS_FILE") or None,
        cors_origins=tuple(
            origin.strip().rstrip("/")
            for origin in environ.get("RAPPORT_CORS_ORIGINS", "").split(",")
            if origin.strip()
        ),
    )


def limit_variable(name: str) -> str:
    return f"RAPPORT_{name.upper()}"


def load_limits(environ: Mapping[str, str]) -> Limits:
    """`Limits` with each field set by its variable, when set; every bad value is named."""
    chosen: dict[str, int | float] = {}
    for limit in fields(Limits):
        raw = environ.get(limit_variable(limit.name), "").strip()
        if raw:
            chosen[limit.name] = _positive(limit_variable(limit.name), raw, limit.type)
    return Limits(**chosen)  # type: ignore[arg-type]


def _positive(variable: str, raw: str, kind: object) -> int | float:
    whole = kind in (int, "int")
    try:
        value: int | float = int(raw) if whole else float(raw)
    except ValueError:
        value = -1
    # float("nan") and float("inf") parse, and are no limit
    if not 0 < value < float("inf"):
        expected = "a whole number" if whole else "a number of seconds"
        raise UserError(f"{variable}: expected {expected} greater than 0, got {raw!r}")
    return value


def _flag(value: str) -> bool | None:
    """ "" (unset) -> None; "0", "false", "no", "off" -> False; anything else -> True."""
    if not value.strip():
        return None
    return value.strip().lower() not in ("0", "false", "no", "off")
