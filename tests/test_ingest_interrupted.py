"""A killed import loses nothing it reported as written, writes no half file, and a re-run
completes it (SPEC section 4)."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from sqlalchemy import text

from server.db.engine import create_engine
from server.demo import generate_csv
from server.demo.sizes import SIZES

RAPPORT = str(Path(sys.executable).parent / "rapport")
TABLES = ("conversations", "messages", "ratings", "stage_changes")


async def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return {t: await connection.scalar(text(f"SELECT count(*) FROM {t}")) for t in TABLES}
    finally:
        await engine.dispose()


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") - 1


async def test_a_killed_import_keeps_what_it_reported_and_a_rerun_completes(
    database_url: str, tmp_path: Path
) -> None:
    directory = tmp_path / "csv"
    generate_csv(directory, size=SIZES["small"], seed=7, console=Console(file=io.StringIO()))
    expected = {t: _lines(directory / f"{t}.csv") for t in TABLES}
    process = subprocess.Popen(
        [RAPPORT, "import", str(directory), "--database", database_url],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # the import's worker process goes down with it
    )
    reported: list[str] = []
    assert process.stderr is not None
    for line in process.stderr:
        if " rows imported " in line:
            reported.append(line.split(":")[0].strip())
        if "conversations.csv" in reported:
            os.killpg(process.pid, signal.SIGKILL)  # as abrupt as a crash
            break
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the import ended before it could be killed"

    counts = await _counts(database_url)
    assert counts["conversations"] == expected["conversations"]  # reported: all there
    for table in ("messages", "ratings", "stage_changes"):
        assert counts[table] in (0, expected[table])  # never a part of a file

    rerun = await asyncio.create_subprocess_exec(
        RAPPORT, "import", str(directory), "--database", database_url,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await rerun.communicate()
    assert rerun.returncode == 0, stderr.decode()
    assert await _counts(database_url) == expected
