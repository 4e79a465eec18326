"""Strings a database cannot store are refused as the client's mistake, before any SQL.

PostgreSQL refuses NUL in text, and neither database driver can encode a lone surrogate (JSON
allows "\\ud800"); SQLite would store both. So every string the request carries, in the
document's literals and in its variables, is checked once here: the same answer on both
databases, naming where the character is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, StringValueNode, visit
from graphql.language import Visitor

from server.errors import UserError

REFUSED = re.compile("[\x00\ud800-\udfff]")


def check_strings(document: DocumentNode, variables: dict[str, Any] | None) -> None:
    """A UserError for the first string holding a character no database can store."""
    for where, value in _strings(variables or {}, "variables"):
        _check(where, value)
    literals = _Literals()
    visit(document, literals)
    for value in literals.found:
        _check("a string in the query", value)


def _check(where: str, value: str) -> None:
    found = REFUSED.search(value)
    if found:
        character = f"U+{ord(found.group()):04X}"
        name = "NUL" if found.group() == "\x00" else "a lone surrogate"
        raise UserError(
            f"{where}: the character {character} ({name}) at position {found.start()} "
            "cannot be stored or searched for"
        )


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key, where)
            yield from _strings(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{where}[{index}]")


class _Literals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        self.found.append(node.value)
