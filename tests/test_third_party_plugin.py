"""A third-party plugin installed from outside the source tree, queried over real HTTP.

`examples/rapport-sla` (the example of docs/plugins.md) is installed with pip into a
temporary directory, never into the environment; every command then runs the real `rapport`
console script with that directory on PYTHONPATH, where importlib.metadata finds the plugin's
entry point. On each database, hand-made rows are written, a token is created with
`rapport token create`, `rapport serve` is started, and the plugin's metric, its breakdown by the
plugin's dimension and its filter argument are compared with numbers computed by hand.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import graphql
import httpx
import pytest
from pytest import approx

from server.db.engine import create_engine
from tests.report_data import Data
from tests.test_plugins import (
    DOCS,
    RAPPORT,
    enum_values,
    fields,
    parse_plugins_table,
    run_rapport,
    schema_of,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "rapport-sla"


def builds_wheels_offline() -> bool:
    """Whether setuptools here can build a wheel by itself (≥ 70.1, or with `wheel` installed)."""
    if importlib.util.find_spec("wheel") is not None:
        return True
    try:
        version = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        return False
    major, minor = (int(part) for part in version.split(".")[:2])
    return (major, minor) >= (70, 1)


@pytest.fixture(scope="module")
def sla_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example plugin project, pip-installed into a directory of its own."""
    work = tmp_path_factory.mktemp("rapport-sla")
    source = work / "source"  # a copy: building writes build/ and *.egg-info beside the sources
    shutil.copytree(
        EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    )
    site = work / "site"
    command = [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(site)]
    command += ["--quiet", "--disable-pip-version-check"]
    if builds_wheels_offline():
        command += ["--no-build-isolation", "--no-index"]  # nothing downloaded
    # else pip builds in isolation, fetching setuptools from the configured index
    result = subprocess.run(
        [*command, str(source)], capture_output=True, text=True, timeout=300, cwd=work
    )
    assert result.returncode == 0, result.stdout + result.stderr
    entry_points = site / "rapport_sla-0.1.0.dist-info" / "entry_points.txt"
    assert entry_points.read_text().split() == ["[rapport]", "sla", "=", "rapport_sla"]
    return site


# --- the schema -------------------------------------------------------------------------------


def test_the_installed_plugin_adds_its_metric_dimension_and_filter(
    sla_site: Path, tmp_path: Path
) -> None:
    schema = schema_of(run_rapport("schema", cwd=tmp_path, pythonpath=sla_site))
    for type_name in ("Report", "ReportGroup", "ReportBucket"):
        assert "sla" in fields(schema, type_name)
    assert fields(schema, "Sla") == {"responded", "withinTarget", "rate", "median", "p90"}
    assert str(schema.type_map["Sla"].fields["withinTarget"].type) == "Int!"  # type: ignore[union-attr]
    assert "CUSTOMER" in enum_values(schema, "Dimension")
    customers = schema.type_map["ReportFilter"].fields["customers"]  # type: ignore[union-attr]
    assert str(customers.type) == "[ID!]"
    assert {
        "SLA_RESPONDED",
        "SLA_WITHIN_TARGET",
        "SLA_RATE",
        "SLA_MEDIAN",
        "SLA_P90",
    } <= enum_values(schema, "MetricValue")
    assert "csat" in fields(schema, "Report")  # the built-in plugins are all still there

    examples = re.findall(r"```graphql\n(\{.*?)```", DOCS.read_text(), re.S)
    assert examples
    for query in examples:
        assert not graphql.validate(schema, graphql.parse(query)), query  # the guide's examples

    listed = parse_plugins_table(run_rapport("plugins", cwd=tmp_path, pythonpath=sla_site).stdout)
    assert listed["sla"] == {
        "metrics": {"sla", "slaReviews"},
        "values": {
            "SLA_RESPONDED",
            "SLA_WITHIN_TARGET",
            "SLA_RATE",
            "SLA_MEDIAN",
            "SLA_P90",
            "SLA_REVIEWS_REVIEWED",
            "SLA_REVIEWS_EXCUSED",
            "SLA_REVIEWS_EXCUSED_PERCENT",
            "SLA_REVIEWS_REVIEWED_PERCENT",
        },
        "dimensions": {"CUSTOMER", "SLA_VERDICT"},
        "filters": {"customers", "slaVerdicts"},
    }


def test_the_installed_plugin_can_be_disabled(sla_site: Path, tmp_path: Path) -> None:
    result = run_rapport("schema", cwd=tmp_path, pythonpath=sla_site, disable="sla")
    schema = schema_of(result)
    assert "sla" not in fields(schema, "Report")
    assert "CUSTOMER" not in enum_values(schema, "Dimension")
    assert "customers" not in schema.type_map["ReportFilter"].fields  # type: ignore[union-attr]


def test_without_the_plugin_there_is_no_sla(tmp_path: Path) -> None:
    schema = schema_of(run_rapport("schema", cwd=tmp_path))
    assert "sla" not in fields(schema, "Report")
    assert "CUSTOMER" not in enum_values(schema, "Dimension")


# --- over HTTP, on each database --------------------------------------------------------------

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


async def write_data(url: str) -> None:
    """First responses in seconds, by customer (March 2026, UTC):

    cu1 Ada Lovelace:       1800 (within), 7200, 5400 (created in February, answered 1 March)
    cu2 Grace Hopper:        600 (within), 3600 (within: exactly one hour)
    no customer:            1200 (within)
    cu3 Katherine Johnson:  no conversation, one CSAT rating (so is cu1)
    not counted in March:   300 s answered 10 February (the previous period), one answered
                            1 April, one never answered, and another account's conversation.
    """
    acme = Data("acme")
    acme.add("inboxes", id="ib1", name="Support")
    acme.add("customers", id="cu1", name="Ada Lovelace", country="GB")
    acme.add("customers", id="cu2", name="Grace Hopper", country="US")
    acme.add("customers", id="cu3", name="Katherine Johnson", country="US")
    for customer, created, first_response in [
        ("cu1", "2026-03-02T09:00:00+00:00", "2026-03-02T09:30:00+00:00"),  # 1800
        ("cu1", "2026-03-03T10:00:00+00:00", "2026-03-03T12:00:00+00:00"),  # 7200
        ("cu1", "2026-02-28T23:00:00+00:00", "2026-03-01T00:30:00+00:00"),  # 5400
        ("cu2", "2026-03-04T08:00:00+00:00", "2026-03-04T08:10:00+00:00"),  # 600
        ("cu2", "2026-03-05T08:00:00+00:00", "2026-03-05T09:00:00+00:00"),  # 3600
        (None, "2026-03-06T08:00:00+00:00", "2026-03-06T08:20:00+00:00"),  # 1200
        ("cu1", "2026-02-10T10:00:00+00:00", "2026-02-10T10:05:00+00:00"),  # 300, February
        ("cu2", "2026-03-31T23:00:00+00:00", "2026-04-01T01:00:00+00:00"),  # April
        ("cu1", "2026-03-07T08:00:00+00:00", None),  # never answered
    ]:
        acme.conversation(created, first_response=first_response, customer_id=customer)
    acme.rating("csat", 5, "2026-03-10T12:00:00+00:00", customer_id="cu1")
    acme.rating("csat", 2, "2026-03-11T12:00:00+00:00", customer_id="cu3")

    globex = Data("globex")  # same customer id, another account: never seen by acme's token
    globex.add("inboxes", id="ib1", name="Globex support")
    globex.add("customers", id="cu1", name="Someone Else")
    globex.conversation(
        "2026-03-02T09:00:00+00:00", first_response="2026-03-02T09:01:00+00:00", customer_id="cu1"
    )

    engine = create_engine(url)
    try:
        await acme.write(engine)
        await globex.write(engine)
    finally:
        await engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(
    database_url: str,
    site: Path,
    secret: str,
    logs: Path,
    environment: dict[str, str] | None = None,
) -> Iterator[Callable[..., dict[str, Any]]]:
    """`rapport serve` with the plugin installed; yields `graphql(query, **variables) -> data`."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    env.update(environment or {})
    env["PYTHONPATH"] = str(site)
    with open(logs, "wb") as log:
        server = subprocess.Popen(
            [str(RAPPORT), "serve", "--database", database_url, "--port", str(port)],
            env=env,
            cwd=logs.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, f"rapport serve exited:\n{logs.read_text()}"
            assert time.monotonic() < deadline, f"rapport serve did not start:\n{logs.read_text()}"
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)

        def graphql(query: str, **variables: Any) -> dict[str, Any]:
            response = httpx.post(
                f"{base}/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {secret}"},
                timeout=30,
            )
            assert response.status_code == 200, response.text
            body = response.json()
            assert "errors" not in body, body["errors"]
            return body["data"]

        yield graphql
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def sla(responded: int, within: int, rate: float | None, median: float | None, p90: float | None):
    return {
        "responded": responded,
        "withinTarget": within,
        "rate": approx(rate) if rate is not None else None,
        "median": approx(median) if median is not None else None,
        "p90": approx(p90) if p90 is not None else None,
    }


SLA_FIELDS = "sla { responded withinTarget rate median p90 }"

REPORT = f"""
query ($filter: ReportFilter!) {{
  report(filter: $filter) {{
    {SLA_FIELDS}
    previous {{ {SLA_FIELDS} }}
    byCustomer: breakdown(by: [CUSTOMER]) {{ key label {SLA_FIELDS} csat {{ responses }} }}
    worstFirst: breakdown(by: [CUSTOMER], orderBy: SLA_RATE, descending: false) {{
      key label sla {{ rate }}
    }}
    daily(value: SLA_RATE) {{ mean median min max days }}
  }}
}}
"""

FILTERED = f"""
query ($filter: ReportFilter!) {{
  report(filter: $filter) {{
    {SLA_FIELDS}
    csat {{ responses }}
    breakdown(by: [CUSTOMER]) {{ key label sla {{ responded }} }}
  }}
}}
"""

CATALOG = "{ metricCatalog { name plugin fields dimensions filters } }"


def test_sla_metric_breakdown_and_filter_over_http(
    database_url: str, sla_site: Path, tmp_path: Path
) -> None:
    asyncio.run(write_data(database_url))
    created = run_rapport("token", "create", "acme", "--database", database_url, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    secret = created.stdout.splitlines()[-1].strip()

    with serving(database_url, sla_site, secret, tmp_path / "serve.log") as graphql:
        report = graphql(REPORT, filter=MARCH)["report"]
        # 600 1200 1800 3600 5400 7200: 4 within the hour; median (1800 + 3600) / 2;
        # p90 at rank 0.9 × 5 = 4.5, between 5400 and 7200
        assert report["sla"] == sla(6, 4, 400 / 6, 2700.0, 6300.0)
        # Jan 29 – Feb 28: the 300 s answer of 10 February
        assert report["previous"]["sla"] == sla(1, 1, 100.0, 300.0, 300.0)
        assert report["byCustomer"] == [
            {
                "key": "cu1",
                "label": "Ada Lovelace",
                "sla": sla(3, 1, 100 / 3, 5400.0, 6840.0),  # 1800 5400 7200: 5400 + 0.8 × 1800
                "csat": {"responses": 1},
            },
            {
                "key": "cu2",
                "label": "Grace Hopper",
                "sla": sla(2, 2, 100.0, 2100.0, 3300.0),  # 600 3600: 600 + 0.9 × 3000
                "csat": {"responses": 0},
            },
            {  # a group for the csat rating only: counts 0, ratios null
                "key": "cu3",
                "label": "Katherine Johnson",
                "sla": sla(0, 0, None, None, None),
                "csat": {"responses": 1},
            },
            {
                "key": None,
                "label": "(none)",
                "sla": sla(1, 1, 100.0, 1200.0, 1200.0),
                "csat": {"responses": 0},
            },
        ]
        # ascending by SLA_RATE; the tie at 100 by key, the null key last
        assert report["worstFirst"] == [
            {"key": "cu1", "label": "Ada Lovelace", "sla": {"rate": approx(100 / 3)}},
            {"key": "cu2", "label": "Grace Hopper", "sla": {"rate": 100.0}},
            {"key": None, "label": "(none)", "sla": {"rate": 100.0}},
        ]
        # daily rates: 1 Mar 0, 2 Mar 100, 3 Mar 0, 4–6 Mar 100; other days have no rate
        assert report["daily"] == {
            "mean": approx(400 / 6),
            "median": 100.0,
            "min": 0.0,
            "max": 100.0,
            "days": 6,
        }

        both = graphql(FILTERED, filter={**MARCH, "customers": ["cu1", "cu2"]})["report"]
        # 600 1800 3600 5400 7200: median 3600; p90 at rank 3.6: 5400 + 0.6 × 1800
        assert both["sla"] == sla(5, 3, 60.0, 3600.0, 6480.0)
        assert both["csat"] == {"responses": 1}  # the filter applies to built-in metrics too
        assert both["breakdown"] == [
            {"key": "cu1", "label": "Ada Lovelace", "sla": {"responded": 3}},
            {"key": "cu2", "label": "Grace Hopper", "sla": {"responded": 2}},
        ]

        one = graphql(FILTERED, filter={**MARCH, "customers": ["cu2"]})["report"]
        assert one["sla"] == sla(2, 2, 100.0, 2100.0, 3300.0)
        assert one["csat"] == {"responses": 0}

        nobody = graphql(FILTERED, filter={**MARCH, "customers": ["cu-unknown"]})["report"]
        assert nobody["sla"] == sla(0, 0, None, None, None)
        assert nobody["breakdown"] == []

        catalog = {m["name"]: m for m in graphql(CATALOG)["metricCatalog"]}
        assert catalog["sla"]["plugin"] == "sla"
        assert catalog["sla"]["fields"] == [
            "SLA_RESPONDED",
            "SLA_WITHIN_TARGET",
            "SLA_RATE",
            "SLA_MEDIAN",
            "SLA_P90",
        ]
        assert "CUSTOMER" in catalog["sla"]["dimensions"]
        assert "customers" in catalog["sla"]["filters"]
        assert "BROWSER" not in catalog["sla"]["dimensions"]  # conversations have no browser
        assert "CUSTOMER" in catalog["csat"]["dimensions"]


def test_the_sla_target_comes_from_configuration(
    database_url: str, sla_site: Path, tmp_path: Path
) -> None:
    asyncio.run(write_data(database_url))
    created = run_rapport("token", "create", "acme", "--database", database_url, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    secret = created.stdout.splitlines()[-1].strip()
    half_an_hour = {"RAPPORT_PLUGIN_SLA_TARGET_SECONDS": "1800"}
    with serving(database_url, sla_site, secret, tmp_path / "serve.log", half_an_hour) as graphql:
        report = graphql(FILTERED, filter=MARCH)["report"]
    # 600 1200 1800 3600 5400 7200: three within 1800 s (the bound is inclusive)
    assert report["sla"] == sla(6, 3, 50.0, 2700.0, 6300.0)
    assert report["breakdown"] == [
        {"key": "cu1", "label": "Ada Lovelace", "sla": {"responded": 3}},
        {"key": "cu2", "label": "Grace Hopper", "sla": {"responded": 2}},
        {"key": None, "label": "(none)", "sla": {"responded": 1}},
    ]


def test_a_bad_sla_target_stops_start_up(sla_site: Path, tmp_path: Path) -> None:
    result = run_rapport(
        "schema",
        cwd=tmp_path,
        pythonpath=sla_site,
        environment={"RAPPORT_PLUGIN_SLA_TARGET_SECONDS": "one hour"},
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "rapport: plugin 'sla': setting 'target_seconds' (RAPPORT_PLUGIN_SLA_TARGET_SECONDS): "
        "expected an integer, got 'one hour'"
    ]
