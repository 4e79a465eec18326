"""Errors that are the user's fault: shown as one clear line, never as a traceback."""


class UserError(Exception):
    """A mistake in what the user asked for (bad argument, bad file, unknown id)."""


def shown(value: object, limit: int = 60) -> str:
    """`repr(value)`, cut to about `limit` characters: error messages echo what the user sent, but
    never the whole of a 100 KB value."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"
