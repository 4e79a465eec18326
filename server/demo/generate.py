"""Writing the demo data set as the CSV files of SPEC section 4.

The year is cut into chunks of one account-month. Each chunk has its own random stream (from the
seed, the account and the month) and knows its first conversation number in advance, so chunks
run in any order, on several processes for the large set, and always give the same rows. Each
chunk writes header-less part files; they are then joined in calendar order behind one header.
No field of the demo data holds a line break, so rows are counted as lines while joining.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from random import Random

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from server.demo.conversations import ConversationSimulator
from server.demo.csvfiles import COLUMNS, DIRECTORY_FILES, FACT_FILES, CsvFiles
from server.demo.plans import ACCOUNTS
from server.demo.sizes import SIZES, Size
from server.demo.world import account_world

_PARTS = ".parts"
_COPY_BYTES = 1 << 20


@dataclass(frozen=True)
class Chunk:
    name: str  # e.g. acme-2026-03: names the part folder and seeds the random stream
    account_index: int
    first_day: int
    end_day: int  # exclusive
    conversations: int


def generate_csv(directory: Path, *, size: Size, seed: int, console: Console) -> dict[str, int]:
    """Write every demo file into `directory`; returns the number of rows of each file."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = _write_directory_files(directory, size, seed)
    chunks = plan_chunks(size, seed)
    parts = directory / _PARTS
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        total = sum(chunk.conversations for chunk in chunks)
        simulating = progress.add_task("Simulating conversations", total=total)
        for chunk in _simulate(chunks, size, seed, parts):
            progress.advance(simulating, chunk.conversations)
        joining = progress.add_task("Joining files", total=len(FACT_FILES))
        for name in FACT_FILES:
            rows[name] = _join(name, chunks, parts, directory)
            progress.advance(joining)
    shutil.rmtree(parts)
    return rows


def _write_directory_files(directory: Path, size: Size, seed: int) -> dict[str, int]:
    rows = dict.fromkeys(DIRECTORY_FILES, 0)
    with CsvFiles(directory, DIRECTORY_FILES, header=True) as files:
        for name, row in _directory_rows(size, seed):
            files.writer(name).writerow(row)
            rows[name] += 1
    return rows


def _directory_rows(size: Size, seed: int) -> Iterator[tuple[str, tuple[object, ...]]]:
    """(file name, row) of the accounts and everything the conversations refer to."""
    for index, plan in enumerate(ACCOUNTS):
        yield "accounts.csv", (plan.id, plan.name, plan.timezone)
        people = account_world(index, size.name, seed).people
        for inbox in plan.inboxes:
            yield "inboxes.csv", (plan.id, inbox.id, inbox.name)
        for user in people.users:
            is_bot = "true" if user.is_bot else "false"
            yield "users.csv", (plan.id, user.id, user.name, user.email, is_bot)
        for team in people.teams:
            yield "teams.csv", (plan.id, team.id, team.name)
            for member in team.members:
                yield "team_members.csv", (plan.id, team.id, member.id)
        for customer in people.customers:
            row = (plan.id, customer.id, customer.name, customer.email, customer.country)
            yield "customers.csv", row


def plan_chunks(size: Size, seed: int) -> list[Chunk]:
    """One chunk per account and local calendar month, in calendar order."""
    chunks = []
    for index, plan in enumerate(ACCOUNTS):
        world = account_world(index, size.name, seed)
        calendar = world.calendar
        first = 0
        while first < calendar.days:
            month = calendar.dates[first].month
            end = first
            while end < calendar.days and calendar.dates[end].month == month:
                end += 1
            name = f"{plan.id}-{calendar.dates[first]:%Y-%m}"
            conversations = sum(world.daily_counts[first:end])
            chunks.append(Chunk(name, index, first, end, conversations))
            first = end
    return chunks


def _simulate(chunks: list[Chunk], size: Size, seed: int, parts: Path) -> Iterator[Chunk]:
    """Simulate every chunk, yielding each as it is done."""
    workers = min(size.processes, os.cpu_count() or 1, len(chunks))
    if workers <= 1:
        for chunk in chunks:
            simulate_chunk(chunk, size.name, seed, parts)
            yield chunk
        return
    # spawn, not fork: the parent runs a progress-refresh thread and an event loop.
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        futures = {
            pool.submit(simulate_chunk, chunk, size.name, seed, parts): chunk for chunk in chunks
        }
        for future in as_completed(futures):
            future.result()
            yield futures[future]


def simulate_chunk(chunk: Chunk, size_name: str, seed: int, parts: Path) -> None:
    """Write one chunk's part files (a module-level function, so worker processes can run it)."""
    world = account_world(chunk.account_index, size_name, seed)
    rng = Random(f"{seed}/{chunk.name}")
    with CsvFiles(parts / chunk.name, FACT_FILES, header=False) as files:
        simulator = ConversationSimulator(world, SIZES[size_name], rng, files)
        for day in range(chunk.first_day, chunk.end_day):
            simulator.day(day)


def _join(name: str, chunks: list[Chunk], parts: Path, directory: Path) -> int:
    """Concatenate the parts of one file behind its header; returns its number of rows."""
    rows = 0
    with open(directory / name, "wb") as joined:
        joined.write((",".join(COLUMNS[name]) + "\n").encode())
        for chunk in chunks:
            with open(parts / chunk.name / name, "rb") as part:
                while block := part.read(_COPY_BYTES):
                    joined.write(block)
                    rows += block.count(b"\n")
    return rows
