"""Benchmark: `rapport import` of large data sets into fresh databases, then a no-change re-import.

    python bench/import.py --data /tmp/peers/data --demo --postgres postgresql://postgres@127.0.0.1:5432/postgres

Data sets: each `--data DIR` (for instance the peer benchmark's, written by
`../shared/peer-benchmark/gen_large.py`), and with `--demo` the large demo data
(`rapport demo --size large`), generated once into a temporary folder. Each is imported with the
real command line into a fresh SQLite file and, with `--postgres URL`, into a fresh PostgreSQL
database `rapport_import_bench` created (and dropped afterwards) on that server; `URL` names the
maintenance database to connect to, which is left alone. Then the same folder is imported again:
nothing changed, so nothing is written, and the files are recognised by their fingerprints
(server.ingest.unchanged); then once more with the fingerprints forgotten, so every row is read
and found unchanged by its digest (server.ingest.row_hashes); then a copy of the folder in which
every 100th row of each large file changed (`changed_copy`), so 1% of the rows are validated,
derived, written and cascaded.

Printed per run: rows/s of each file as the command reports it, and overall (rows over the wall
time of the whole command, start-up and migrations included), with the CPU seconds the command
used (its worker processes included; the database server's are not). The machine is shared:
absolute figures vary from run to run.
"""

from __future__ import annotations

import argparse
import csv
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg
from rich.console import Console
from sqlalchemy.engine import make_url

BENCH_DATABASE = "rapport_import_bench"
_SUMMARY = re.compile(
    r"^(\w+\.csv): ([\d,]+) rows? imported \(([\d,]+) new or changed\).*?([\d,]+) rows/s$"
)


@dataclass(frozen=True)
class FileFigure:
    name: str
    rows: int
    changed: int
    rate: int


@dataclass(frozen=True)
class Run:
    label: str
    files: list[FileFigure]
    seconds: float
    cpu_seconds: float

    @property
    def rows(self) -> int:
        return sum(figure.rows for figure in self.files)


def rapport_import(directory: Path, url: str, label: str) -> Run:
    script = Path(sys.executable).parent / "rapport"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [str(script), "import", str(directory), "--database", url],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{label}: rapport import failed:\n{result.stderr}")
    files = []
    for line in result.stderr.splitlines():
        match = _SUMMARY.match(line)
        if match:
            name, rows, changed, rate = match.groups()
            files.append(FileFigure(name, _int(rows), _int(changed), _int(rate)))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(label, files, seconds, cpu)


def show(run: Run, console: Console) -> None:
    console.print(f"[bold]{run.label}[/bold]")
    for figure in run.files:
        console.print(
            f"  {figure.name:<20} {figure.rows:>11,} rows {figure.changed:>11,} written "
            f"{figure.rate:>10,} rows/s"
        )
    console.print(
        f"  {'overall':<20} {run.rows:>11,} rows in {run.seconds:,.1f} s: "
        f"{run.rows / run.seconds:,.0f} rows/s ({run.cpu_seconds:,.1f} s CPU in rapport)"
    )


def _int(text: str) -> int:
    return int(text.replace(",", ""))


async def _postgres(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def fresh_postgres(maintenance_url: str) -> str:
    """Create the benchmark database (dropping an earlier one); returns its URL."""
    import asyncio

    plain = make_url(maintenance_url).set(drivername="postgresql")
    asyncio.run(
        _postgres(
            plain.render_as_string(hide_password=False),
            f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)",
            f"CREATE DATABASE {BENCH_DATABASE}",
        )
    )
    return plain.set(database=BENCH_DATABASE).render_as_string(hide_password=False)


def drop_postgres(maintenance_url: str) -> None:
    import asyncio

    plain = make_url(maintenance_url).set(drivername="postgresql")
    asyncio.run(
        _postgres(
            plain.render_as_string(hide_password=False),
            f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)",
        )
    )


def forget_fingerprints(url: str) -> None:
    """Make the next import read every file (server.ingest.unchanged skips the same bytes)."""
    import asyncio

    from sqlalchemy import delete

    from server.db.engine import create_engine
    from server.db.tables import imported_files

    async def forget() -> None:
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(delete(imported_files))
        finally:
            await engine.dispose()

    asyncio.run(forget())


def _one_second_later(value: str) -> str:
    return (datetime.fromisoformat(value) + timedelta(seconds=1)).isoformat()


# Per file, the column that every CHANGED_EVERY-th row of a changed copy has edited, and how: edits
# that keep the row valid and change what derives from it.
_EDITS: dict[str, tuple[str, Callable[[str], str]]] = {
    "customers.csv": ("name", lambda value: f"{value} (changed)"),
    "conversations.csv": ("theme", lambda value: "changed"),
    "messages.csv": ("created_at", _one_second_later),
    "ratings.csv": ("comment", lambda value: "changed"),
    "transactions.csv": ("created_at", _one_second_later),
    "stage_changes.csv": ("stage", lambda value: "changed"),
}
CHANGED_EVERY = 100


def changed_copy(directory: Path, target: Path) -> Path:
    """A copy of the folder in which 1% of the rows of each large file changed."""
    target.mkdir()
    for path in sorted(directory.glob("*.csv")):
        edit = _EDITS.get(path.name)
        if edit is None:
            shutil.copy(path, target / path.name)
            continue
        with path.open(newline="") as source, (target / path.name).open("w", newline="") as out:
            reader, writer = csv.reader(source), csv.writer(out)
            header = next(reader)
            writer.writerow(header)
            column = header.index(edit[0])
            for index, row in enumerate(reader):
                if index % CHANGED_EVERY == 0:
                    row[column] = edit[1](row[column])
                writer.writerow(row)
    return target


def demo_data(directory: Path, console: Console) -> Path:
    from server.demo.generate import generate_csv
    from server.demo.sizes import SIZES

    directory.mkdir()
    generate_csv(directory, size=SIZES["large"], seed=1, console=console)
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, action="append", default=[], help="a CSV folder")
    parser.add_argument("--demo", action="store_true", help="also the large demo data")
    parser.add_argument("--postgres", help="a maintenance database URL of the server to use")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    arguments = parser.parse_args()
    console = Console(stderr=False, highlight=False)
    scratch = Path(tempfile.mkdtemp(prefix="rapport-import-bench-"))
    try:
        sets = [(str(path), path) for path in arguments.data]
        if arguments.demo:
            sets.append(("large demo", demo_data(scratch / "demo", Console(stderr=True))))
        for label, directory in sets:
            targets: list[tuple[str, str]] = []
            if not arguments.no_sqlite:
                targets.append(("SQLite", f"sqlite:///{scratch / 'bench.db'}"))
            if arguments.postgres:
                targets.append(("PostgreSQL", ""))
            for database, url in targets:
                if database == "SQLite":
                    for leftover in scratch.glob("bench.db*"):
                        leftover.unlink()
                else:
                    url = fresh_postgres(arguments.postgres)
                try:
                    for kind in ("initial", "no change", "no change, read in full"):
                        if kind == "no change, read in full":
                            forget_fingerprints(url)
                        run = rapport_import(directory, url, f"{label} → {database}, {kind}")
                        show(run, console)
                    changed = scratch / f"changed-{len(list(scratch.glob('changed-*')))}"
                    changed_copy(directory, changed)
                    run = rapport_import(changed, url, f"{label} → {database}, 1% changed")
                    show(run, console)
                finally:
                    if database == "PostgreSQL":
                        drop_postgres(arguments.postgres)
    finally:
        shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
