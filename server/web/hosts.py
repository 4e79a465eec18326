"""Which requests may receive the demo token: those whose Host is a loopback name.

A page of another site whose name resolves to 127.0.0.1 (DNS rebinding) sends its own Host, so it
gets the pages without the token.
"""

from __future__ import annotations


def is_loopback_host(host: str) -> bool:
    """`localhost`, `127.x.y.z` or `[::1]`, with or without a port."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.strip("[]").lower()
    if name in ("localhost", "::1"):
        return True
    parts = name.split(".")
    return (
        len(parts) == 4 and parts[0] == "127" and all(p.isdigit() and int(p) < 256 for p in parts)
    )
