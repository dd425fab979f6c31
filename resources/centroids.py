"""Cluster centroids kept per asset and day, so the next day's clusters can be matched to them
(root-cause clusters, verbatim topics): ``state/<asset>/<day>.npz`` holding ``ids`` (strings)
and ``vectors`` (one row per id), written atomically."""

from datetime import date, timedelta

import numpy as np

from resources.storage import LakehouseStorage, write_atomic


def _path(storage: LakehouseStorage, asset: str, day: date):
    return storage.state(asset, f"{day.isoformat()}.npz")


def save_centroids(
    storage: LakehouseStorage, asset: str, day: date, centroids: dict[str, np.ndarray]
) -> None:
    ids = sorted(centroids)
    vectors = np.stack([centroids[i] for i in ids]) if ids else np.zeros((0, 0))
    write_atomic(
        _path(storage, asset, day),
        lambda handle: np.savez(handle, ids=np.array(ids, dtype=str), vectors=vectors),
    )


def previous_centroids(
    storage: LakehouseStorage, asset: str, day: date, lookback_days: int = 1
) -> dict[str, np.ndarray] | None:
    """The centroids of the newest day before ``day``, at most ``lookback_days`` back (a day
    without clusters, or not run, then does not break the chain of ids); None if none."""
    for back in range(1, lookback_days + 1):
        path = _path(storage, asset, day - timedelta(days=back))
        if path.exists():
            with path.open("rb") as handle:
                found = np.load(handle)
                return dict(zip(found["ids"].tolist(), found["vectors"]))
    return None
