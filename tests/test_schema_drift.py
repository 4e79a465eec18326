"""`schema.graphql` at the root is the printed schema with the built-in plugins.

After an intended change to the API, regenerate it with `rapport schema > schema.graphql`.
"""

from pathlib import Path

from server.schema.build import build_schema

COMMITTED = Path(__file__).parent.parent / "schema.graphql"


def test_the_committed_schema_is_the_printed_schema() -> None:
    printed = build_schema().as_str() + "\n"
    assert printed == COMMITTED.read_text(), (
        "schema.graphql is out of date: run `rapport schema > schema.graphql` and review the diff"
    )
