"""The plugin system seen from outside: documented hooks, `rapport plugins`, disabling plugins, and
broken plugins stopping start-up with one line naming them.

Every command runs the real `rapport` console script in a subprocess. Broken plugins are installed
"from outside the source tree" without pip: a module plus a `<name>-0.1.dist-info/` folder (METADATA
and entry_points.txt) in a temporary directory put on PYTHONPATH, where importlib.metadata finds it.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import graphql
import pytest

from server import hookspecs

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "plugins.md"
EXAMPLE = ROOT / "examples" / "rapport-sla"
RAPPORT = Path(sys.executable).parent / "rapport"
SURVEY_PLUGINS = ("csat", "nps", "ces", "happiness")


def run_rapport(
    *args: str,
    cwd: Path,
    pythonpath: Path | None = None,
    disable: str | None = None,
    environment: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    env.update(environment or {})
    env.pop("PYTHONPATH", None)
    # Piped output: the plugins table keeps each row whole unless $COLUMNS narrows it (which a
    # pytest-xdist worker has: 80).
    env.pop("COLUMNS", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    if disable is not None:
        env["RAPPORT_DISABLE_PLUGINS"] = disable
    return subprocess.run(
        [str(RAPPORT), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def parse_plugins_table(output: str) -> dict[str, dict[str, set[str]]]:
    """`rapport plugins` (a rich table, cells wrapped over lines) -> plugin -> column -> names.

    The version column is one name (`rapport 0.1.0`), not a list: see `plugin_versions`.
    """
    header: list[str] = []
    rows: list[list[str]] = []
    for line in output.splitlines():
        if line.startswith("┃"):
            header = [cell.strip() for cell in line.strip("┃").split("┃")]
        elif line.startswith("│"):
            cells = [cell.strip() for cell in line.strip("│").split("│")]
            if cells[0]:
                rows.append(cells)
            else:  # a wrapped continuation of the previous row
                rows[-1] = [
                    " ".join(filter(None, pair)) for pair in zip(rows[-1], cells, strict=True)
                ]
    assert header == ["plugin", "version", "metrics", "values", "dimensions", "filters"], output
    return {
        row[0]: {
            column: {name.strip() for name in cell.split(",") if name.strip()}
            for column, cell in zip(header[2:], row[2:], strict=True)
        }
        for row in rows
    }


def plugin_versions(output: str) -> dict[str, str]:
    """`rapport plugins` -> plugin -> its distribution and version (`rapport 0.1.0`)."""
    return {
        cells[0]: cells[1]
        for line in output.splitlines()
        if line.startswith("│")
        for cells in [[cell.strip() for cell in line.strip("│").split("│")]]
        if cells[0]
    }


def hook_specs() -> list[tuple[str, object]]:
    return [
        (name, function)
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, f"{hookspecs.PROJECT}_spec")
    ]


# --- (a) hooks are typed, documented, and in docs/plugins.md ---------------------------------


def test_the_hookspecs_are_the_declaration_hooks() -> None:
    assert [name for name, _ in hook_specs()] == [
        "rapport_dimensions",
        "rapport_files",
        "rapport_metrics",
        "rapport_record_lists",
        "rapport_settings",
        "rapport_tables",
    ]


@pytest.mark.parametrize("name", [name for name, _ in hook_specs()])
def test_every_hookspec_is_typed_documented_and_in_the_plugin_guide(name: str) -> None:
    function = getattr(hookspecs, name)
    assert inspect.getdoc(function), f"{name} has no docstring"
    assert inspect.signature(function).return_annotation is not inspect.Signature.empty
    guide = DOCS.read_text()
    assert f"`{name}(" in guide, f"docs/plugins.md does not document the hook {name}"


def test_the_plugin_guide_shows_the_complete_example_plugin() -> None:
    """Every line of the example project's code is in the guide, in one piece."""
    guide = DOCS.read_text()
    for path in (
        EXAMPLE / "pyproject.toml",
        EXAMPLE / "rapport_sla" / "__init__.py",
        EXAMPLE / "rapport_sla" / "reviews.py",
        EXAMPLE / "tests" / "test_sla.py",
    ):
        code = path.read_text().rstrip("\n")
        assert f"\n{code}\n```" in guide, f"docs/plugins.md does not show {path.name} in full"
    for subject in ("RAPPORT_DISABLE_PLUGINS=nps,ces", "SLA_RATE", "CONVERSATIONS_FIRST_RESPONSE"):
        assert subject in guide


# --- (b) `rapport plugins` --------------------------------------------------------------------


def test_rapport_plugins_lists_the_survey_plugins_with_their_metric_values(tmp_path: Path) -> None:
    result = run_rapport("plugins", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"plugin API {hookspecs.API_VERSION}\n")
    table = parse_plugins_table(result.stdout)
    assert {"csat", "nps", "ces", "happiness"} <= set(table)
    versions = plugin_versions(result.stdout)
    assert (
        versions["csat"] == versions["agents"] == f"rapport {importlib.metadata.version('rapport')}"
    )
    assert table["csat"]["metrics"] == {"csat"}
    assert {"CSAT_SCORE", "CSAT_RESPONSES", "CSAT_SATISFIED", "CSAT_AVERAGE"} <= table["csat"][
        "values"
    ]
    assert table["nps"]["metrics"] == {"nps"}
    assert {
        "NPS_SCORE",
        "NPS_RESPONSES",
        "NPS_PROMOTERS",
        "NPS_PASSIVES",
        "NPS_DETRACTORS",
        "NPS_PROMOTERS_PERCENT",
        "NPS_PASSIVES_PERCENT",
        "NPS_DETRACTORS_PERCENT",
    } <= table["nps"]["values"]
    assert table["ces"]["metrics"] == {"ces"}
    assert {"CES_SCORE", "CES_RESPONSES", "CES_EASY", "CES_EASY_PERCENT"} <= table["ces"]["values"]
    assert table["happiness"]["metrics"] == {"happiness"}
    assert {
        "HAPPINESS_SCORE",
        "HAPPINESS_GREAT_PERCENT",
        "HAPPINESS_NOT_GOOD_PERCENT",
        "HAPPINESS_CUSTOMERS_WITH_RATINGS",
        "HAPPINESS_RATINGS_PERCENT",
    } <= table["happiness"]["values"]
    # dimension plugins are listed the same way, with their filter arguments
    assert table["agents"]["dimensions"] == {"USER", "TEAM"}
    assert table["agents"]["filters"] == {"users", "teams"}


# --- (c) disabling plugins --------------------------------------------------------------------


def schema_of(result: subprocess.CompletedProcess[str]) -> graphql.GraphQLSchema:
    assert result.returncode == 0, result.stderr
    return graphql.build_schema(result.stdout)


def fields(schema: graphql.GraphQLSchema, type_name: str) -> set[str]:
    return set(schema.type_map[type_name].fields)  # type: ignore[union-attr]


def enum_values(schema: graphql.GraphQLSchema, type_name: str) -> set[str]:
    return set(schema.type_map[type_name].values)  # type: ignore[union-attr]


def test_disabled_plugins_leave_no_trace_in_the_schema(tmp_path: Path) -> None:
    full = schema_of(run_rapport("schema", cwd=tmp_path))
    assert {"csat", "nps", "ces", "happiness"} <= fields(full, "Report")
    assert {"NPS_SCORE", "CES_SCORE"} <= enum_values(full, "MetricValue")

    schema = schema_of(run_rapport("schema", cwd=tmp_path, disable="nps,ces"))
    for type_name in ("Report", "ReportGroup", "ReportBucket"):
        assert "nps" not in fields(schema, type_name)
        assert "ces" not in fields(schema, type_name)
        assert {"csat", "happiness"} <= fields(schema, type_name)
    values = enum_values(schema, "MetricValue")
    assert not {v for v in values if v.startswith(("NPS_", "CES_"))}
    assert {"CSAT_SCORE", "HAPPINESS_SCORE"} <= values
    assert "Nps" not in schema.type_map and "Ces" not in schema.type_map

    listed = parse_plugins_table(run_rapport("plugins", cwd=tmp_path, disable="nps,ces").stdout)
    assert "nps" not in listed and "ces" not in listed and "csat" in listed


def test_disabling_a_dimension_plugin_removes_its_enum_members_and_filters(tmp_path: Path) -> None:
    schema = schema_of(run_rapport("schema", cwd=tmp_path, disable="agents"))
    assert not {"USER", "TEAM"} & enum_values(schema, "Dimension")
    assert not {"users", "teams"} & set(schema.type_map["ReportFilter"].fields)  # type: ignore[union-attr]
    assert "CHANNEL" in enum_values(schema, "Dimension")


# --- (d) broken plugins stop start-up ---------------------------------------------------------

METRIC_NAMED_CSAT = """
import strawberry

from server.hookspecs import hookimpl
from server.metrics.declarations import Count, Metric, PartValue
from server.metrics.facts import RATINGS


@strawberry.type
class Copy:
    responses: int


@hookimpl
def rapport_metrics():
    return [
        Metric(
            name="csat",
            description="a second csat",
            fact=RATINGS,
            parts={"responses": Count()},
            values={"responses": PartValue("responses")},
            result=Copy,
        )
    ]
"""

UNKNOWN_COLUMN = """
from server.hookspecs import hookimpl
from server.metrics.declarations import Dimension


@hookimpl
def rapport_dimensions():
    return [
        Dimension(
            name="PRIORITY",
            description="a column conversations do not have",
            columns={"conversations": "priority"},
            filter="priorities",
        )
    ]
"""

FILTER_NAMED_CHANNELS = """
from server.hookspecs import hookimpl
from server.metrics.declarations import Dimension


@hookimpl
def rapport_dimensions():
    return [
        Dimension(
            name="MEDIUM",
            description="a second filter argument called channels",
            columns={"conversations": "channel"},
            filter="channels",
        )
    ]
"""

DIMENSION_NAMED_CHANNEL = """
from server.hookspecs import hookimpl
from server.metrics.declarations import Dimension


@hookimpl
def rapport_dimensions():
    return [Dimension(name="CHANNEL", description="again", columns={"ratings": "channel"})]
"""

SIGNATURE_MISMATCH = """
from server.hookspecs import hookimpl


@hookimpl
def rapport_metrics(unknown_argument):
    return []
"""

RAISES_ON_IMPORT = """
raise RuntimeError("the licence server cannot be reached")
"""

MISSPELLED_HOOK = """
from server.hookspecs import hookimpl


@hookimpl
def rapport_metric():
    return []
"""

HOOK_RAISES = """
from server.hookspecs import hookimpl


@hookimpl
def rapport_metrics():
    raise ValueError("no configuration found")
"""

UNKNOWN_PART = """
import strawberry

from server.hookspecs import hookimpl
from server.metrics.declarations import Count, Metric, Percent
from server.metrics.facts import RATINGS


@strawberry.type
class Broken:
    rate: float | None


@hookimpl
def rapport_metrics():
    return [
        Metric(
            name="broken",
            description="a value over a part it does not declare",
            fact=RATINGS,
            parts={"responses": Count()},
            values={"rate": Percent("happy", "responses")},
            result=Broken,
        )
    ]
"""

BROKEN = [
    pytest.param(
        "copycat",
        METRIC_NAMED_CSAT,
        ["plugins 'copycat' and 'csat' both declare the metric field 'csat'"],
        id="duplicate-metric-field",
    ),
    pytest.param(
        "priorities",
        UNKNOWN_COLUMN,
        ["plugin 'priorities'", "PRIORITY", "unknown column conversations.priority"],
        id="unknown-dimension-column",
    ),
    pytest.param(
        "medium",
        FILTER_NAMED_CHANNELS,
        ["plugins 'medium' and 'sources' both declare the filter argument 'channels'"],
        id="duplicate-filter-argument",
    ),
    pytest.param(
        "channel2",
        DIMENSION_NAMED_CHANNEL,
        ["plugins 'channel2' and 'sources' both declare the dimension 'CHANNEL'"],
        id="duplicate-dimension",
    ),
    pytest.param(
        "brokenpart",
        UNKNOWN_PART,
        ["plugin 'brokenpart'", "broken.rate", "happy"],
        id="value-over-unknown-part",
    ),
    pytest.param(
        "noconfig",
        HOOK_RAISES,
        ["plugin 'noconfig'", "rapport_metrics", "no configuration found"],
        id="hook-raises",
    ),
    pytest.param(
        "mismatch",
        SIGNATURE_MISMATCH,
        ["'mismatch'", "rapport_metrics", "unknown_argument"],
        id="hook-signature-mismatch",
    ),
    pytest.param(
        "typo",
        MISSPELLED_HOOK,
        ["'typo'", "rapport_metric"],
        id="misspelled-hook",
    ),
    pytest.param(
        "licensed",
        RAISES_ON_IMPORT,
        ["'licensed'", "RuntimeError", "the licence server cannot be reached"],
        id="raises-on-import",
    ),
]


def install_outside_the_tree(directory: Path, name: str, source: str) -> Path:
    """Install module `<name>_plugin` as plugin `name` the way pip would, minus pip."""
    module = f"{name}_plugin"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{module}.py").write_text(textwrap.dedent(source))
    info = directory / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[rapport]\n{name} = {module}\n")
    return directory


def assert_stopped(result: subprocess.CompletedProcess[str], expected: list[str]) -> None:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rapport: "), lines[0]
    for text in expected:
        assert text in lines[0], lines[0]
    assert "type Query" not in result.stdout  # never a half-built schema


@pytest.mark.parametrize(("name", "source", "expected"), BROKEN)
def test_a_broken_plugin_stops_start_up_naming_it(
    tmp_path: Path, name: str, source: str, expected: list[str]
) -> None:
    site = install_outside_the_tree(tmp_path / "site", name, source)
    for command in (["schema"], ["plugins"]):
        assert_stopped(run_rapport(*command, cwd=tmp_path, pythonpath=site), expected)


def test_a_broken_plugin_stops_rapport_serve_before_it_serves(tmp_path: Path) -> None:
    site = install_outside_the_tree(tmp_path / "site", "copycat", METRIC_NAMED_CSAT)
    database = f"sqlite:///{tmp_path / 'rapport.db'}"
    result = run_rapport(
        "serve", "--database", database, "--port", "1", cwd=tmp_path, pythonpath=site
    )
    assert_stopped(result, ["plugins 'copycat' and 'csat' both declare the metric field 'csat'"])
    assert "Serving" not in result.stdout


def test_a_disabled_broken_plugin_is_not_loaded(tmp_path: Path) -> None:
    site = install_outside_the_tree(tmp_path / "site", "licensed", RAISES_ON_IMPORT)
    result = run_rapport("schema", cwd=tmp_path, pythonpath=site, disable="licensed")
    assert result.returncode == 0, result.stderr
    assert "csat: Csat" in result.stdout


def test_a_plugin_installed_outside_the_tree_is_listed(tmp_path: Path) -> None:
    """The control for the cases above: the same installation of a sound plugin works."""
    source = UNKNOWN_COLUMN.replace('"priority"', '"theme"')
    site = install_outside_the_tree(tmp_path / "site", "priorities", source)
    result = run_rapport("plugins", cwd=tmp_path, pythonpath=site)
    assert result.returncode == 0, result.stderr
    assert plugin_versions(result.stdout)["priorities"] == "priorities 0.1"
    row = parse_plugins_table(result.stdout)["priorities"]
    assert row == {
        "metrics": set(),
        "values": set(),
        "dimensions": {"PRIORITY"},
        "filters": {"priorities"},
    }
    assert re.search(
        r"^\s+PRIORITY$", run_rapport("schema", cwd=tmp_path, pythonpath=site).stdout, re.M
    )
