"""Operator settings: every limit from a RAPPORT_* variable, a bad value a clear start-up error."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import fields
from datetime import date
from pathlib import Path

import pytest

from server.errors import UserError
from server.metrics.time import Period
from server.settings import Limits, load_settings

RAPPORT = str(Path(sys.executable).parent / "rapport")
VARIABLES = {
    "RAPPORT_MAX_DEPTH": ("max_depth", "7", 7),
    "RAPPORT_MAX_ALIASES": ("max_aliases", "3", 3),
    "RAPPORT_MAX_TOKENS": ("max_tokens", "900", 900),
    "RAPPORT_MAX_BODY_BYTES": ("max_body_bytes", "2048", 2048),
    "RAPPORT_MAX_FIRST": ("max_first", "20", 20),
    "RAPPORT_MAX_BREAKDOWN_LIMIT": ("max_breakdown_limit", "50", 50),
    "RAPPORT_MAX_SERIES_BUCKETS": ("max_series_buckets", "400", 400),
    "RAPPORT_MAX_PERIOD_YEARS": ("max_period_years", "2", 2),
    "RAPPORT_STATEMENT_TIMEOUT_SECONDS": ("statement_timeout_seconds", "2.5", 2.5),
    "RAPPORT_MAX_COST_CELLS": ("max_cost_cells", "1000", 1000),
    "RAPPORT_DEADLINE_SECONDS": ("deadline_seconds", "4", 4.0),
    "RAPPORT_MAX_RESPONSE_BYTES": ("max_response_bytes", "65536", 65536),
    "RAPPORT_DATABASE_POOL_SIZE": ("database_pool_size", "3", 3),
    "RAPPORT_STATEMENTS_PER_REQUEST": ("statements_per_request", "4", 4),
}


def test_every_limit_has_its_variable() -> None:
    assert {f.name for f in fields(Limits)} == {name for name, _, _ in VARIABLES.values()}
    limits = load_settings({v: raw for v, (_, raw, _) in VARIABLES.items()}).limits
    assert {name: getattr(limits, name) for name, _, _ in VARIABLES.values()} == {
        name: value for name, _, value in VARIABLES.values()
    }


def test_defaults_without_variables() -> None:
    assert load_settings({}).limits == Limits()
    assert Limits().max_depth == 12 and Limits().deadline_seconds == 15.0


@pytest.mark.parametrize(
    ("variable", "raw", "expected"),
    [
        ("RAPPORT_MAX_DEPTH", "twelve", "a whole number"),
        ("RAPPORT_MAX_DEPTH", "0", "a whole number"),
        ("RAPPORT_MAX_DEPTH", "-3", "a whole number"),
        ("RAPPORT_MAX_DEPTH", "2.5", "a whole number"),
        ("RAPPORT_DEADLINE_SECONDS", "nan", "a number of seconds"),
        ("RAPPORT_DEADLINE_SECONDS", "inf", "a number of seconds"),
        ("RAPPORT_DEADLINE_SECONDS", "soon", "a number of seconds"),
        ("RAPPORT_MAX_COST_CELLS", "9" * 5000, "a whole number"),
    ],
)
def test_a_bad_value_names_its_variable(variable: str, raw: str, expected: str) -> None:
    with pytest.raises(UserError) as caught:
        load_settings({variable: raw})
    assert str(caught.value).startswith(f"{variable}: expected {expected} greater than 0, got ")


def test_serve_stops_at_start_up_on_a_bad_value(tmp_path: Path) -> None:
    environment = {**os.environ, "RAPPORT_MAX_FIRST": "lots"}
    database = f"sqlite:///{tmp_path}/r.db"
    command = [RAPPORT, "serve", "--database", database, "--port", "8201"]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == (
        "rapport: RAPPORT_MAX_FIRST: expected a whole number greater than 0, got 'lots'\n"
    )


# "10 years" is counted in calendar years from the first day: the last day must come before the
# same date ten years later. 2016-01-01 … 2025-12-31 is exactly ten years (3,653 days, with the
# leap days of 2016, 2020 and 2024); 2021-01-01 … 2031-01-02 is 3,654 days but over ten years.
@pytest.mark.parametrize(
    ("first", "last", "allowed"),
    [
        (date(2016, 1, 1), date(2025, 12, 31), True),
        (date(2016, 1, 1), date(2026, 1, 1), False),
        (date(2017, 3, 1), date(2027, 2, 28), True),  # 3,652 days: two leap days
        (date(2017, 3, 1), date(2027, 3, 1), False),  # 3,653 days, one over ten years
        (date(2020, 2, 29), date(2030, 2, 28), True),  # ten years from 29 Feb end on 28 Feb
        (date(2020, 2, 29), date(2030, 3, 1), False),
        (date(9995, 1, 1), date(9999, 12, 30), True),
    ],
)
def test_ten_years_by_the_calendar(first: date, last: date, allowed: bool) -> None:
    if allowed:
        assert Period.parse(first, last, "UTC", 10).last == last
    else:
        with pytest.raises(UserError, match="longer than the limit of 10 years"):
            Period.parse(first, last, "UTC", 10)
