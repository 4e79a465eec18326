"""The files `rapport import` reads: the core's, then those the installed plugins declare."""

from __future__ import annotations

from server.ingest.files import FILES, CsvFile


def import_files() -> tuple[CsvFile, ...]:
    """In import order: plugin files refer only to core entities, so they come last."""
    from server.plugins import registry

    return (*FILES, *registry().files)


def import_file(name: str) -> CsvFile:
    return next(spec for spec in import_files() if spec.name == name)
