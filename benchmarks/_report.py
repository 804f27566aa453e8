"""What every benchmark prints with: progress on stderr and nearest-rank percentiles."""

from __future__ import annotations

import math
import sys


def say(message: str) -> None:
    """Progress, on stderr, so the report on stdout stays clean."""
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], percentile: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percentile / 100 * len(ordered)) - 1)]
