"""The plugin API: every extension point of Rapport, as typed and documented hook specifications.

A plugin is a module registered under the `rapport` entry-point group that implements some of these
hooks with `@hookimpl`. Built-in metrics (`plugins/csat`, …) are registered exactly the same way.
Hooks are called once, at start-up, while the registry is built; they only declare things: the
core plans and runs all SQL, builds the schema and applies security.
"""

from __future__ import annotations

from collections.abc import Sequence

import pluggy

from server.metrics.declarations import Dimension, Metric

PROJECT = "rapport"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def rapport_dimensions() -> Sequence[Dimension]:
    """Declare dimensions that reports can be broken down and filtered by.

    Called once at start-up. Return `Dimension` declarations: each becomes a member of the
    `Dimension` enum and, when it names a `filter`, an argument of `ReportFilter`. A dimension name
    or filter argument declared by two plugins stops start-up naming both.
    """


@hookspec
def rapport_metrics() -> Sequence[Metric]:
    """Declare metrics: each becomes a field of `Report`, `ReportGroup` and `ReportBucket`.

    Called once at start-up. Return `Metric` declarations; their numeric `values` become members of
    the `MetricValue` enum. A metric field declared by two plugins stops start-up naming both.
    """
