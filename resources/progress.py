"""Progress lines for long steps: ``what: done/total unit (pct), rate, about N s left``.

Why: a step that runs for minutes without a log line looks hung in the UI (the embeddings of a
90-day backfill ran 15 minutes silently). Wrap the step's main loop, one line changed:

    for day in progress(context.log, "root_cause_clusters", days, unit="days"):

A line is logged after the first item, then at most every ``every_s`` seconds, and at the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


class Progress:
    """Counts done items against a total and logs through ``log.info`` (a Dagster logger) or
    ``log`` itself when it is a plain function of one string (the ``log`` of training code that
    does not import Dagster)."""

    def __init__(
        self,
        log,
        what: str,
        total: int,
        unit: str = "items",
        every_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.log, self.what, self.total, self.unit, self.every_s = log, what, total, unit, every_s
        self.say = log.info if hasattr(log, "info") else log
        self.clock = clock
        self.done = 0
        self.started = clock()
        self.last_logged: float | None = None

    def line(self, now: float | None = None) -> str:
        elapsed = max((self.clock() if now is None else now) - self.started, 1e-9)
        rate = self.done / elapsed
        pct = f" ({100 * self.done / self.total:.0f} %)" if self.total else ""
        text = f"{self.what}: {self.done}/{self.total} {self.unit}{pct}, "
        text += f"{rate:.2f} {self.unit}/s" if rate >= 1 or rate == 0 else f"{1 / rate:.1f} s each"
        if 0 < self.done < self.total and rate > 0:
            text += f", about {(self.total - self.done) / rate:.0f} s left"
        return text + f", {elapsed:.0f} s elapsed"

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = self.clock()
        if self.last_logged is None or now - self.last_logged >= self.every_s or self.done >= self.total:
            self.say(self.line(now))
            self.last_logged = now


def progress(
    log, what: str, items: Iterable[T], total: int | None = None, unit: str = "items", every_s: float = 30.0
) -> Iterator[T]:
    """Yield ``items``, logging progress after each one is processed (see the module doc)."""
    items = list(items) if total is None and not hasattr(items, "__len__") else items
    tracker = Progress(log, what, len(items) if total is None else total, unit, every_s)
    for item in items:
        yield item
        tracker.advance()
