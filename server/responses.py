"""HTTP error responses shaped like GraphQL responses, so clients read every error the same way."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"errors": [{"message": message}]}, status_code=status, headers=headers)
