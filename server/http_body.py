"""The JSON body of a GraphQL request, checked before strawberry reads it.

Strawberry answers a body that is JSON but not an object, not UTF-8, nested past Python's
recursion limit or holding a number too long for `int` with a plain-text 500: each of them is a
mistake of the client, told here in one line with a 400.
"""

from __future__ import annotations

import json
from typing import Any

from server.errors import UserError

MAX_NESTING = 64  # JSON objects and arrays inside each other; variables of real queries use a few


def check_body(body: bytes) -> None:
    """A UserError naming what is wrong with the body, if anything."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UserError(
            f"request body: not UTF-8 (byte 0x{body[error.start]:02x} at offset {error.start})"
        ) from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise UserError(
            f"request body: not JSON ({error.msg} at line {error.lineno} column {error.colno})"
        ) from None
    except RecursionError:
        raise UserError(f"request body: JSON nested deeper than {MAX_NESTING} levels") from None
    except ValueError:  # Python reads integers of at most 4,300 digits
        raise UserError("request body: a number with more than 4,300 digits") from None
    if not isinstance(value, dict):
        raise UserError(
            "request body: expected a JSON object such as "
            f'{{"query": "…", "variables": {{…}}}}, got {_kind(value)}'
        )
    if _nesting(value, 0) > MAX_NESTING:
        raise UserError(f"request body: JSON nested deeper than {MAX_NESTING} levels")
    if not isinstance(value.get("query"), str):
        raise UserError(f'request body: "query" must be a string, got {_kind(value.get("query"))}')
    if not value["query"].strip():
        raise UserError('request body: "query" is empty')
    variables = value.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise UserError(f'request body: "variables" must be an object, got {_kind(variables)}')


def _nesting(value: Any, depth: int) -> int:
    if depth > MAX_NESTING:
        return depth
    if isinstance(value, dict):
        return max((_nesting(v, depth + 1) for v in value.values()), default=depth + 1)
    if isinstance(value, list):
        return max((_nesting(v, depth + 1) for v in value), default=depth + 1)
    return depth


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array"
