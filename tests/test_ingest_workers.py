"""Large files are read by worker processes taking turns, chunk by chunk (server.ingest.worker):
what one worker validates must know what the others' rows claimed, and the batches must come back
in the file's order, so problems and rows are exactly those of one reader."""

from __future__ import annotations

import asyncio
import csv
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import tables
from server.ingest import load, worker
from server.ingest.produce import CHUNK_ROWS
from tests.test_ingest import folder, imported, rows

ROWS = 2 * CHUNK_ROWS + 1000  # three chunks: the second is the other worker's
HEADER = [
    "account_id", "id", "number", "inbox_id", "customer_id", "channel", "status", "theme",
    "assignee_id", "team_id", "pipeline", "created_at", "closed_at",
]  # fmt: skip


def conversation(index: int, number: int) -> list[str]:
    return [
        "acme", f"n{index}", str(number), "support", "", "email", "open", f"t{index % 7}",
        "", "", "", "2026-03-02T08:00:00Z", "",
    ]  # fmt: skip


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load, "WORKER_BYTES", 0)  # every file is read by workers
    monkeypatch.setattr(load, "WORKERS", 2)
    monkeypatch.setattr(load, "OTHER_WORKERS", 2)


async def test_workers_report_what_one_reader_reports(
    engine: AsyncEngine, tmp_path: Path, large: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await imported(engine, folder(tmp_path, "accounts.csv", "inboxes.csv"))
    directory = tmp_path / "large"
    directory.mkdir()
    lines = [conversation(index, 1000 + index) for index in range(1, ROWS + 1)]
    # Line numbers: the header is line 1, so row k (from 1) is on line k + 1.
    duplicate_id = CHUNK_ROWS + 10  # second chunk: the second worker
    lines[duplicate_id - 1][1] = "n3"  # first chunk: the first worker
    duplicate_number = CHUNK_ROWS + 20
    lines[duplicate_number - 1][2] = "1005"  # n5's number
    bad_status = 2 * CHUNK_ROWS + 7  # third chunk: the first worker again
    lines[bad_status - 1][6] = "lost"
    with (directory / "conversations.csv").open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        writer.writerows(lines)
    capsys.readouterr()

    assert not await imported(engine, directory)
    err = capsys.readouterr().err
    problems = [line for line in err.splitlines() if line.startswith("conversations.csv:")]
    assert problems[:3] == [
        f"conversations.csv:{duplicate_id + 1}: id: id 'n3' is also on line 4",
        f"conversations.csv:{duplicate_number + 1}: number: 1005 is also used on line 6",
        f"conversations.csv:{bad_status + 1}: status: expected one of open, pending, closed, "
        "spam; got 'lost'",
    ]
    assert await rows(engine, tables.conversations) == {}

    assert await imported(engine, directory, skip_invalid=True)
    stored = await rows(engine, tables.conversations, "number", "theme")
    expected = {
        ("acme", row[1]): (int(row[2]), row[7])
        for index, row in enumerate(lines, start=1)
        if index not in (duplicate_id, duplicate_number, bad_status)
    }
    assert stored == expected
    assert len(stored) == ROWS - 3


async def test_an_import_leaves_no_worker_behind_spares_included(
    engine: AsyncEngine, tmp_path: Path, large: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[asyncio.subprocess.Process] = []
    spawn = worker._spawn

    async def noted() -> asyncio.subprocess.Process:
        started.append(await spawn())
        return started[-1]

    monkeypatch.setattr(worker, "_spawn", noted)

    assert await imported(engine, folder(tmp_path, "accounts.csv"))

    # Two workers for the one large file: one started ahead of need, one when needed.
    assert len(started) == 2
    assert all(process.returncode is not None for process in started)
    assert await rows(engine, tables.accounts)


def test_a_spare_worker_not_needed_exits_quietly() -> None:
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-m", "server.ingest"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        cwd=root,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, b"")
