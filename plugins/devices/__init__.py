"""Devices: browser and operating system families, parsed from a rating's user agent."""

from __future__ import annotations

from server.hookspecs import hookimpl
from server.metrics.declarations import Dimension

BROWSER = Dimension(
    name="BROWSER",
    description="The browser family of the rating's user agent (Chrome, Safari, … or Other).",
    columns={"ratings": "browser"},
    filter="browsers",
)

OS = Dimension(
    name="OS",
    description="The OS family of the rating's user agent (Windows, iOS, … or Other).",
    columns={"ratings": "os"},
    filter="operatingSystems",
)


@hookimpl
def rapport_dimensions() -> list[Dimension]:
    return [BROWSER, OS]
