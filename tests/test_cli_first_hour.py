"""What a newcomer meets in the first hour with the command line (issue 11)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

RAPPORT = str(Path(sys.executable).parent / "rapport")
BUSY_PORT = 8190


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RAPPORT, *args], capture_output=True, text=True, timeout=60, env=env or os.environ.copy()
    )


def test_token_list_of_an_account_that_does_not_exist(database_url: str) -> None:
    result = _run("token", "list", "nosuch", "--database", database_url)
    assert result.returncode == 1
    assert result.stderr == "rapport: account 'nosuch' does not exist\n"
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("reader", "lines"),
    [("head -n 2", 2), ("true", 0)],  # `true` has closed the pipe before the schema is written
)
def test_schema_into_a_reader_that_stops_early_exits_quietly(reader: str, lines: int) -> None:
    piped = subprocess.run(
        f"'{RAPPORT}' schema | {reader}; exit ${{PIPESTATUS[0]}}",
        shell=True, executable="/bin/bash", capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert (piped.returncode, piped.stderr) == (0, "")
    assert len(piped.stdout.splitlines()) == lines


def test_plugins_fit_the_terminal() -> None:
    result = _run("plugins", env={**os.environ, "COLUMNS": "72"})
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert any("csat" in line for line in lines)
    assert max(len(line) for line in lines) <= 72


def test_a_busy_port_is_one_line_before_serving(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", BUSY_PORT))
        taken.listen()
        database = f"sqlite:///{tmp_path}/rapport.db"
        result = _run("serve", "--port", str(BUSY_PORT), "--database", database)
    assert result.returncode == 1
    assert "Serving" not in result.stdout
    assert result.stderr == (
        f"rapport: cannot serve on 127.0.0.1:{BUSY_PORT}: already in use"
        " (choose another with --port)\n"
    )
