"""Plugin-owned tables and CSV files, seen from outside with the real CLI.

Plugins are installed outside the source tree as in tests/test_plugins.py. The complete example
(a table, its file, a fact, a dimension and a metric over them, scoped by the core) is
examples/rapport-sla, whose own tests run in CI; here: what the core checks and creates.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_plugins import assert_stopped, install_outside_the_tree, run_rapport

NOTES = """
import strawberry
from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table

from server.db.types import Timestamp
from server.hookspecs import hookimpl
from server.ingest import parse
from server.ingest.files import CsvFile, Field
from server.plugin_records import RecordList

NOTES = Table(
    "notes_entries",
    MetaData(),
    Column("account_id", String, nullable=False),
    Column("id", String, nullable=False),
    Column("inbox_id", String),
    Column("written_at", Timestamp, nullable=False),
    Column("mood", String, nullable=False),
    PrimaryKeyConstraint("account_id", "id"),
)


@hookimpl
def rapport_tables():
    return [NOTES]


@strawberry.type
class Note:
    id: strawberry.ID
    mood: str


@hookimpl
def rapport_record_lists():
    return [RecordList("notes", NOTES, Note, ("written_at", "id"), "notes, oldest first")]


@hookimpl
def rapport_files():
    return [
        CsvFile(
            "notes_entries.csv",
            NOTES,
            (
                Field("account_id", required=True, references="accounts"),
                Field("id", required=True),
                Field("inbox_id", references="inboxes"),
                Field("written_at", parse.timestamp, required=True),
                Field("mood", parse.one_of("calm", "busy"), required=True),
            ),
            key=("account_id", "id"),
        )
    ]
"""


def sqlite(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'rapport.db'}"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            [
                ('    Column("account_id", String, nullable=False),\n', ""),
                ('PrimaryKeyConstraint("account_id", "id")', 'PrimaryKeyConstraint("id")'),
            ],
            ["plugin 'notes'", "table notes_entries has no account_id column", "scopes"],
            id="table-without-account-id",
        ),
        pytest.param(
            [
                ('    Column("inbox_id", String),\n', ""),
            ],
            ["plugin 'notes'", "table notes_entries has no inbox_id column"],
            id="table-without-inbox-id",
        ),
        pytest.param(
            [
                ('"notes_entries",\n    MetaData()', '"entries",\n    MetaData()'),
            ],
            ["plugin 'notes'", "table 'entries' must be named notes_…"],
            id="table-not-named-after-the-plugin",
        ),
        pytest.param(
            [
                ("    return [NOTES]", "    return []"),
            ],
            ["plugin 'notes'", "notes_entries.csv fills notes_entries", "not one of its own"],
            id="file-of-a-table-not-declared",
        ),
        pytest.param(
            [
                ('"notes_entries.csv"', '"ratings.csv"'),
            ],
            ["plugin 'notes'", "another file is already named ratings.csv"],
            id="file-named-like-a-core-file",
        ),
        pytest.param(
            [
                ('references="inboxes"', 'references="ratings"'),
            ],
            ["plugin 'notes'", "refers to ratings"],
            id="file-referring-to-an-entity-it-cannot",
        ),
    ],
)
def test_a_plugin_table_or_file_the_core_cannot_handle_stops_start_up(
    tmp_path: Path, changes: list[tuple[str, str]], expected: list[str]
) -> None:
    source = NOTES
    for old, new in changes:
        assert old in source
        source = source.replace(old, new)
    site = install_outside_the_tree(tmp_path / "site", "notes", source)
    assert_stopped(run_rapport("schema", cwd=tmp_path, pythonpath=site), expected)


def test_the_record_list_is_a_root_connection(tmp_path: Path) -> None:
    site = install_outside_the_tree(tmp_path / "site", "notes", NOTES)
    result = run_rapport("schema", cwd=tmp_path, pythonpath=site)
    assert result.returncode == 0, result.stderr
    assert "  notes(first: Int = 20, after: String = null): NoteConnection!" in result.stdout


def test_db_upgrade_creates_the_table_and_import_fills_it(tmp_path: Path) -> None:
    site = install_outside_the_tree(tmp_path / "site", "notes", NOTES)
    url = sqlite(tmp_path)
    upgraded = run_rapport("db", "upgrade", "--database", url, cwd=tmp_path, pythonpath=site)
    assert upgraded.returncode == 0, upgraded.stderr

    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "accounts.csv").write_text("id,name\nacme,Acme\n")
    (folder / "inboxes.csv").write_text("account_id,id,name\nacme,support,Support\n")
    (folder / "notes_entries.csv").write_text(
        "account_id,id,inbox_id,written_at,mood\n"
        "acme,n1,support,2026-03-01T10:00:00Z,calm\n"
        "acme,n2,,2026-03-02T10:00:00Z,busy\n"
    )
    imported = run_rapport("import", str(folder), "--database", url, cwd=tmp_path, pythonpath=site)
    assert imported.returncode == 0, imported.stderr
    assert "notes_entries.csv: 2 rows imported" in imported.stderr

    (folder / "notes_entries.csv").write_text(
        "account_id,id,inbox_id,written_at,mood\nacme,n3,elsewhere,2026-03-03T10:00:00Z,sleepy\n"
    )
    rejected = run_rapport("import", str(folder), "--database", url, cwd=tmp_path, pythonpath=site)
    assert rejected.returncode == 1
    assert "notes_entries.csv:2: mood" in rejected.stderr, rejected.stderr
    assert "notes_entries.csv:2: inbox_id" in rejected.stderr, rejected.stderr
    assert "Traceback" not in rejected.stderr

    # Without the plugin, Rapport neither reads the file nor minds the table.
    plain = run_rapport("import", str(folder), "--database", url, cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert "notes_entries.csv" in plain.stderr and "ignored" in plain.stderr


def test_db_upgrade_refuses_a_table_that_lacks_a_declared_column(tmp_path: Path) -> None:
    url = sqlite(tmp_path)
    first = install_outside_the_tree(tmp_path / "v1", "notes", NOTES)
    assert (
        run_rapport("db", "upgrade", "--database", url, cwd=tmp_path, pythonpath=first).returncode
        == 0
    )
    grown = NOTES.replace(
        '    Column("mood", String, nullable=False),\n',
        '    Column("mood", String, nullable=False),\n    Column("topic", String),\n',
    )
    second = install_outside_the_tree(tmp_path / "v2", "notes", grown)
    result = run_rapport("db", "upgrade", "--database", url, cwd=tmp_path, pythonpath=second)
    assert_stopped(
        result, ["plugin 'notes'", "table notes_entries in the database has no column topic"]
    )
