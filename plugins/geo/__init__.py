"""Geo: the customer's country (ISO 3166-1 alpha-2), labelled with its name."""

from __future__ import annotations

import pycountry

from server.hookspecs import hookimpl
from server.metrics.declarations import Dimension, on_every_fact

COUNTRY = Dimension(
    name="COUNTRY",
    description="The rating's or transaction's own customer's country, else the conversation's.",
    columns=on_every_fact("country"),
    filter="countries",
    labels={
        country.alpha_2: getattr(country, "common_name", country.name)
        for country in pycountry.countries
    },
)


@hookimpl
def rapport_dimensions() -> list[Dimension]:
    return [COUNTRY]
