"""Pipeline (HubSpot's ticket time in pipeline): time spent in each stage, and the PIPELINE
dimension.

A stage's time is HubSpot's time_in_X, derived at import for closed conversations: from when the
conversation first entered the stage to when it last left it (the next stage change after its
last entry, else its close), whatever happened between. A visit A, B, A, C counts A from its first
entry to when C began.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry

from server.hookspecs import hookimpl
from server.metrics.declarations import (
    Argument,
    Average,
    Count,
    Dimension,
    Metric,
    Percentile,
)
from server.metrics.facts import STAGE_INTERVALS
from server.metrics.time import Days

PIPELINE = Dimension(
    name="PIPELINE",
    description="The pipeline: a stage's own for time in pipeline, else the conversation's.",
    columns={
        "conversations": "pipeline",
        "messages": "pipeline",
        "ratings": "pipeline",
        "transactions": "pipeline",
        "stage_intervals": "stage_pipeline",
    },
    filter="pipelines",
)


@strawberry.type(description="Time conversations spent in one stage of a pipeline, in seconds.")
class StageTime:
    pipeline: str
    stage: str
    conversations: int = strawberry.field(description="closed conversations that were in it")
    average: float | None
    median: float | None


STAGE = (lambda t: t.c.stage_pipeline, lambda t: t.c.stage)  # parts split by both


def _finalize(values: Mapping[str, Any], parts: Mapping[str, Any], days: Days) -> list[StageTime]:
    return [
        StageTime(
            pipeline=pipeline,
            stage=stage,
            conversations=count,
            average=parts["average"].get((pipeline, stage)),
            median=parts["median"].get((pipeline, stage)),
        )
        for (pipeline, stage), count in sorted(parts["conversations"].items())
    ]


def _seconds(t: Any) -> Any:
    return t.c.seconds


TIME_IN_PIPELINE = Metric(
    name="timeInPipeline",
    description="Time closed conversations spent in each pipeline stage (HubSpot's time_in_X).",
    fact=STAGE_INTERVALS,
    parts={
        "conversations": Count(by=STAGE),
        "average": Average(_seconds, by=STAGE),
        "median": Percentile(_seconds, 0.5, by=STAGE),
    },
    values={},
    result=list[StageTime],
    finalize=_finalize,
    arguments={
        "pipeline": Argument(
            str,
            "only the stages of this pipeline",
            where=lambda t, pipeline: t.c.stage_pipeline == pipeline,
        )
    },
)


@hookimpl
def rapport_metrics() -> list[Metric]:
    return [TIME_IN_PIPELINE]


@hookimpl
def rapport_dimensions() -> list[Dimension]:
    return [PIPELINE]
