"""What every GraphQL execution runs inside: the deadline, the response size cap, and the mask
on unexpected errors (SPEC 9).

The deadline covers SQL and Python alike: when it passes the execution task is cancelled, which
cancels its statements (server.db.engine.request_deadline) and frees what it had built; the
client gets an error naming the limit.
"""

from __future__ import annotations

import asyncio
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.db.engine import request_deadline
from server.errors import UserError
from server.responses import error_response
from server.schema.build import internal_error
from server.settings import Limits

logger = logging.getLogger("rapport.app")


class _TooLarge(UserError):
    pass


async def run_guarded(
    app: ASGIApp, limits: Limits, scope: Scope, receive: Receive, send: Send
) -> None:
    """`app`'s answer, held until complete so that a limit can still replace it."""
    held: list[Message] = []
    size = 0

    async def holding(message: Message) -> None:
        nonlocal size
        held.append(message)
        if message["type"] == "http.response.body":
            size += len(message.get("body", b""))
            if size > limits.max_response_bytes:
                raise _TooLarge(
                    f"response size: the answer is over the limit of "
                    f"{limits.max_response_bytes:,} bytes (ask for fewer rows or fields)"
                )

    seconds = limits.deadline_seconds
    deadline = time.monotonic() + seconds
    request_deadline.set(deadline)
    try:
        await asyncio.wait_for(app(scope, receive, holding), seconds)
        # A stretch of Python that holds the event loop past the deadline (completing a large
        # list) can end the execution before the timeout gets to cancel it: its held answer is
        # late all the same.
        if time.monotonic() > deadline:
            raise TimeoutError
    except TimeoutError:
        logger.warning("deadline: a request ran over %g s and was stopped", seconds)
        message = f"deadline: the request ran over the limit of {seconds:g} s"
        await error_response(200, message)(scope, receive, send)
        return
    except _TooLarge as error:
        await error_response(200, str(error))(scope, receive, send)
        return
    except Exception as error:
        await error_response(500, internal_error(error, "graphql"))(scope, receive, send)
        return
    for message in held:
        await send(message)
