"""Reading one CSV file: its header, then each row with the physical line it starts on.

The file is split into physical lines (ending in `\\n`) and each is decoded on its own, so a byte
that is not UTF-8 is reported on its exact line. The csv module then parses the lines strictly:
a closing quote followed by anything but a comma or the line's end, and a file that ends inside a
quoted field, are errors naming the line of the row, and nothing of the file is written.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from server.errors import UserError
from server.ingest.files import CsvFile

# Comments and user agents can be long; the csv module's default cap is 128 KiB per field.
FIELD_SIZE_LIMIT = 16 * 1024 * 1024
BYTE_ORDER_MARK = b"\xef\xbb\xbf"  # spreadsheet exports put it first


class CsvReader:
    """One open CSV file. `header` is checked against the file's declaration on opening."""

    def __init__(self, path: Path, spec: CsvFile) -> None:
        self.spec = spec
        self.size = _size(path)
        self.bytes_read = 0
        self._line = 0  # physical lines decoded so far
        self._row_start = 1  # the line the row being parsed starts on
        self._nul_line = 0  # the last line holding a NUL character
        # The rows since the last call of `take_nul_rows` that hold a NUL character (their first
        # line): PostgreSQL cannot store one in text, so validation refuses them on every database.
        self._nul_rows: list[int] = []
        try:
            self._binary = path.open("rb")
        except OSError as error:
            raise UserError(f"{spec.name}: cannot read: {error.strerror}") from None
        csv.field_size_limit(FIELD_SIZE_LIMIT)
        self._reader = csv.reader(self._lines(), strict=True)
        first = self._first()
        if first is None:
            raise UserError(f"{spec.name}: empty file (the first line must be the header)")
        self.header = [name.strip() for name in first]
        self._check_header()

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line, cells) per row; LINE counts physical lines, quoted line breaks included."""
        reader = self._reader
        self._row_start = reader.line_num + 1
        with self._errors():
            for cells in reader:
                if self._nul_line >= self._row_start:
                    self._nul_rows.append(self._row_start)
                if cells:  # a blank line is no row
                    yield self._row_start, cells
                self._row_start = reader.line_num + 1

    def take_nul_rows(self) -> list[int]:
        """The first lines of the rows read since the last call that hold a NUL character."""
        rows, self._nul_rows = self._nul_rows, []
        return rows

    def close(self) -> None:
        self._binary.close()

    def _lines(self) -> Iterator[str]:
        for raw in self._binary:
            self._line += 1
            self.bytes_read += len(raw)
            if self._line == 1 and raw.startswith(BYTE_ORDER_MARK):
                raw = raw[len(BYTE_ORDER_MARK) :]
            try:
                text = raw.decode()
            except UnicodeDecodeError as error:
                raise UserError(
                    f"{self.spec.name}:{self._line}: not UTF-8 text "
                    f"(byte {raw[error.start]:#04x} at position {error.start + 1} of the line)"
                ) from None
            if "\x00" in text:  # one search per line, instead of one per cell
                self._nul_line = self._line
            yield text

    def _first(self) -> list[str] | None:
        with self._errors():
            return next(self._reader, None)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Reading errors, as the one-line message a user can act on."""
        try:
            yield
        except csv.Error as error:
            raise UserError(f"{self.spec.name}:{self._row_start}: {_framing(error)}") from None
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


def _framing(error: csv.Error) -> str:
    """The csv module's message, said in the file's terms."""
    message = str(error)
    if message == "unexpected end of data":
        return "unclosed quote: the file ends inside a quoted field that starts on this row"
    if message.startswith("',' expected after '\"'"):
        return (
            "a closing quote must be followed by a comma or the end of the line "
            '(write a quote inside a quoted field as "")'
        )
    if message.startswith("new-line character seen in unquoted field"):
        return (
            "a carriage return outside quotes that does not end its line "
            "(end lines with \\n or \\r\\n)"
        )
    if message.startswith("field larger than field limit"):
        return f"a field is longer than {FIELD_SIZE_LIMIT // (1024 * 1024)} MiB"
    return message


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
