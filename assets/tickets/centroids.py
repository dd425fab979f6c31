"""Cluster centroids kept per day under ``state/root_cause_clusters/<day>.npz`` (ids and unit
vectors) so that the next day's clusters can be matched to them."""

from datetime import date, timedelta

import numpy as np

from resources.storage import LakehouseStorage

LOOKBACK_DAYS = 7  # a day without clusters (or not run) does not break the chain of ids


def _path(storage: LakehouseStorage, day: date):
    return storage.state("root_cause_clusters", f"{day.isoformat()}.npz")


def save_centroids(storage: LakehouseStorage, day: date, centroids: dict[str, np.ndarray]) -> None:
    path = _path(storage, day)
    path.parent.mkdir(parents=True, exist_ok=True)
    ids = sorted(centroids)
    with path.open("wb") as handle:
        np.savez(
            handle,
            ids=np.array(ids, dtype=str),
            vectors=np.stack([centroids[i] for i in ids]) if ids else np.zeros((0, 0)),
        )


def previous_centroids(storage: LakehouseStorage, day: date) -> dict[str, np.ndarray] | None:
    """The centroids of the newest day before ``day`` (within a week); None if there is none."""
    for back in range(1, LOOKBACK_DAYS + 1):
        path = _path(storage, day - timedelta(days=back))
        if path.exists():
            with path.open("rb") as handle:
                found = np.load(handle)
                return dict(zip(found["ids"].tolist(), found["vectors"]))
    return None
