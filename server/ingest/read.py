"""Reading one CSV file: its header, then each row with the physical line it starts on."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from server.errors import UserError
from server.ingest.files import CsvFile

# Comments and user agents can be long; the csv module's default cap is 128 KiB per field.
_FIELD_SIZE_LIMIT = 16 * 1024 * 1024


class CsvReader:
    """One open CSV file. `header` is checked against the file's declaration on opening."""

    def __init__(self, path: Path, spec: CsvFile) -> None:
        self.spec = spec
        self.size = _size(path)
        try:
            self._binary = path.open("rb")
        except OSError as error:
            raise UserError(f"{spec.name}: cannot read: {error.strerror}") from None
        csv.field_size_limit(_FIELD_SIZE_LIMIT)
        # utf-8-sig drops the byte order mark that spreadsheet exports put first.
        text = io.TextIOWrapper(self._binary, encoding="utf-8-sig", newline="")
        self._reader = csv.reader(text)
        first = self._first()
        if first is None:
            raise UserError(f"{spec.name}: empty file (the first line must be the header)")
        self.header = [name.strip() for name in first]
        self._check_header()

    @property
    def bytes_read(self) -> int:
        return self._binary.tell()

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line, cells) per row; LINE counts physical lines, quoted line breaks included."""
        reader = self._reader
        start = reader.line_num + 1
        with self._errors():
            for cells in reader:
                if cells:  # a blank line is no row
                    yield start, cells
                start = reader.line_num + 1

    def close(self) -> None:
        self._binary.close()

    def _first(self) -> list[str] | None:
        with self._errors():
            return next(self._reader, None)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Reading errors, as the one-line message a user can act on."""
        try:
            yield
        except UnicodeDecodeError:
            # Decoding runs ahead of the csv parser, so the line is only roughly known.
            raise UserError(
                f"{self.spec.name}: not UTF-8 text (near line {self._reader.line_num + 1})"
            ) from None
        except csv.Error as error:
            raise UserError(f"{self.spec.name}:{self._reader.line_num}: {error}") from None
        except OSError as error:
            raise UserError(f"{self.spec.name}: cannot read: {error.strerror}") from None

    def _check_header(self) -> None:
        known = {f.name for f in self.spec.fields}
        seen: set[str] = set()
        for name in self.header:
            if name not in known:
                raise UserError(
                    f"{self.spec.name}: unknown column {name!r} "
                    f"(expected: {', '.join(f.name for f in self.spec.fields)})"
                )
            if name in seen:
                raise UserError(f"{self.spec.name}: column {name!r} appears twice in the header")
            seen.add(name)
        for field in self.spec.fields:
            if field.required and field.name not in seen:
                raise UserError(f"{self.spec.name}: missing required column {field.name!r}")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
