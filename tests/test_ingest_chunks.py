"""Chunks are validated column by column when every row is valid (Validator.check_chunk), and row
by row otherwise: either way the rows, their records (keys in the same order) and their problems
are exactly those of parsing each row on its own, and so are the claims later chunks are checked
against. The reference here is `Validator.parse` called row by row, the exact path."""

from __future__ import annotations

import pytest

from server.ingest.files import BY_NAME
from server.ingest.validate import Line, Row, Validator

CONVERSATIONS = BY_NAME["conversations.csv"]
HEADER = [
    "account_id", "id", "number", "inbox_id", "customer_id", "channel", "status", "theme",
    "assignee_id", "team_id", "pipeline", "created_at", "closed_at",
]  # fmt: skip


def conversation(index: int, **changes: str) -> list[str]:
    cells = dict(
        zip(
            HEADER,
            [
                "acme",
                f"c{index}",
                str(100 + index),
                "support",
                "",
                "email",
                "closed",
                "",
                f"u{index % 3}",
                "",
                "",
                "2026-03-29T00:30:00+01:00",
                "2026-03-29T03:30:00Z",
            ],  # fmt: skip
            strict=True,
        )
    )
    cells.update(changes)
    return list(cells.values())


def chunk(*rows: list[str], first_line: int = 2) -> list[Line]:
    return [(first_line + offset, cells) for offset, cells in enumerate(rows)]


def row_by_row(validator: Validator, lines: list[Line]) -> list[Row]:
    return [validator.parse(line, cells) for line, cells in lines]


def assert_same(columns: list[Row], rows: list[Row]) -> None:
    assert [(r.line, r.cells, r.problems) for r in columns] == [
        (r.line, r.cells, r.problems) for r in rows
    ]
    assert [list(r.record.items()) for r in columns] == [list(r.record.items()) for r in rows]


def test_a_valid_chunk_gives_the_records_of_each_row() -> None:
    lines = chunk(
        conversation(1),
        # Empty optional cells: their defaults; a status repeated enough to be parsed once.
        conversation(2, assignee_id="", theme="returns", closed_at="", status="open"),
        *(conversation(index) for index in range(3, 12)),
    )
    fast = Validator(CONVERSATIONS, HEADER).check_chunk(lines).as_rows(lines)
    assert_same(fast, row_by_row(Validator(CONVERSATIONS, HEADER), lines))
    first = fast[0].record
    # Hand-computed: 00:30 at +01:00 is 23:30 UTC the day before, in microseconds since 1970.
    assert first["created_at"] == 1774740600 * 10**6
    assert first["number"] == 101 and first["customer_id"] is None and first["theme"] is None
    assert all(not row.problems for row in fast)


@pytest.mark.parametrize(
    "change",
    [
        {"status": "lost"},  # a cell parser refuses
        {"number": ""},  # a required typed cell is empty
        {"inbox_id": ""},  # a required text cell is empty
        {"closed_at": "2026-03-28T00:00:00Z"},  # the row rule refuses (closed before created)
        {"id": "c1"},  # a duplicate key within the chunk
        {"number": "101"},  # a duplicate unique value within the chunk
        {"created_at": "2026-03-29"},  # no offset
    ],
)
def test_an_invalid_row_makes_the_chunk_be_read_row_by_row(change: dict[str, str]) -> None:
    lines = chunk(*(conversation(index) for index in range(1, 6)), conversation(6, **change))
    fast = Validator(CONVERSATIONS, HEADER).check_chunk(lines).as_rows(lines)
    assert_same(fast, row_by_row(Validator(CONVERSATIONS, HEADER), lines))
    assert [bool(row.problems) for row in fast] == [False] * 5 + [True]


def test_a_row_of_the_wrong_width_is_read_row_by_row() -> None:
    lines = chunk(conversation(1), conversation(2)[:-1])
    fast = Validator(CONVERSATIONS, HEADER).check_chunk(lines).as_rows(lines)
    assert_same(fast, row_by_row(Validator(CONVERSATIONS, HEADER), lines))
    assert fast[1].problems == [("row", "has 12 fields, the header has 13")]


def test_a_file_without_optional_columns_keeps_the_key_order() -> None:
    header = [name for name in HEADER if name not in ("theme", "pipeline", "team_id")]
    lines = [
        (line, [cell for name, cell in zip(HEADER, cells, strict=True) if name in header])
        for line, cells in chunk(*(conversation(index) for index in range(1, 4)))
    ]
    fast = Validator(CONVERSATIONS, header).check_chunk(lines).as_rows(lines)
    assert_same(fast, row_by_row(Validator(CONVERSATIONS, header), lines))
    assert fast[0].record["theme"] is None


def test_later_chunks_see_what_a_valid_chunk_claimed() -> None:
    first = chunk(*(conversation(index) for index in range(1, 4)))
    second = chunk(conversation(9, id="c2"), conversation(10, number="103"), first_line=5)
    fast = Validator(CONVERSATIONS, HEADER)
    fast.check_chunk(first).as_rows(first)
    slow = Validator(CONVERSATIONS, HEADER)
    row_by_row(slow, first)
    assert_same(fast.check_chunk(second).as_rows(second), row_by_row(slow, second))
    assert [row.problems for row in row_by_row(Validator(CONVERSATIONS, HEADER), second)] == [
        [],
        [],
    ]  # on their own the two rows are valid: the problems come from the claims
    assert [row.problems for row in fast.check_chunk(second).as_rows(second)][0] == [
        ("id", "id 'c2' is also on line 3")
    ]


@pytest.mark.parametrize(
    "change",
    [{}, {"number": "x"}, {"id": ""}, {"number": "101"}],
    ids=["valid", "invalid-number", "empty-key", "duplicate-number"],
)
def test_claiming_a_chunk_claims_what_each_row_claims(change: dict[str, str]) -> None:
    """Another worker's chunk is only claimed (server.ingest.produce): the next chunk's problems
    are those it would have if each row had been claimed on its own."""
    claimed = chunk(*(conversation(index) for index in range(1, 4)), conversation(4, **change))
    later = chunk(
        conversation(20, id="c2"),
        conversation(21, number="104"),
        conversation(22, number="101"),
        first_line=6,
    )
    fast = Validator(CONVERSATIONS, HEADER)
    fast.claim_chunk(claimed)
    slow = Validator(CONVERSATIONS, HEADER)
    for line, cells in claimed:
        slow.claim(line, cells)
    assert_same(fast.check_chunk(later).as_rows(later), row_by_row(slow, later))
