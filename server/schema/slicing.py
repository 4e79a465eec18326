"""Completing long lists in turns, so that one large report does not hold the event loop.

graphql-core completes the items of a list in one stretch of Python: a breakdown of 1,000 groups,
each with its metric fields, is a quarter of a second on an idle machine and seconds on a loaded
one, during which no other request of the process moves (not even `/healthz`). Here the long
lists of one request take turns: whichever list is completing works for at most `TURN` seconds,
then waits in line while the loop serves everything else once; then the next in line works.
One list works per pass of the loop, however many a request has (aliases, a series in each of
1,000 groups), so a light request waits a few milliseconds per pass, not the report's whole time.
The cost budget (server/schema/cost.py) bounds the total; this bounds each stretch.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any

from graphql import GraphQLOutputType, GraphQLResolveInfo
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

TURN = 0.0005  # seconds of list completion per pass of the event loop (about 4% slower alone)
SHORT = 16  # lists up to this long are completed at once, as graphql-core does


class Turns:
    """The line in which one request's long lists wait for their next turn."""

    def __init__(self) -> None:
        self.ends = time.perf_counter() + TURN
        self.waiting: deque[asyncio.Future[None]] = deque()
        self.called = False  # whether the loop's next pass will start a turn

    def over(self) -> bool:
        return time.perf_counter() > self.ends

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()
        turn = loop.create_future()
        self.waiting.append(turn)
        if not self.called:
            self.called = True
            loop.call_soon(self._start_next)
        await turn
        self.ends = time.perf_counter() + TURN

    def _start_next(self) -> None:
        self.called = False
        while self.waiting:
            turn = self.waiting.popleft()
            if not turn.done():  # (cancelled with its request)
                turn.set_result(None)
                break
        if self.waiting:
            self.called = True
            asyncio.get_running_loop().call_soon(self._start_next)


class SlicedExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.turns = Turns()

    def complete_iterable_value(
        self,
        item_type: GraphQLOutputType,
        field_details_list: Any,
        info: GraphQLResolveInfo,
        path: Path,
        items: Iterable[Any],
        position_context: Any,
    ) -> Any:
        streamed = self.get_stream_usage(field_details_list, path) is not None
        if streamed or not isinstance(items, Sequence) or len(items) <= SHORT:
            return super().complete_iterable_value(
                item_type, field_details_list, info, path, items, position_context
            )
        return self._complete_in_turns(
            item_type, field_details_list, info, path, items, position_context
        )

    async def _complete_in_turns(
        self,
        item_type: GraphQLOutputType,
        field_details_list: Any,
        info: GraphQLResolveInfo,
        path: Path,
        items: Sequence[Any],
        position_context: Any,
    ) -> list[Any]:
        completed: list[Any] = []
        pending: list[int] = []  # indices whose completion is still an awaitable
        for index, item in enumerate(items):
            if self.turns.over():
                await self.turns.wait()
            item_path = path.add_key(index, None)
            if self.is_awaitable(item):
                completed.append(
                    self.complete_awaitable_list_item_value(
                        item, item_type, field_details_list, info, item_path, position_context
                    )
                )
                pending.append(index)
            elif self.complete_list_item_value(
                item, completed, item_type, field_details_list, info, item_path, position_context
            ):
                pending.append(index)
        if pending:
            # together, as graphql-core does, so that DataLoaders batch the items' lookups
            results = await asyncio.gather(*(completed[index] for index in pending))
            for index, result in zip(pending, results, strict=True):
                completed[index] = result
        return completed
