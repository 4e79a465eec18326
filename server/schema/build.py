"""The GraphQL schema: the Query type composed from field sets, with limits and error masking.

`Query` is the union of the classes `query_parts()` returns, each a strawberry type holding some
root fields: records here, reports added beside them. A field declared twice stops the build.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import graphql
import strawberry
from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.tools import merge_types
from strawberry.types import get_object_definition

from server.errors import UserError
from server.plugins import registry
from server.schema.cost import CostEstimator
from server.schema.depth import depth_rule
from server.schema.execution import ExecutionContext
from server.schema.plugin_records import plugin_record_query
from server.schema.records.root import RecordQuery
from server.schema.report.filter import DIMENSIONS
from server.schema.report.metric_fields import resolve_metric_fields_directly
from server.schema.report.root import ReportQuery
from server.schema.strings import check_strings
from server.settings import Limits, Settings, load_settings

logger = logging.getLogger("rapport.errors")


def query_parts() -> tuple[type, ...]:
    """The strawberry types whose fields make up `Query` (the plugins' record lists last)."""
    core = (RecordQuery, ReportQuery)
    core_fields = {
        field.name for part in core for field in get_object_definition(part, strict=True).fields
    }
    plugin_records = plugin_record_query(registry(), core_fields)
    return (*core, *([plugin_records] if plugin_records else []))


def compose_query(parts: tuple[type, ...]) -> type:
    names: dict[str, str] = {}
    for part in parts:
        for field in get_object_definition(part, strict=True).fields:
            if field.name in names:
                raise ValueError(
                    f"Query.{field.name} is declared by both {names[field.name]} and "
                    f"{part.__name__}"
                )
            names[field.name] = part.__name__
    return merge_types("Query", parts)


def limit_extensions(limits: Limits) -> list[Callable[[], SchemaExtension]]:
    """SPEC 9: each rejects an operation with an error that names the limit."""
    # The depth rule and the alias limiter make a new validation rule class per call, and the
    # validation cache is keyed by the rules: made once here, every request reuses them (else
    # every request would validate its document again).
    rules = [
        depth_rule(limits.max_depth),
        *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules,
    ]
    return [
        partial(MaxTokensLimiter, max_token_count=limits.max_tokens),
        partial(AddValidationRules, rules),
    ]


def is_unexpected(error: GraphQLError) -> bool:
    """A bug or an outage, as opposed to a mistake in the request.

    Errors without a path come from parsing, validation or variable coercion: they describe the
    request. Errors on a field are the client's when they are UserErrors or GraphQL errors.
    """
    if error.path is None or error.original_error is None:
        return False
    return not isinstance(error.original_error, UserError | GraphQLError)


def internal_error(error: BaseException, where: str) -> str:
    """Log an unexpected error under a new id; the message the client gets instead."""
    message = f"Internal error (id: {uuid.uuid4()})"
    logger.error("%s in %s", message, where, exc_info=error)
    return message


def timed_out(error: BaseException) -> bool:
    """Whether the statement timeout stopped the statement: PostgreSQL's SQLSTATE 57014, or
    SQLite's "interrupted" (see server.db.engine)."""
    original = getattr(error, "orig", error)  # SQLAlchemy's wrapper, or asyncpg's own error
    if getattr(original, "sqlstate", None) == "57014":
        return True
    return type(original).__name__ == "OperationalError" and str(original) == "interrupted"


class MaskUnexpectedErrors(MaskErrors):
    """Replaces an unexpected error's message with an id, logged with the full exception.

    A statement stopped by the statement timeout is a limit, not a bug: its message says so.
    """

    def __init__(self, limits: Limits) -> None:
        super().__init__(should_mask_error=is_unexpected)
        self.limits = limits

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        assert original is not None  # is_unexpected() holds
        path = ".".join(str(p) for p in error.path or ())
        if timed_out(original):
            seconds = self.limits.statement_timeout_seconds
            logger.warning("statement timeout in %s", path)
            message = f"statement timeout: a SQL statement ran over the limit of {seconds:g} s"
        else:
            message = internal_error(original, path)
        return GraphQLError(
            message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
        )


class CostBudget(SchemaExtension):
    """Refuses, before any resolver runs, a request whose estimated result cells are over the
    budget (server/schema/cost.py)."""

    def __init__(self, limits: Limits, estimator: Callable[[], CostEstimator]) -> None:
        self.limits = limits
        self.estimator = estimator

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.result is None:
            estimate = self.estimator().estimate(
                context.graphql_document, context.operation_name, context.variables
            )
            budget = self.limits.max_cost_cells
            if estimate is not None and estimate.cells > budget:
                message = (
                    f"cost budget: the request would produce {estimate} result cells, over the "
                    f"limit of {budget:,} (see docs/security.md; ask for fewer groups, buckets, "
                    f"entities or aliases)"
                )
                context.result = ExecutionResult(data=None, errors=[GraphQLError(message)])
        yield


class RefuseUnstorableStrings(SchemaExtension):
    """Strings with NUL or lone surrogates are a GraphQL error before any SQL (strings.py)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.result is None:
            try:
                check_strings(context.graphql_document, context.variables)
            except UserError as error:
                context.result = ExecutionResult(data=None, errors=[GraphQLError(str(error))])
        yield


class RapportSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        # Strawberry logs every error here; unexpected ones are logged, with the id the client
        # sees, by MaskUnexpectedErrors, and the rest are the client's mistakes, not the server's.
        return


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    limits = (settings or load_settings()).limits
    estimator: CostEstimator | None = None  # needs the schema's SDL: set just below

    def cost_estimator() -> CostEstimator:
        assert estimator is not None
        return estimator

    schema = RapportSchema(
        query=compose_query(query_parts()),
        execution_context_class=ExecutionContext,
        extensions=[
            *limit_extensions(limits),
            # Dashboards send the same documents again and again: parse and validate them once.
            partial(ParserCache, maxsize=256),
            partial(ValidationCache, maxsize=256),
            RefuseUnstorableStrings,
            partial(CostBudget, limits, cost_estimator),
            partial(MaskUnexpectedErrors, limits),
        ],
    )
    resolve_metric_fields_directly(schema._schema)
    # Read back from SDL: the estimator needs only field types, arguments and their defaults.
    estimator = CostEstimator(graphql.build_schema(schema.as_str()), DIMENSIONS, limits)
    return schema
