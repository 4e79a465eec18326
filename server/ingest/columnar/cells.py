"""A file's cells read column by column (polars), when that reads them exactly as the row reader
does (server.ingest.read); otherwise None, and the file is read row by row.

polars and the csv module agree on well-formed files. Where they could differ, the file is left
to the row reader, which reports the problem on its line:
- a row with fewer cells than the header (polars pads it with empty cells) or a blank line
  (polars makes it a row): found by counting bytes, below;
- a carriage return in a cell (a lone one ends a line for the csv module), a NUL character
  (refused by validation), a cell longer than the row reader's field limit;
- bytes that are not UTF-8, quotes out of place, more cells than the header: polars refuses.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from server.ingest.read import BYTE_ORDER_MARK, FIELD_SIZE_LIMIT


def read_cells(path: Path, header: list[str]) -> pl.DataFrame | None:
    """Every row's cells as strings, one column per header name (as the row reader strips
    them); None when the file is not one polars reads as the row reader would."""
    data = path.read_bytes()
    if data.startswith(BYTE_ORDER_MARK):
        data = data[len(BYTE_ORDER_MARK) :]
    try:
        cells = pl.read_csv(
            data,
            new_columns=header,
            infer_schema=False,
            empty_string_is_null=False,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:
        return None
    if cells.width != len(header) or _suspect(cells):
        return None
    return cells if _bytes_add_up(data, cells) else None


def _suspect(cells: pl.DataFrame) -> bool:
    """Whether a cell holds a carriage return or a NUL, or is longer than the field limit."""
    if cells.height == 0:
        return False
    found = cells.select(
        pl.any_horizontal(pl.all().str.contains("[\r\x00]").any()).alias("special"),
        pl.max_horizontal(pl.all().str.len_bytes().max()).alias("longest"),
    ).row(0)
    return bool(found[0]) or found[1] > FIELD_SIZE_LIMIT


def _bytes_add_up(data: bytes, cells: pl.DataFrame) -> bool:
    """Whether the file's size is what its cells take when each row has exactly one cell per
    column: a row polars padded, or a blank line it read as a row, lacks its commas.

    A cell takes its bytes, plus 2 and one per quote it holds when it is quoted (a quote is
    written twice); so the cells' quotes in the file are all the quotes but those of the
    header, and the values' own quotes count once on top of their bytes."""
    end = data.find(b"\n")
    header = data if end < 0 else data[: end + 1]
    width = cells.width
    totals = cells.select(
        pl.sum_horizontal(pl.all().str.len_bytes().sum()).alias("bytes"),
        pl.sum_horizontal(pl.all().str.count_matches('"', literal=True).sum()).alias("quotes"),
        pl.sum_horizontal(pl.all().str.count_matches("\n", literal=True).sum()).alias("newlines"),
    ).row(0)
    value_bytes, value_quotes, value_newlines = (int(total or 0) for total in totals)
    line_ends = data.count(b"\n") - header.count(b"\n") - value_newlines
    line_ends += data.count(b"\r") - header.count(b"\r")
    expected = (
        len(header)
        + value_bytes
        - value_quotes
        + data.count(b'"')
        - header.count(b'"')
        + cells.height * (width - 1)
        + line_ends
    )
    return expected == len(data)
