"""Random codes people type or read out: booking codes, complaint references."""

from __future__ import annotations

import secrets

#: Capital letters and digits without the look-alikes I/O/1/0, easy to read out and to type.
READABLE = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def readable_code(length: int) -> str:
    return "".join(secrets.choice(READABLE) for _ in range(length))
