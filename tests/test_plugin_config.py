"""Hooks go through pluggy, and plugins are configured: seen from outside, with the real CLI.

Plugins are installed outside the source tree as in tests/test_plugins.py. A plugin `tiers`
declares settings of each type; its metric's name, description and `where` come from them, so
`rapport schema` shows which values the hook received.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_plugins import (
    assert_stopped,
    fields,
    install_outside_the_tree,
    parse_plugins_table,
    run_rapport,
    schema_of,
)

SPECNAME = """
import strawberry

from server.hookspecs import hookimpl
from server.metrics.declarations import Count, Metric, PartValue
from server.metrics.facts import RATINGS


@strawberry.type
class Renamed:
    responses: int


@hookimpl(specname="rapport_metrics")
def metrics_of_this_plugin():
    return [
        Metric(
            name="renamed",
            description="declared by a function not named after its hook",
            fact=RATINGS,
            parts={"responses": Count()},
            values={"responses": PartValue("responses")},
            result=Renamed,
        )
    ]
"""

UNDECORATED = """
def rapport_metrics():
    return []
"""

UNKNOWN_SPECNAME = """
from server.hookspecs import hookimpl


@hookimpl(specname="rapport_metricz")
def metrics():
    return []
"""

CONFIGURED = """
import strawberry

from server.hookspecs import hookimpl
from server.metrics.declarations import Count, Metric, PartValue
from server.metrics.facts import RATINGS
from server.plugin_config import Setting


@strawberry.type
class Tier:
    responses: int


@hookimpl
def rapport_settings():
    return [
        Setting("field", str, default="tier"),
        Setting("minimum_score", int, default=4, minimum=1),
        Setting("weight", float, default=1.5),
        Setting("strict", bool, default=False),
    ]


@hookimpl
def rapport_metrics(settings):
    description = (
        f"minimum {settings['minimum_score']!r} weight {settings['weight']!r} "
        f"strict {settings['strict']!r}"
    )
    return [
        Metric(
            name=settings["field"],
            description=description,
            fact=RATINGS,
            where=lambda t: t.c.score >= settings["minimum_score"],
            parts={"responses": Count()},
            values={"responses": PartValue("responses")},
            result=Tier,
        )
    ]
"""

REQUIRED = """
from server.hookspecs import hookimpl
from server.plugin_config import Setting


@hookimpl
def rapport_settings():
    return [Setting("api_key", str)]


@hookimpl
def rapport_dimensions(settings):
    assert settings["api_key"]
    return []
"""


def description_of(schema_text: str, field: str) -> str:
    """The description line printed above `field:` in the SDL of `Report`."""
    lines = schema_text.splitlines()
    for number, line in enumerate(lines):
        if line.strip().startswith(f"{field}:"):
            return lines[number - 1].strip().strip('"')
    raise AssertionError(f"no field {field}")


# --- pluggy -----------------------------------------------------------------------------------


def test_a_hook_named_by_specname_is_loaded(tmp_path: Path) -> None:
    site = install_outside_the_tree(tmp_path / "site", "renaming", SPECNAME)
    schema = schema_of(run_rapport("schema", cwd=tmp_path, pythonpath=site))
    assert "renamed" in fields(schema, "Report")
    listed = parse_plugins_table(run_rapport("plugins", cwd=tmp_path, pythonpath=site).stdout)
    assert listed["renaming"]["metrics"] == {"renamed"}


@pytest.mark.parametrize(
    ("name", "source", "expected"),
    [
        pytest.param(
            "plain",
            UNDECORATED,
            ["plugin 'plain'", "rapport_metrics is not marked as a hook", "@hookimpl"],
            id="undecorated-function",
        ),
        pytest.param(
            "misnamed",
            UNKNOWN_SPECNAME,
            ["'misnamed'", "rapport_metricz"],
            id="unknown-specname",
        ),
    ],
)
def test_a_hook_pluggy_would_not_call_stops_start_up(
    tmp_path: Path, name: str, source: str, expected: list[str]
) -> None:
    site = install_outside_the_tree(tmp_path / "site", name, source)
    assert_stopped(run_rapport("schema", cwd=tmp_path, pythonpath=site), expected)


# --- configuration ----------------------------------------------------------------------------


def run_configured(tmp_path: Path, source: str, environment: dict[str, str], name: str = "tiers"):
    site = tmp_path / "site"
    if not site.exists():
        install_outside_the_tree(site, name, source)
    return run_rapport("schema", cwd=tmp_path, pythonpath=site, environment=environment)


def test_settings_default_when_unset(tmp_path: Path) -> None:
    result = run_configured(tmp_path, CONFIGURED, {})
    assert description_of(result.stdout, "tier") == "minimum 4 weight 1.5 strict False"


def test_settings_come_from_environment_variables_parsed_by_type(tmp_path: Path) -> None:
    result = run_configured(
        tmp_path,
        CONFIGURED,
        {
            "RAPPORT_PLUGIN_TIERS_FIELD": "gold",
            "RAPPORT_PLUGIN_TIERS_MINIMUM_SCORE": "5",
            "RAPPORT_PLUGIN_TIERS_WEIGHT": "2",
            "RAPPORT_PLUGIN_TIERS_STRICT": "yes",
        },
    )
    schema = schema_of(result)
    assert "gold" in fields(schema, "Report") and "tier" not in fields(schema, "Report")
    assert description_of(result.stdout, "gold") == "minimum 5 weight 2.0 strict True"


def test_settings_come_from_the_settings_file_and_the_environment_wins(tmp_path: Path) -> None:
    settings = tmp_path / "plugins.toml"
    settings.write_text('[tiers]\nfield = "silver"\nminimum_score = 3\nstrict = true\n')
    result = run_configured(
        tmp_path,
        CONFIGURED,
        {"RAPPORT_PLUGINS_FILE": str(settings), "RAPPORT_PLUGIN_TIERS_MINIMUM_SCORE": "2"},
    )
    assert "silver" in fields(schema_of(result), "Report")
    assert description_of(result.stdout, "silver") == "minimum 2 weight 1.5 strict True"


def test_a_variable_of_a_plugin_not_installed_is_left_alone(tmp_path: Path) -> None:
    result = run_configured(tmp_path, CONFIGURED, {"RAPPORT_PLUGIN_ELSEWHERE_KEY": "1"})
    assert "tier" in fields(schema_of(result), "Report")


@pytest.mark.parametrize(
    ("environment", "file_text", "expected"),
    [
        pytest.param(
            {"RAPPORT_PLUGIN_TIERS_MINIMUM_SCORE": "four"},
            None,
            [
                "plugin 'tiers'",
                "'minimum_score'",
                "RAPPORT_PLUGIN_TIERS_MINIMUM_SCORE",
                "expected an integer, got 'four'",
            ],
            id="not-an-integer",
        ),
        pytest.param(
            {"RAPPORT_PLUGIN_TIERS_STRICT": "maybe"},
            None,
            ["plugin 'tiers'", "'strict'", "expected true or false, got 'maybe'"],
            id="not-a-boolean",
        ),
        pytest.param(
            {"RAPPORT_PLUGIN_TIERS_MINIMUM_SCORE": "0"},
            None,
            ["plugin 'tiers'", "'minimum_score'", "must be at least 1, got 0"],
            id="below-the-minimum",
        ),
        pytest.param(
            {"RAPPORT_PLUGIN_TIERS_MINIMUM": "4"},
            None,
            [
                "plugin 'tiers'",
                "unknown setting 'minimum' (RAPPORT_PLUGIN_TIERS_MINIMUM)",
                "field, minimum_score, strict, weight",
            ],
            id="unknown-variable",
        ),
        pytest.param(
            {},
            '[tiers]\nminimum_score = "4"\n',
            ["plugin 'tiers'", "'minimum_score'", "plugins.toml [tiers]", "expected an integer"],
            id="wrong-type-in-the-file",
        ),
        pytest.param(
            {},
            "[tiers]\nweight = true\n",
            ["plugin 'tiers'", "'weight'", "expected a number, got True"],
            id="boolean-for-a-number",
        ),
        pytest.param(
            {},
            "[tiers]\ncolour = 'red'\n",
            ["plugin 'tiers'", "unknown setting 'colour'", "plugins.toml [tiers]"],
            id="unknown-key-in-the-file",
        ),
        pytest.param(
            {},
            "[tiers\n",
            ["RAPPORT_PLUGINS_FILE=", "plugins.toml", "not valid TOML"],
            id="not-toml",
        ),
    ],
)
def test_a_bad_setting_stops_start_up_naming_plugin_and_key(
    tmp_path: Path, environment: dict[str, str], file_text: str | None, expected: list[str]
) -> None:
    if file_text is not None:
        (tmp_path / "plugins.toml").write_text(file_text)
        environment = {**environment, "RAPPORT_PLUGINS_FILE": str(tmp_path / "plugins.toml")}
    assert_stopped(run_configured(tmp_path, CONFIGURED, environment), expected)


def test_a_missing_settings_file_stops_start_up(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    result = run_configured(tmp_path, CONFIGURED, {"RAPPORT_PLUGINS_FILE": str(missing)})
    assert_stopped(result, [f"RAPPORT_PLUGINS_FILE={missing}", "No such file"])


def test_a_required_setting_left_unset_stops_start_up(tmp_path: Path) -> None:
    result = run_configured(tmp_path, REQUIRED, {}, name="licensing")
    assert_stopped(
        result,
        ["plugin 'licensing'", "setting 'api_key' is required", "RAPPORT_PLUGIN_LICENSING_API_KEY"],
    )
    configured = run_configured(
        tmp_path, REQUIRED, {"RAPPORT_PLUGIN_LICENSING_API_KEY": "k"}, name="licensing"
    )
    assert configured.returncode == 0, configured.stderr
