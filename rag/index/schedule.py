"""Re-indexing on a schedule: rounds at a jittered period that never overlap, until asked to stop.

``run_every`` is the loop; the shell (``scripts/reindex.py --every 15m``) gives it a round to run, a
``threading.Event`` that SIGTERM sets, and a place to log each round's summary line. A round that
outlasts the period is followed by the next at once, never run beside it; a stop request ends the
wait at once and a running round between two articles.
"""

from __future__ import annotations

from collections.abc import Callable
import random
import re
import threading
import time

from rag.core.errors import NewsragError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PERIOD = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.I)


def parse_period(text: str) -> float:
    """Seconds in a period like ``90s``, ``15m``, ``1.5h``, ``1d`` (a bare number is minutes)."""
    m = _PERIOD.match(text or "")
    if not m or float(m.group(1)) <= 0:
        raise NewsragError(f"--every {text!r} is not a period", hint="write it like 30s, 15m, 2h or 1d")
    return float(m.group(1)) * _UNITS[(m.group(2) or "m").lower()]


def next_wait(period: float, jitter: float, elapsed: float, rng: random.Random) -> float:
    """Seconds to wait after a round that took ``elapsed``: the period, shifted by up to ±``jitter`` of
    it (so several schedules do not hit the same feeds in step), less the round's own time."""
    return max(0.0, period * (1 + rng.uniform(-jitter, jitter)) - elapsed)


def run_every(period: float, round_fn: Callable[[int], str], stop: threading.Event,
              log: Callable[[str], None], jitter: float = 0.1, rounds: int | None = None,
              seed: int | None = None) -> int:
    """Run ``round_fn(n)`` (it returns the round's summary line) every ``period`` seconds until ``stop``
    is set (or ``rounds`` rounds ran); returns the number of rounds run. A round that raises a
    ``NewsragError`` (another re-index holds the index, say) is logged and the schedule goes on."""
    rng = random.Random(seed)
    n = 0
    while not stop.is_set() and (rounds is None or n < rounds):
        n += 1
        started = time.monotonic()
        try:
            line = round_fn(n)
        except NewsragError as exc:
            line = f"failed: {exc.message}" + (f" ({exc.hint})" if exc.hint else "")
        took = time.monotonic() - started
        log(f"{time.strftime('%Y-%m-%dT%H:%M:%S%z')} round {n} ({took:.1f} s): {line}")
        if rounds is not None and n >= rounds:
            break
        stop.wait(next_wait(period, jitter, took, rng))
    return n
