"""`rapport demo`: a realistic, reproducible demo data set, imported like any user's CSV files.

Two support teams tell the story: Acme Support (a European shop, Europe/Paris) and Globex (an
American one, America/New_York), with conversations created from 2025-12-01 to 2026-11-30 in
their own time zones. The same seed always gives the same rows, so running the demo twice on one
database changes nothing (the import upserts) but adds a token.

The CSV files are written to a fresh temporary folder and imported through the normal importer,
so the demo also exercises ingest. The folder is removed after a successful import and kept (its
path is in the error) when the import fails, so the rejected rows can be inspected.

Progress and timings go to stderr; the caller prints the token.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from rich.console import Console

from server.demo.generate import generate_csv
from server.demo.plans import ACCOUNTS
from server.demo.sizes import SIZES
from server.errors import UserError

__all__ = ["generate_csv", "write_demo"]


async def write_demo(url: str, *, size: str, seed: int, console: Console) -> str:
    """Write the demo data set into the database at `url`; returns an unscoped token's secret
    for the first account."""
    from server.db.engine import create_engine
    from server.db.migrate import upgrade
    from server.ingest import import_directory
    from server.security.tokens import create_token

    if size not in SIZES:
        raise UserError(f"--size: expected one of {', '.join(SIZES)}, got {size!r}")
    status = console if console.stderr else Console(stderr=True)
    engine = create_engine(url)
    try:
        try:
            await upgrade(engine)  # before generating, so a bad URL fails in a second, not a minute
        except OSError as error:
            raise UserError(f"cannot reach the database: {error}") from None
        directory = Path(tempfile.mkdtemp(prefix="rapport-demo-"))
        started = time.perf_counter()
        try:
            rows = generate_csv(directory, size=SIZES[size], seed=seed, console=status)
        except BaseException:
            shutil.rmtree(directory)
            raise
        generated = time.perf_counter() - started
        total = sum(rows.values())
        status.print(
            f"Generated {total:,} rows ({rows['conversations.csv']:,} conversations, "
            f"{rows['messages.csv']:,} messages, {rows['ratings.csv']:,} ratings) "
            f"in {generated:.1f} s"
        )
        started = time.perf_counter()
        if not await import_directory(engine, directory, skip_invalid=False, progress=True):
            raise UserError(f"the demo data did not import; its files are kept in {directory}")
        imported = time.perf_counter() - started
        status.print(f"Imported in {imported:.1f} s ({total / imported:,.0f} rows/s)")
        shutil.rmtree(directory)
        _, secret = await create_token(engine, ACCOUNTS[0].id, [], "demo")
    finally:
        await engine.dispose()
    return secret
