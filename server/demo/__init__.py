"""`rapport demo`: a realistic, reproducible demo data set, imported like any user's CSV files.

Two support teams tell the story: Acme Support (a European shop, Europe/Paris) and Globex (an
American one, America/New_York), with conversations created from 2025-12-01 to 2026-11-30 in
their own time zones. The same seed always gives the same rows, so running the demo twice on one
database changes nothing (the import upserts) but adds a token.

The CSV files are written to a fresh temporary folder and imported through the normal importer,
so the demo also exercises ingest. The folder is removed after a successful import and kept (its
path is in the error) when the import fails, so the rejected rows can be inspected. The large
set needs about 450 MB there while it runs.

Progress and timings go to stderr; the caller prints the token.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncEngine

from server.demo.generate import generate_csv
from server.demo.plans import ACCOUNTS
from server.demo.sizes import SIZES, Size
from server.errors import UserError

__all__ = ["generate_csv", "write_demo"]


async def write_demo(url: str, *, size: str, seed: int, console: Console) -> str:
    """Write the demo data set into the database at `url`; returns an unscoped token's secret
    for the first account."""
    from server.db.migrate import migrated_engine
    from server.security.tokens import create_token

    if size not in SIZES:
        raise UserError(f"--size: expected one of {', '.join(SIZES)}, got {size!r}")
    status = console if console.stderr else Console(stderr=True)
    # before generating: a bad URL fails in a second, not a minute
    engine = await migrated_engine(url)
    try:
        directory = Path(tempfile.mkdtemp(prefix="rapport-demo-"))
        rows = _generate(directory, SIZES[size], seed, status)
        await _import(engine, directory, rows, status)
        shutil.rmtree(directory)
        _, secret = await create_token(engine, ACCOUNTS[0].id, [], "demo")
    finally:
        await engine.dispose()
    return secret


def _generate(directory: Path, size: Size, seed: int, status: Console) -> int:
    """Write the files; returns their number of rows. Nothing is left behind on failure."""
    started = time.perf_counter()
    try:
        rows = generate_csv(directory, size=size, seed=seed, console=status)
    except BaseException:
        shutil.rmtree(directory)
        raise
    status.print(
        f"Generated {sum(rows.values()):,} rows ({rows['conversations.csv']:,} conversations, "
        f"{rows['messages.csv']:,} messages, {rows['ratings.csv']:,} ratings) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return sum(rows.values())


async def _import(engine: AsyncEngine, directory: Path, rows: int, status: Console) -> None:
    from server.ingest import import_directory

    started = time.perf_counter()
    try:
        imported = await import_directory(engine, directory, skip_invalid=False, progress=True)
    except UserError as error:
        raise UserError(f"{error} (the demo files are kept in {directory})") from None
    if not imported:
        raise UserError(f"the demo data did not import; its files are kept in {directory}")
    seconds = time.perf_counter() - started
    status.print(f"Imported in {seconds:.1f} s ({rows / seconds:,.0f} rows/s)")
