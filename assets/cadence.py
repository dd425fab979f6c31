"""Weekly clustering cadence for long backfills (root-cause clusters, verbatim topics).

Why: UMAP + HDBSCAN over a 30-day window takes seconds per day; a 90-day first backfill spent
minutes re-clustering windows that differ by one day in 30. In a run of more than
``LONG_RUN_DAYS`` days, the windows are clustered afresh only on anchor days, Mondays counted
from a fixed date (so the same range always gives the same anchors and a rerun is exact), and
on the run's first and last day; every other day keeps the clusters of the newest clustered
day before it and assigns its window's documents to them (nearest centroid, within the radius
the cluster had when it was found). Ids, keywords and centroids carry over; sizes, growth and
representatives are the day's own. Daily runs (the schedule, the sensors) cluster every day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np

from resources.nlp.topics import ClusterResult

ANCHOR = date(2023, 1, 2)  # a Monday: clustering days are ANCHOR + k * CADENCE_DAYS
CADENCE_DAYS = 7
LONG_RUN_DAYS = 14
RADIUS_QUANTILE = 0.05  # a document joins a carried cluster if as close as its 95 % closest members


def clustering_days(
    days: list[date], cadence: int = CADENCE_DAYS, long_run: int = LONG_RUN_DAYS
) -> set[date]:
    """The days of a run whose window is clustered afresh (all of them in a short run)."""
    if len(days) <= long_run or cadence <= 1:
        return set(days)
    anchors = {d for d in days if (d - ANCHOR).days % cadence == 0}
    return anchors | {days[0], days[-1]}


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


@dataclass
class Carried:
    """A clustering kept for the following days: keywords, centroids and radii per cluster."""

    keywords: dict[int, list[str]]
    centroids: dict[int, np.ndarray]
    radius: dict[int, float]

    @classmethod
    def of(cls, found: ClusterResult, vectors: np.ndarray) -> Carried:
        unit = _unit(vectors) if len(vectors) else np.zeros((0, 1))
        radius = {}
        for c in found.centroids:
            members = unit[found.labels == c]
            # leave-one-out: a member is compared with the centroid of the others, as a new
            # document will be (a small cluster's own members sit closer to their mean)
            others = _unit(members.sum(axis=0) - members) if len(members) > 1 else members
            radius[c] = float(np.quantile((members * others).sum(axis=1), RADIUS_QUANTILE))
        return cls(dict(found.keywords), dict(found.centroids), radius)

    def assign(self, vectors: np.ndarray) -> ClusterResult:
        """The carried clusters over another window: each document to its nearest centroid
        when within that cluster's radius (else an outlier, -1)."""
        n = len(vectors)
        labels = np.full(n, -1, dtype=int)
        clusters = sorted(self.centroids)
        if n and clusters:
            unit = _unit(vectors)
            sims = unit @ np.stack([self.centroids[c] for c in clusters]).T
            best = sims.argmax(axis=1)
            for i, (j, sim) in enumerate(zip(best, sims[np.arange(n), best], strict=True)):
                if sim >= self.radius[clusters[j]]:
                    labels[i] = clusters[j]
        representatives = {}
        for c in clusters:
            members = np.flatnonzero(labels == c)
            if len(members):
                order = np.argsort(-(_unit(vectors[members]) @ self.centroids[c]), kind="stable")
                representatives[c] = [int(i) for i in members[order[:5]]]
        present = set(representatives)
        return ClusterResult(
            labels=labels,
            keywords={c: k for c, k in self.keywords.items() if c in present},
            representatives=representatives,
            centroids={c: v for c, v in self.centroids.items() if c in present},
        )


class Cadence:
    """Decides, day by day through one run, whether to cluster afresh or carry the last
    clustering over (see the module doc); ``cluster`` is called only on clustering days."""

    def __init__(self, days: list[date], cadence: int = CADENCE_DAYS):
        self.fresh = clustering_days(days, cadence)
        self.carried: Carried | None = None

    def result(self, day: date, vectors: np.ndarray, cluster: Callable[[], ClusterResult]) -> ClusterResult:
        if day in self.fresh or self.carried is None:
            found = cluster()
            self.carried = Carried.of(found, vectors)
            return found
        return self.carried.assign(vectors)
