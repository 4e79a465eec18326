"""Errors that are the user's fault: shown as one clear line, never as a traceback."""


class UserError(Exception):
    """A mistake in what the user asked for (bad argument, bad file, unknown id)."""
