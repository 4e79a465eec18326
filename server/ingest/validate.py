"""Row validation: cells, row rules, duplicates, and (per chunk, batched) the database checks."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection

from server.ingest.files import CsvFile, Record
from server.ingest.lookups import Key, Lookups
from server.ingest.parse import Invalid
from server.ingest.query import select_by_keys

REQUIRED = "required, but empty"
# PostgreSQL refuses it in text; refused on SQLite too, so a file imports the same on both.
NUL_CHARACTER = "contains a NUL character (\\x00), which cannot be stored"

# How a reference names the thing that does not exist.
_SINGULAR = {
    "accounts": "account",
    "inboxes": "inbox",
    "users": "user",
    "teams": "team",
    "customers": "customer",
    "conversations": "conversation",
}


@dataclass(slots=True)
class Row:
    line: int
    cells: list[str]
    record: Record
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column, message)


class Validator:
    """Validates the rows of one file, remembering what earlier rows of the file claimed."""

    def __init__(self, spec: CsvFile, header: list[str]) -> None:
        self.spec = spec
        self._width = len(header)
        position = {name: index for index, name in enumerate(header)}
        present = [(position[f.name], f) for f in spec.fields if f.name in position]
        # Plain tuples, one list per kind of cell: these loops run for every cell of every file.
        self._text = [
            (i, f.target, f.default) for i, f in present if not f.parse and not f.required
        ]
        self._required_text = [
            (i, f.name, f.target) for i, f in present if not f.parse and f.required
        ]
        self._typed = [
            (i, f.name, f.target, f.parse, f.required, f.default) for i, f in present if f.parse
        ]
        self._position = position
        self._header = header
        self._absent = {f.target: f.default for f in spec.fields if f.name not in position}
        self._names = {f.target: f.name for f in spec.fields}
        self._references = [(f.name, f.target, f.references) for f in spec.fields if f.references]
        self._unique = [f for f in spec.fields if f.unique]
        claimed = {*spec.key, *(f.target for f in self._unique)}
        self._claim_fields = [
            (i, f.target, f.parse, f.required, f.default) for i, f in present if f.target in claimed
        ]
        self._first_line: dict[tuple[object, ...], int] = {}
        self._claimed: dict[tuple[str, object, object], int] = {}

    def parse(self, line: int, cells: list[str]) -> Row:
        """Everything that one row and the earlier rows of its file can tell."""
        row = Row(line, cells, dict(self._absent))
        if len(cells) != self._width:
            row.problems.append(("row", f"has {len(cells)} fields, the header has {self._width}"))
            row.record.clear()
            return row
        record, problems = row.record, row.problems
        for index, target, default in self._text:
            record[target] = cells[index] or default
        for index, name, target in self._required_text:
            value = cells[index]
            if value:
                record[target] = value
            else:
                problems.append((name, REQUIRED))
        for index, name, target, parser, required, default in self._typed:
            value = cells[index]
            if not value:
                if required:
                    problems.append((name, REQUIRED))
                else:
                    record[target] = default
            else:
                try:
                    record[target] = parser(value)
                except Invalid as error:
                    problems.append((name, str(error)))
        if len(problems) > 1:  # in the order of the columns, whatever their kind
            problems.sort(key=lambda problem: self._position[problem[0]])
        if self.spec.rule is not None:
            problems.extend(self.spec.rule(record))
        self._check_duplicate(row)
        return row

    def claim(self, line: int, cells: list[str]) -> None:
        """Note what a row claims (its key, its unique values), for the duplicate checks of
        later rows, without validating it: another reader validates it (server.ingest.worker).
        Its key and unique cells are read exactly as `parse` reads them."""
        if len(cells) != self._width:
            return
        record = dict(self._absent)
        for index, target, parser, required, default in self._claim_fields:
            value = cells[index]
            if not value:
                if not required:
                    record[target] = default
            elif parser is None:
                record[target] = value
            else:
                with suppress(Invalid):  # absent, as in `parse`
                    record[target] = parser(value)
        self._check_duplicate(Row(line, cells, record))

    def refuse_nul(self, row: Row) -> None:
        """A row holding NUL characters: each cell with one is a problem."""
        for index, cell in enumerate(row.cells):
            if "\x00" in cell:
                name = self._header[index] if index < self._width else "row"
                row.problems.append((name, NUL_CHARACTER))

    async def check_database(
        self, connection: AsyncConnection, lookups: Lookups, rows: list[Row]
    ) -> None:
        """References and unique values, for a chunk of rows at once."""
        for name, target, entity in self._references:
            keys: set[Key]
            if entity == "accounts":
                keys = {(v,) for row in rows if (v := row.record.get(target)) is not None}
            else:
                keys = {
                    (a, v)
                    for row in rows
                    if (v := row.record.get(target)) is not None
                    and (a := row.record.get("account_id")) is not None
                }
            absent = await lookups[entity].load(connection, keys)
            if absent:  # rare: only then look for the rows that point at them
                for row in rows:
                    value = row.record.get(target)
                    key = (
                        (value,) if entity == "accounts" else (row.record.get("account_id"), value)
                    )
                    if key in absent:
                        row.problems.append((name, _missing(entity, key)))
        for unique in self._unique:
            await self._check_unique_in_database(connection, rows, unique.target)

    def _check_duplicate(self, row: Row) -> None:
        record = row.record
        key = tuple(map(record.get, self.spec.key))
        if None in key:
            return
        first = self._first_line.setdefault(key, row.line)
        if first != row.line:
            named = ", ".join(
                f"{self._names[column]} {value!r}"
                for column, value in zip(self.spec.key, key, strict=True)
                if column != "account_id"
            )
            row.problems.append(
                (self._names[self.spec.key[-1]], f"{named} is also on line {first}")
            )
        for unique in self._unique:
            value, account = record.get(unique.target), record.get("account_id")
            if value is None or account is None:
                continue
            claim = (unique.target, account, value)
            first = self._claimed.setdefault(claim, row.line)
            if first != row.line:
                row.problems.append((unique.name, f"{value} is also used on line {first}"))

    async def _check_unique_in_database(
        self, connection: AsyncConnection, rows: list[Row], column: str
    ) -> None:
        """A value held in the database by another row of the account is taken.

        Checked against the database as it stands, so renumbering two stored conversations into
        each other's numbers takes two imports; that keeps every write within the constraint.
        """
        table = self.spec.table
        keyed = [
            r
            for r in rows
            if None not in (r.record.get(column), r.record.get("account_id"), r.record.get("id"))
        ]
        stored = await select_by_keys(
            connection,
            [table.c.account_id, table.c[column], table.c.id],
            [table.c.account_id, table.c[column]],
            {(r.record["account_id"], r.record[column]) for r in keyed},
        )
        holders = {(account, value): holder for account, value, holder in stored}
        for row in keyed:
            holder = holders.get((row.record["account_id"], row.record[column]))
            if holder is not None and holder != row.record["id"]:
                row.problems.append(
                    (
                        self._names[column],
                        f"{row.record[column]} is already used by "
                        f"{_SINGULAR[table.name]} {holder!r}",
                    )
                )


def _missing(entity: str, key: Key) -> str:
    if entity == "accounts":
        return f"account {key[0]!r} does not exist"
    return f"{_SINGULAR[entity]} {key[1]!r} does not exist in account {key[0]!r}"
