"""The execution context of every request: graphql-core's, with long lists completed in turns
(slicing.py) and plain objects completed in one step (plain_objects.py)."""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from graphql import GraphQLObjectType, GraphQLSchema
from graphql.pyutils import Path

from server.schema.plain_objects import PlainFields, PlainObjects, complete_plain
from server.schema.slicing import SlicedExecutionContext

# One per schema: tests build several, each with its own types.
_PLAIN: WeakKeyDictionary[GraphQLSchema, PlainObjects] = WeakKeyDictionary()


class ExecutionContext(SlicedExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Strawberry gives every request a manager, empty unless an extension resolves fields.
        manager = self.middleware_manager
        self._plain = None if manager and manager.middlewares else _plain_objects(self.schema)
        # graphql-core collects a list's items' selection once: (that selection, its fields)
        # by the selection's id, holding it so that the id stays its own.
        self._selections: dict[int, tuple[Any, PlainFields | None]] = {}

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        if self._plain is not None:
            known = self._selections.get(id(grouped_field_set))
            if known is None:
                selected = tuple(
                    (response_name, details[0].node.name.value)
                    for response_name, details in grouped_field_set.items()
                )
                known = (grouped_field_set, self._plain.fields(parent_type, selected))
                self._selections[id(grouped_field_set)] = known
            fields = known[1]
            if fields is not None:
                completed = complete_plain(source_value, fields)
                if completed is not None:
                    return completed
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )


def _plain_objects(schema: GraphQLSchema) -> PlainObjects:
    plain = _PLAIN.get(schema)
    if plain is None:
        plain = _PLAIN[schema] = PlainObjects()
    return plain
