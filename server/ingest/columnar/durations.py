"""Durations in seconds from microseconds, rounded as Python and the databases round them."""

from __future__ import annotations

import polars as pl

from server.db.types import MICROS


def in_seconds(frame: pl.DataFrame, micros: pl.Expr, name: str) -> pl.DataFrame:
    """The frame with column `name`: `micros` / MICROS as a float. Divided by a column, not a
    constant: polars multiplies by the reciprocal of a constant divisor (even one put in a
    column with pl.lit), which rounds otherwise (0.49999899999999997 for 0.499999)."""
    divisor = pl.repeat(float(MICROS), frame.height, eager=True).alias("_micros")
    seconds = micros.cast(pl.Float64) / pl.col("_micros")
    return frame.with_columns(divisor).with_columns(seconds.alias(name)).drop("_micros")
