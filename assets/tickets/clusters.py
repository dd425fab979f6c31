"""``root_cause_clusters``: each day, UMAP + HDBSCAN over the ticket embeddings of the last
``window_days`` days; c-TF-IDF keywords label each cluster, its most central tickets represent
it. A cluster keeps the id of the previous day's cluster whose centroid it matches, so ids are
stable; an unmatched one is new (``is_new``), a candidate new root cause, when at least
``new_recent_share`` of its tickets are from the last ``novelty_days`` days (one made of older
tickets is the clustering redrawn). ``is_growing``: the last 7 days hold at least
``growth_factor`` times the tickets of the 7 days before.

A burst of a few tickets a day is too small to be a density cluster of its own for days and
hides in its nearest cluster. So tickets of the last ``novelty_days`` days whose nearest earlier
ticket is below ``novelty`` cosine, or whose near-duplicates come ``novelty_growth`` times
faster than before (a group of them must then be unlikely at the earlier pace), and that are
``novelty_link`` alike among themselves, form a cluster of their own from ``novelty_min_size``
tickets (resources/nlp/topics.novel_groups), unless the group already is most of a cluster.
This runs after the weekly cadence's result, on carried days too. Exact cosines, no seed, the
same on any CPU. bench/tickets.py measures the detection and false-alarm rates.
"""

from datetime import date, timedelta

import dagster as dg
import numpy as np
import polars as pl

from assets.cadence import Cadence
from assets.lake import daily_lake_asset, lake_checks
from resources.calendar import context_days, days_through
from resources.centroids import previous_centroids, save_centroids
from resources.ml_schemas import ROOT_CAUSE_CLUSTERS
from resources.nlp.stopwords import stop_words
from resources.nlp.topics import ClusterResult, carve_groups, cluster_documents, match_clusters, novel_groups
from resources.progress import progress
from resources.storage import LakehouseStorage

ASSET = ROOT_CAUSE_CLUSTERS.asset  # its centroids: resources/centroids.py


class ClusterConfig(dg.Config):
    window_days: int = 30
    min_cluster_size: int = 10
    umap_dims: int = 5
    match_threshold: float = 0.8
    growth_factor: float = 2.0
    seed: int = 42
    novelty_days: int = 7
    novelty: float = 0.7
    novelty_link: float = 0.8
    novelty_min_size: int = 4
    novelty_growth: float = 3.0  # near-duplicates this much faster than before: a candidate too
    new_recent_share: float = 0.5  # "new" only if this share of the cluster is from novelty_days
    backfill_cadence_days: int = 7  # in runs of over 14 days, cluster weekly (assets/cadence.py)


def describe(
    window: pl.DataFrame,
    found: ClusterResult,
    ids: dict[int, str],
    day: date,
    is_new: set[int],
    config: ClusterConfig,
) -> pl.DataFrame:
    """One row per cluster of ``found`` (outliers left out)."""
    rows = []
    week, before = day - timedelta(days=7), day - timedelta(days=14)
    for c in sorted(found.centroids):
        members = window.filter(pl.Series(found.labels == c))
        recent = members.filter(pl.col("partition_date") > week).height
        previous = members.filter(pl.col("partition_date").is_between(before, week, closed="right")).height
        apps = members["application"].drop_nulls().mode().sort()
        keywords = found.keywords.get(c, [])
        rows.append(
            {
                "cluster_id": ids[c],
                "label": " / ".join(keywords[:3]) or ids[c],
                "keywords": ", ".join(keywords),
                "size_window": members.height,
                "size_day": members.filter(pl.col("partition_date") == day).height,
                "representative_numbers": ", ".join(window["number"][i] for i in found.representatives[c]),
                "top_application": apps[0] if apps.len() else None,
                "is_new": c in is_new,
                "is_growing": recent >= config.min_cluster_size
                and recent >= config.growth_factor * max(previous, 1),
                "partition_date": day,
            }
        )
    return pl.DataFrame(rows, schema=ROOT_CAUSE_CLUSTERS.with_partition)


def unclustered(groups: list[np.ndarray], found: ClusterResult) -> list[np.ndarray]:
    """The groups that are not already the bulk of a cluster of ``found`` (half its members or
    more): a cause that HDBSCAN has found shows as growing; carving its recent part out again
    would give it a second, "new" id every day of its rise. A burst hidden in a larger cluster
    (a small part of it) is still carved."""
    kept = []
    for group in groups:
        labels = found.labels[group]
        labels = labels[labels >= 0]
        if labels.size:
            top = np.bincount(labels).argmax()
            if (labels == top).sum() >= 0.5 * (found.labels == top).sum():
                continue
        kept.append(group)
    return kept


def cluster_day(
    embeddings: pl.DataFrame,
    day: date,
    previous: dict[str, np.ndarray] | None,
    config: ClusterConfig,
    cadence: Cadence | None = None,
):
    """(clusters frame, {id: centroid}) of ``day``'s window (with ``cadence``, clusters found on
    an earlier day of a long run may be reused, assets/cadence.py)."""
    window = (
        embeddings.filter(pl.col("partition_date").is_in(days_through(day, config.window_days)))
        .sort("partition_date", "number")
        .unique("number", keep="last", maintain_order=True)
    )
    vectors = window["embedding"].to_numpy() if window.height else np.zeros((0, 1), np.float32)
    texts = window["text"].to_list()
    recent = (window["partition_date"] > day - timedelta(days=config.novelty_days)).to_numpy()

    def fit():
        return cluster_documents(
            vectors,
            texts,
            seed=config.seed,
            min_cluster_size=config.min_cluster_size,
            stop_words=stop_words(),
            umap_dims=config.umap_dims,
        )

    found = cadence.result(day, vectors, fit) if cadence else fit()
    if window.height:  # after the cadence: a burst is carved out on carried days too
        span_ratio = config.novelty_days / max(config.window_days - config.novelty_days, 1)
        groups = novel_groups(
            vectors,
            recent,
            config.novelty,
            config.novelty_link,
            config.novelty_min_size,
            config.novelty_growth,
            span_ratio,
        )
        found = carve_groups(found, vectors, texts, unclustered(groups, found), stop_words())
    ids = match_clusters(
        previous or {}, found.centroids, config.match_threshold, new_prefix=f"RC{day:%Y%m%d}"
    )
    # on the very first day there is nothing to compare with: nothing is "new" yet; an unmatched
    # cluster made mostly of older tickets is the clustering redrawn, not a new root cause
    is_new = {
        c
        for c, i in ids.items()
        if previous is not None
        and i.startswith(f"RC{day:%Y%m%d}-")
        and recent[found.labels == c].mean() >= config.new_recent_share
    }
    frame = describe(window, found, ids, day, is_new, config)
    return frame, {ids[c]: v for c, v in found.centroids.items()}


@daily_lake_asset(
    ROOT_CAUSE_CLUSTERS,
    group_name="tickets",
    deps=["ticket_embeddings"],
    kinds={"umap", "hdbscan"},
    description="Root-cause clusters of the last 30 days of incidents, with stable ids.",
)
def root_cause_clusters(
    context: dg.AssetExecutionContext, config: ClusterConfig, storage: LakehouseStorage
) -> pl.DataFrame:
    days = context_days(context)
    wanted = days_through(days[-1], config.window_days + len(days) - 1)
    embeddings = storage.read_days("ticket_embeddings", wanted, strict=False)
    if embeddings is None:
        raise FileNotFoundError(
            "root_cause_clusters: no ticket_embeddings file in the lake for "
            f"{wanted[0]}..{wanted[-1]}; materialise ticket_embeddings first"
        )
    frames, previous = [], previous_centroids(storage, ASSET, days[0], lookback_days=7)
    cadence = Cadence(days, config.backfill_cadence_days)
    for day in progress(context.log, "root_cause_clusters", days, unit="days"):
        frame, centroids = cluster_day(embeddings, day, previous, config, cadence)
        save_centroids(storage, ASSET, day, centroids)
        frames.append(frame)
        previous = centroids
    out = pl.concat(frames)
    context.add_output_metadata(
        {
            "dagster/row_count": out.height,
            "new_clusters": int(out["is_new"].sum()),
            "growing_clusters": int(out["is_growing"].sum()),
        }
    )
    return out


root_cause_clusters_checks = [
    *lake_checks(ROOT_CAUSE_CLUSTERS),
]
