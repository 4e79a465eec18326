"""Recognising a file imported before, byte for byte, so that a re-import skips it.

A file's *fingerprint* digests its bytes, its declaration (columns, parsers, references) and the
importer's own code. It is stored in `imported_files`, in the file's transaction, when the file
was imported without a rejected row; a file written with rejected rows removes it.

Skipping is sound because an import of those bytes would write nothing: only that file writes
its table's given columns, the last import of the file wrote exactly these bytes' values, and the
values derived from other tables are kept up to date by the imports of those tables (the cascade
of server.ingest.cascade). Nothing else deletes or edits imported rows.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.tables import imported_files
from server.ingest.files import CsvFile

_READ_BYTES = 1024 * 1024


def fingerprint(path: Path, spec: CsvFile) -> str:
    digest = hashlib.sha256(importer())
    digest.update(repr(declaration(spec)).encode())
    with path.open("rb") as file:
        while block := file.read(_READ_BYTES):
            digest.update(block)
    return digest.hexdigest()


async def imported_rows(connection: AsyncConnection, name: str, print_: str) -> int | None:
    """The rows of the file when its last import had this fingerprint, else None."""
    stored = await connection.execute(
        select(imported_files.c.fingerprint, imported_files.c.rows).where(
            imported_files.c.name == name
        )
    )
    row = stored.first()
    return row.rows if row is not None and row.fingerprint == print_ else None


async def remember(connection: AsyncConnection, name: str, print_: str | None, rows: int) -> None:
    """Record the file as imported whole (`print_`), or as not recognisable (None)."""
    await connection.execute(delete(imported_files).where(imported_files.c.name == name))
    if print_ is not None:
        await connection.execute(
            insert(imported_files).values(name=name, fingerprint=print_, rows=rows)
        )


def declaration(spec: CsvFile) -> tuple[object, ...]:
    """What the file's declaration says, without addresses of objects."""
    return (
        spec.name,
        spec.table.name,
        spec.key,
        tuple(
            (
                f.name,
                f.target,
                f.parse and f"{f.parse.__module__}.{f.parse.__qualname__}",
                f.required,
                f.default,
                f.references,
                f.unique,
            )
            for f in spec.fields
        ),
        spec.rule and f"{spec.rule.__module__}.{spec.rule.__qualname__}",
    )


@cache
def importer() -> bytes:
    """A digest of the code that validates, derives and writes (this package, the tables and
    the migrations): a changed importer imports every file again."""
    digest = hashlib.sha256()
    server = Path(__file__).resolve().parent.parent
    sources = [
        *sorted((server / "ingest").glob("*.py")),
        *sorted((server / "metrics").glob("rollups.py")),
        server / "db" / "tables.py",
        *sorted((server / "db" / "migrations" / "versions").glob("*.py")),
    ]
    for source in sources:
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.digest()
