"""Completing plain objects in one step: objects whose selected fields are all stored attributes
of scalar or enum type, such as a metric result's `csat { score responses }`.

graphql-core executes every field alike: a resolve info, the resolver, then completion, about
ten microseconds per field. A day series of a year is 365 such objects in each of its series,
and those fields are half of a dashboard's. Here such an object becomes its dict directly:
the attribute read (what strawberry's resolver of a field without one does) and the leaf
type's `coerce_output_value`, as graphql-core's completion would do. Anything else, or anything that
would need an error (a null in a non-null field, a value the scalar refuses, an exception held
as a value), goes the usual way, from the start of that object, so errors and paths are
graphql-core's own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
)
from strawberry.types.field import StrawberryField

# (response name, attribute, serialize, nullable) of each selected field
PlainFields = tuple[tuple[str, str, Callable[[Any], Any], bool], ...]
# A field's shape once known: (attribute, serialize, nullable), or None when it is not plain.
_Shape = tuple[str, Callable[[Any], Any], bool] | None
# graphql-core builds this back reference from strawberry's field definitions.
_DEFINITION = "strawberry-definition"


class PlainObjects:
    """Knows which selections are plain; one per schema, its answers kept."""

    def __init__(self) -> None:
        self._shapes: dict[tuple[str, str], _Shape] = {}
        self._selections: dict[tuple[str, tuple[tuple[str, str], ...]], PlainFields | None] = {}

    def fields(
        self, parent_type: GraphQLObjectType, selected: tuple[tuple[str, str], ...]
    ) -> PlainFields | None:
        """The plain fields of this selection ((response name, field name) pairs), or None."""
        key = (parent_type.name, selected)
        if key not in self._selections:
            self._selections[key] = self._plain(parent_type, selected)
        return self._selections[key]

    def _plain(
        self, parent_type: GraphQLObjectType, selected: tuple[tuple[str, str], ...]
    ) -> PlainFields | None:
        plain = []
        for response_name, field_name in selected:
            shape = self._shape(parent_type, field_name)
            if shape is None:
                return None
            plain.append((response_name, *shape))
        return tuple(plain)

    def _shape(self, parent_type: GraphQLObjectType, field_name: str) -> _Shape:
        key = (parent_type.name, field_name)
        if key not in self._shapes:
            field = parent_type.fields.get(field_name)
            self._shapes[key] = _shape_of(field) if field is not None else None
        return self._shapes[key]


def _shape_of(field: GraphQLField) -> _Shape:
    definition = (field.extensions or {}).get(_DEFINITION)
    if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
        return None
    if field.args or not getattr(field.resolve, "_is_default", False):
        return None
    leaf_type = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    if not isinstance(leaf_type, GraphQLScalarType | GraphQLEnumType):
        return None
    nullable = not isinstance(field.type, GraphQLNonNull)
    return definition.python_name, leaf_type.coerce_output_value, nullable


def complete_plain(source: Any, fields: PlainFields) -> dict[str, Any] | None:
    """The completed object, or None when a field needs graphql-core's own completion."""
    completed: dict[str, Any] = {}
    for response_name, attribute, serialize, nullable in fields:
        value = getattr(source, attribute, Undefined)
        if value is None:
            if not nullable:
                return None
            completed[response_name] = None
            continue
        if value is Undefined or isinstance(value, Exception):
            return None
        try:
            serialized = serialize(value)
        except Exception:  # the usual completion reports it, with its path
            return None
        if serialized is Undefined or serialized is None:
            return None
        completed[response_name] = serialized
    return completed
