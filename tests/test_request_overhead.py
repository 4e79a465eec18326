"""Work a repeated dashboard request does not repeat: validating its document, compiling its SQL."""

from __future__ import annotations

from datetime import date

from server.metrics.executor import compile_queries
from server.metrics.query import Filter, Grouping, Query
from server.metrics.time import Granularity, Period
from server.plugins import build_registry, plugin_manager
from server.schema.build import limit_extensions
from server.security.scope import Scope
from server.settings import Limits


def test_limit_rules_are_the_same_classes_for_every_request() -> None:
    # strawberry's validation cache is keyed by the validation rules: new rule classes per
    # request would validate every document again
    factories = limit_extensions(Limits())
    first = [factory() for factory in factories]
    second = [factory() for factory in factories]
    rules = [getattr(e, "validation_rules", None) for e in first]
    assert rules == [getattr(e, "validation_rules", None) for e in second]
    assert any(rules)


def test_compiled_plans_are_reused_per_queries() -> None:
    registry = build_registry(plugin_manager())
    scope = Scope("acme")

    def queries(day: int) -> list[Query]:
        period = Period(date(2026, 1, day), date(2026, 1, day), "UTC")
        fields = frozenset({(("csat", ()), "score")})
        return [
            Query(scope, Filter(period), Grouping(), fields),
            Query(scope, Filter(period), Grouping((), Granularity.DAY), fields),
        ]

    once = compile_queries(queries(1), registry, split_metrics=True, share_scans=True)
    again = compile_queries(queries(1), registry, split_metrics=True, share_scans=True)
    assert again is once
    other = compile_queries(queries(2), registry, split_metrics=True, share_scans=True)
    assert other is not once
    unshared = compile_queries(queries(1), registry, split_metrics=True, share_scans=False)
    assert len(unshared.selects) == 2 and len(once.selects) == 1
