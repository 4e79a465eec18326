"""The query depth limit of SPEC 9: levels of nested fields, the root field counting as one.

`{ users { id } }` has depth 2. (Strawberry's QueryDepthLimiter counts the root field as 0, so its
limit of 12 let 13 levels through.) Fragments count where they are spread; introspection fields
are not counted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
)


def depth_rule(max_depth: int) -> type[ValidationRule]:
    """A validation rule refusing an operation deeper than `max_depth`."""

    class MaxDepth(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            fragments = {
                d.name.value: d
                for d in self.context.document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            depth = selection_depth(node.selection_set, fragments.get, frozenset(), max_depth)
            if depth > max_depth:
                self.report_error(
                    GraphQLError(
                        f"query depth: more than {max_depth} levels of nested fields, over the "
                        f"limit of {max_depth}",
                        node,
                    )
                )

    return MaxDepth


def selection_depth(
    selection_set: SelectionSetNode | None,
    fragment: Callable[[str], FragmentDefinitionNode | None],
    visiting: frozenset[str],
    stop_above: int,
) -> int:
    """Levels of fields under `selection_set`; counting stops once past `stop_above`, so a
    document made to be deep costs no more than the limit."""
    if selection_set is None or stop_above < 0:
        return 0
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__"):
                continue
            depth = 1 + selection_depth(selection.selection_set, fragment, visiting, stop_above - 1)
        elif isinstance(selection, InlineFragmentNode):
            depth = selection_depth(selection.selection_set, fragment, visiting, stop_above)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            definition = fragment(name)
            if definition is None or name in visiting:  # other rules report these
                continue
            depth = selection_depth(
                definition.selection_set, fragment, visiting | {name}, stop_above
            )
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > stop_above:
            break
    return deepest
