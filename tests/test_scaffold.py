"""`rapport plugin new`: the package it writes installs with pip and passes its own tests.

The real CLI writes `rapport-tickets/`; pip installs it into a directory of its own (offline when
setuptools can build by itself, as in tests/test_third_party_plugin.py); the package's tests then run
in a pytest of their own, in the package's folder, where only Rapport's shipped test kit (the
`pytest11` entry point) provides fixtures: on SQLite, and on PostgreSQL when
RAPPORT_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.test_plugins import parse_plugins_table, plugin_versions, run_rapport
from tests.test_third_party_plugin import builds_wheels_offline


def pip_install(project: Path, site: Path) -> None:
    command = [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(site)]
    command += ["--quiet", "--disable-pip-version-check"]
    if builds_wheels_offline():
        command += ["--no-build-isolation", "--no-index"]
    result = subprocess.run(
        [*command, str(project)], capture_output=True, text=True, timeout=300, cwd=project.parent
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_scaffolded_plugin_installs_and_passes_its_tests(tmp_path: Path) -> None:
    created = run_rapport("plugin", "new", "tickets", "--directory", str(tmp_path), cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    project = tmp_path / "rapport-tickets"
    assert sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()) == [
        "README.md",
        "pyproject.toml",
        "rapport_tickets/__init__.py",
        "tests/test_tickets.py",
    ]
    site = tmp_path / "site"
    pip_install(project, site)

    listed = run_rapport("plugins", cwd=tmp_path, pythonpath=site)
    assert listed.returncode == 0, listed.stderr
    assert parse_plugins_table(listed.stdout)["tickets"]["values"] == {
        "TICKETS_RESPONSES",
        "TICKETS_AVERAGE",
    }
    assert plugin_versions(listed.stdout)["tickets"] == "rapport-tickets 0.1.0"

    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    env["PYTHONPATH"] = str(site)
    postgres = os.environ.get("RAPPORT_TEST_POSTGRES_URL")
    if postgres:
        env["RAPPORT_TEST_POSTGRES_URL"] = postgres
    tested = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    summary = tested.stdout.strip().splitlines()[-1]
    # unset, the kit tries a local server (server.testing.DEFAULT_POSTGRES) and skips without one
    expected = ("2 passed",) if postgres else ("2 passed", "1 passed, 1 skipped")
    assert summary.startswith(expected), tested.stdout


def test_a_scaffold_refuses_a_taken_or_malformed_name(tmp_path: Path) -> None:
    for name, message in [
        ("csat", "rapport: plugin name 'csat': a plugin or metric of that name is installed"),
        ("First-Reply", "rapport: plugin name 'First-Reply': use lower-case letters"),
    ]:
        result = run_rapport("plugin", "new", name, cwd=tmp_path)
        assert result.returncode == 1
        assert result.stderr.startswith(message), result.stderr
    assert list(tmp_path.iterdir()) == []
