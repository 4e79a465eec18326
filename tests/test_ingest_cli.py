"""`rapport import` through the real entry point: exit codes and what stderr says."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

BASE = Path(__file__).parent / "data" / "ingest" / "base"


def rapport(*arguments: str) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user runs it."""
    script = shutil.which("rapport", path=str(Path(sys.executable).parent))
    assert script is not None, "the rapport console script is not installed"
    return subprocess.run(
        [script, *arguments],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_valid_folder_imports_and_exits_zero(database_url: str) -> None:
    result = rapport("import", str(BASE), "--database", database_url)

    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("accounts.csv: 2 rows imported (2 new or changed), 0 rejected, ")
    assert lines[-1].startswith("stage_changes.csv: 5 rows imported (5 new or changed), ")
    assert len(lines) == 11


def test_invalid_rows_exit_non_zero_with_one_line_per_problem(
    database_url: str, tmp_path: Path
) -> None:
    directory = tmp_path / "import"
    shutil.copytree(BASE, directory)
    with (directory / "ratings.csv").open("a") as file:
        file.write("acme,r4,csat,9,,2026-03-02,c1,,,,,,\n")

    result = rapport("import", str(directory), "--database", database_url)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "ratings.csv:7: score: 9 is outside the csat scale 1–5\n" in result.stderr
    assert (
        "ratings.csv:7: created_at: no time zone offset (add Z or +HH:MM): '2026-03-02'\n"
        in result.stderr
    )
    assert "ratings.csv: not imported: 1 row invalid of 5\n" in result.stderr
    assert "transactions.csv: 3 rows imported" in result.stderr

    skipping = rapport("import", str(directory), "--skip-invalid", "--database", database_url)

    assert skipping.returncode == 0, skipping.stderr
    assert "ratings.csv: 4 rows imported (4 new or changed), 1 rejected (see " in skipping.stderr
    assert (directory / "rejects" / "ratings.csv").exists()


def test_a_bad_header_is_one_line_and_exit_one(database_url: str, tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text("account_id,id,nickname\n")

    result = rapport("import", str(tmp_path), "--database", database_url)

    assert result.returncode == 1
    assert result.stderr == (
        "rapport: users.csv: unknown column 'nickname' "
        "(expected: account_id, id, name, email, is_bot)\n"
    )
