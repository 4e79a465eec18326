"""A database the user names wrongly is one line on stderr and exit 1, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

RAPPORT = str(Path(sys.executable).parent / "rapport")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://postgres@127.0.0.1:1/rapport", "cannot reach the database"),
        ("postgresql://postgres@127.0.0.1:5432/no_such_database", 'database "no_such_database"'),
        ("sqlite:////no/such/folder/rapport.db", "folder /no/such/folder does not exist"),
        ("mysql://localhost/rapport", "unsupported database 'mysql'"),
        ("not a url", "not a database URL"),
    ],
)
@pytest.mark.parametrize("command", [["db", "upgrade"], ["token", "list", "acme"]])
def test_a_bad_database_is_one_line(command: list[str], url: str, message: str) -> None:
    result = subprocess.run(
        [RAPPORT, *command, "--database", url], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("rapport: ") and message in line
