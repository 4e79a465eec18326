"""A file's records column by column, when every row is valid; None at the first doubt (the file
is then read row by row, which says what is wrong where: server.ingest.validate).

The values are exactly those of the row reader: each cell is parsed by the file's own parsers,
once per distinct value, but for timestamps and integers in their usual forms, computed here in
integer arithmetic (any other form goes to the parser). Row rules run once per distinct
combination of the cells they read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import polars as pl

from server.ingest import parse
from server.ingest.files import CsvFile, Field
from server.ingest.parse import Invalid

# Timestamps in the form exports write, which `parse.timestamp` reads as UTC offsets of whole
# minutes: 2026-03-29T01:30:00Z, 2026-03-29T03:30:00.25+02:00.
_TIMESTAMP = (
    r"^([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
    r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
# Integers of at most 18 digits fit in 64 bits whatever their sign.
_INTEGER = r"^[+-]?[0-9]{1,18}$"
_MICROS_PER = {"hour": 3_600_000_000, "minute": 60_000_000, "second": 1_000_000}


class Refused(Exception):
    """A row is not valid, or might not be: the file goes to the row reader."""


def checked_records(
    spec: CsvFile, cells: pl.DataFrame, stored_keys: Mapping[str, pl.DataFrame]
) -> pl.DataFrame | None:
    """The file's records (a column per record column, as the row reader fills them) when
    every row is valid; `stored_keys`: the keys of each table the file refers to."""
    try:
        records = pl.DataFrame([_values(field, cells) for field in spec.fields])
        _check_rule(spec, records)
        _check_claims(spec, records)
        _check_references(spec, records, stored_keys)
    except Refused:
        return None
    return records


def _values(field: Field, cells: pl.DataFrame) -> pl.Series:
    """A field's values, named by its column."""
    if field.name not in cells.columns:
        return pl.Series(field.target, [field.default] * cells.height)
    column = cells[field.name]
    empty = column == ""
    if field.required and empty.any():
        raise Refused
    if field.parse is None:
        values = column.set(empty, field.default) if empty.any() else column
        return values.rename(field.target)
    filled = _parsed(field.parse, column.filter(~empty))
    if not empty.any():
        return filled.rename(field.target)
    whole = pl.Series(field.target, [field.default] * cells.height, dtype=filled.dtype)
    return whole.scatter(empty.not_().arg_true(), filled)


def _parsed(parser: parse.Parser, column: pl.Series) -> pl.Series:
    """Non-empty cells parsed as `parser` parses them; Refused for any invalid."""
    if parser is parse.timestamp:
        return _common_or_parsed(column, _TIMESTAMP, _timestamps, parser)
    if parser is parse.integer:
        return _common_or_parsed(column, _INTEGER, lambda c: c.cast(pl.Int64), parser)
    return _by_distinct(parser, column)


def _common_or_parsed(
    column: pl.Series,
    form: str,
    compute: Callable[[pl.Series], pl.Series],
    parser: parse.Parser,
) -> pl.Series:
    """Cells in the usual `form` computed column-wise, the others parsed one distinct value at a
    time."""
    common = column.str.contains(form)
    if common.all():
        return compute(column)
    values = compute(column.set(~common, None))
    others = _by_distinct(parser, column.filter(~common))
    return values.scatter(common.not_().arg_true(), others)


def _timestamps(column: pl.Series) -> pl.Series:
    """Microseconds since the epoch of timestamps in the usual form (nulls stay null)."""
    frame = column.to_frame("t")
    date = pl.col("t").str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    fraction = pl.col("t").str.extract(r"\.([0-9]{1,6})", 1).str.pad_end(6, "0")
    offset = pl.col("t").str.extract(r"([+-][0-9]{2}:[0-9]{2})$", 1)
    offset_minutes = pl.col("offset").str.slice(1, 2).cast(pl.Int64) * 60 + pl.col(
        "offset"
    ).str.slice(4, 2).cast(pl.Int64)
    sign = pl.when(pl.col("offset").str.starts_with("-")).then(-1).otherwise(1)
    micros = frame.with_columns(date=date, fraction=fraction, offset=offset).select(
        date=pl.col("date"),
        t=pl.col("t"),
        micros=pl.col("date").cast(pl.Int64) * 86_400_000_000
        + pl.col("t").str.slice(11, 2).cast(pl.Int64) * _MICROS_PER["hour"]
        + pl.col("t").str.slice(14, 2).cast(pl.Int64) * _MICROS_PER["minute"]
        + pl.col("t").str.slice(17, 2).cast(pl.Int64) * _MICROS_PER["second"]
        + pl.col("fraction").fill_null("0").cast(pl.Int64)
        - (sign * offset_minutes).fill_null(0) * _MICROS_PER["minute"],
    )
    if (micros["date"].is_null() & micros["t"].is_not_null()).any():
        raise Refused  # no such day (2026-02-30): the parser says so
    return micros["micros"]


def _by_distinct(parser: parse.Parser, column: pl.Series) -> pl.Series:
    """Each distinct cell parsed once (a survey, a channel, a country: a few values)."""
    distinct = column.unique().to_list()
    try:
        parsed = [parser(cell) for cell in distinct]
    except Invalid:
        raise Refused from None
    return column.replace_strict(distinct, parsed)


def _check_rule(spec: CsvFile, records: pl.DataFrame) -> None:
    """The file's row rule, once per distinct combination of the columns it reads."""
    if spec.rule is None:
        return
    reads = records.select(spec.rule_reads).unique()
    for values in reads.iter_rows(named=True):
        for _ in spec.rule(values):
            raise Refused


def _check_claims(spec: CsvFile, records: pl.DataFrame) -> None:
    """No two rows with one key, nor one unique value in an account. The table is empty (a
    first load): no stored row can hold them."""
    if records.select(spec.key).is_duplicated().any():
        raise Refused
    for field in spec.fields:
        if field.unique:
            claims = records.select("account_id", field.target).drop_nulls()
            if claims.is_duplicated().any():
                raise Refused


def _check_references(
    spec: CsvFile, records: pl.DataFrame, stored_keys: Mapping[str, pl.DataFrame]
) -> None:
    """Every reference names a stored row of its table, in the row's account."""
    for field in spec.fields:
        if field.references is None:
            continue
        stored = stored_keys[field.references]
        if field.references == "accounts":
            named = records.select(id=pl.col(field.target)).drop_nulls().unique()
        else:
            named = records.select("account_id", id=pl.col(field.target)).drop_nulls().unique()
        if named.join(stored, on=named.columns, how="anti").height:
            raise Refused
