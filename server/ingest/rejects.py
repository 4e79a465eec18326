"""DIR/rejects/FILE: the rows --skip-invalid left out, as they were, with a `reason` column."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO, Any

from server.errors import UserError


class Rejects:
    """Created on the first rejected row; an older file of the same name is removed on opening,
    so the folder only ever describes the last import."""

    def __init__(self, directory: Path, name: str, header: list[str]) -> None:
        self.path = directory / "rejects" / name
        self.count = 0
        self._header = header
        self._file: IO[str] | None = None
        self._writer: Any = None
        try:
            self.path.unlink(missing_ok=True)
        except OSError as error:
            raise UserError(f"{self.path}: cannot remove: {error.strerror}") from None

    def add(self, cells: list[str], reason: str) -> None:
        if self._file is None:
            try:
                self.path.parent.mkdir(exist_ok=True)
                self._file = self.path.open("w", encoding="utf-8", newline="")
            except OSError as error:
                raise UserError(f"{self.path}: cannot write: {error.strerror}") from None
            self._writer = csv.writer(self._file)
            self._writer.writerow([*self._header, "reason"])
        self._writer.writerow([*cells, reason])
        self.count += 1

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
