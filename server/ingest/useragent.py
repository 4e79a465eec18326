"""Browser and OS families of a user agent string (SPEC section 4)."""

from __future__ import annotations

from functools import lru_cache

import ua_parser

UNKNOWN = "Other"


@lru_cache(maxsize=65_536)
def families(user_agent: str | None) -> tuple[str, str]:
    """(browser family, OS family), `Other` when unknown or absent.

    Parsing costs about half a millisecond while imports repeat the same few thousand strings,
    hence the cache.
    """
    if not user_agent:
        return UNKNOWN, UNKNOWN
    browser = ua_parser.parse_user_agent(user_agent)
    system = ua_parser.parse_os(user_agent)
    return (browser.family if browser else UNKNOWN), (system.family if system else UNKNOWN)
