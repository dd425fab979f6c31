"""``verbatim_topics`` and ``verbatim_topic_assignments``: BERTopic-style topics of the verbatims
of a rolling window, recomputed each day.

Each day: the answers of the ``window_days`` days up to it are embedded (resource
``embedding_model``), reduced with UMAP and clustered with HDBSCAN; c-TF-IDF with French and
English stop words gives each topic its keywords and a readable label (resources/nlp/topics.py).
A topic keeps its id from day to day when its centroid matches the day before's
(``match_threshold`` cosine), so trends per topic and day can be followed; centroids are kept
under state/verbatim_topics/ (resources/centroids.py). A topic is emerging when it is new or when its size today exceeds
``emerging_ratio`` times its daily average over the window, with at least ``emerging_min``
answers today. Assignments give each answer of the day its topic (outliers have none).
"""

from datetime import date, timedelta

import dagster as dg
import numpy as np
import polars as pl

from assets.cadence import Cadence
from assets.lake import daily_lake_multi_asset, lake_checks
from assets.verbatims.common import embed_answers, texts_of_days
from resources.calendar import context_days, days_before
from resources.centroids import previous_centroids, save_centroids
from resources.ml_schemas import VERBATIM_TOPIC_ASSIGNMENTS, VERBATIM_TOPICS
from resources.nlp.embeddings import EmbeddingModel
from resources.nlp.stopwords import stop_words
from resources.nlp.topics import cluster_documents, match_clusters
from resources.progress import progress
from resources.storage import LakehouseStorage

ASSET = VERBATIM_TOPICS.asset  # its centroids: resources/centroids.py


class TopicsConfig(dg.Config):
    window_days: int = 28
    min_cluster_size: int = 15
    seed: int = 42
    umap_dims: int = 5
    match_threshold: float = 0.8
    emerging_ratio: float = 2.0
    emerging_min: int = 5
    backfill_cadence_days: int = 7  # in runs of over 14 days, topics found weekly (assets/cadence.py)


def readable_label(keywords: list[str], n: int = 3) -> str:
    """The first ``n`` keywords that do not repeat one another ("appli plante" covers "appli")."""
    picked: list[str] = []
    for word in keywords:
        if not any(word in p or p in word for p in picked):
            picked.append(word)
        if len(picked) == n:
            break
    return ", ".join(picked).capitalize() if picked else "(sans mots-clés)"


def topics_of_day(
    day: date,
    window: pl.DataFrame,
    vectors: np.ndarray,
    previous: dict[str, np.ndarray],
    config: TopicsConfig,
    cadence: Cadence | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, np.ndarray]]:
    """Topics of the window ending on ``day``, the day's assignments and the topic centroids
    (with ``cadence``, topics found on an earlier day of a long run may be reused)."""

    def fit():
        return cluster_documents(
            vectors,
            window["text"].to_list(),
            seed=config.seed,
            min_cluster_size=config.min_cluster_size,
            stop_words=stop_words(),
            umap_dims=config.umap_dims,
        )

    result = cadence.result(day, vectors, fit) if cadence else fit()
    ids = match_clusters(previous, result.centroids, config.match_threshold, new_prefix=f"T{day:%Y%m%d}")
    labelled = window.with_columns(topic=pl.Series(result.labels))
    today = labelled["partition_date"] == day
    n_days = max(window["partition_date"].n_unique(), 1)
    rows = []
    for c, topic_id in sorted(ids.items()):
        size_window = int((labelled["topic"] == c).sum())
        size_day = int(((labelled["topic"] == c) & today).sum())
        daily_mean = (size_window - size_day) / max(n_days - 1, 1)
        emerging = size_day >= config.emerging_min and (
            topic_id.startswith(f"T{day:%Y%m%d}") or size_day > config.emerging_ratio * daily_mean
        )
        keywords = result.keywords.get(c, [])
        rows.append(
            (topic_id, readable_label(keywords), ", ".join(keywords), size_window, size_day, emerging, day)
        )
    topics = pl.DataFrame(rows, schema=VERBATIM_TOPICS.with_partition, orient="row")
    # An explicit String mapping: ``replace_strict`` with an empty mapping (a day without
    # answers, or only outliers) returns the Int64 labels unchanged and breaks the concat.
    names = pl.DataFrame(
        {"topic": list(ids), "topic_id": list(ids.values())},
        schema={"topic": pl.Int64(), "topic_id": pl.String()},
    )
    assigned = (
        labelled.filter(today & (pl.col("topic") >= 0))
        .with_columns(pl.col("topic").cast(pl.Int64))
        .join(names, on="topic", how="inner", maintain_order="left")
        .select("response_id", "topic_id", "partition_date")
        .cast(VERBATIM_TOPIC_ASSIGNMENTS.with_partition)
    )
    return topics, assigned, {ids[c]: v for c, v in result.centroids.items()}


@daily_lake_multi_asset(
    [VERBATIM_TOPICS, VERBATIM_TOPIC_ASSIGNMENTS],
    descriptions={
        VERBATIM_TOPICS.asset: "Topics of the rolling window, per day: label, keywords, size in "
        "the window and on the day, emerging flag.",
        VERBATIM_TOPIC_ASSIGNMENTS.asset: "The topic of each answer of the day (outliers have none).",
    },
    kinds={"polars"},
    deps=["raw_verbatims"],
    group_name="verbatims",
)
def verbatim_topics(
    context: dg.AssetExecutionContext,
    config: TopicsConfig,
    storage: LakehouseStorage,
    embedding_model: EmbeddingModel,
):
    days = context_days(context)
    answers = texts_of_days(storage, days_before(days[0], config.window_days - 1) + days)
    vectors = embed_answers(storage, embedding_model, answers)
    previous = previous_centroids(storage, ASSET, days[0]) or {}
    topics, assigned, cadence = [], [], Cadence(days, config.backfill_cadence_days)
    for day in progress(context.log, "verbatim_topics", days, unit="days"):
        start = day - timedelta(days=config.window_days - 1)
        mask = ((answers["partition_date"] >= start) & (answers["partition_date"] <= day)).to_numpy()
        day_topics, day_assigned, previous = topics_of_day(
            day, answers.filter(mask), vectors[mask], previous, config, cadence
        )
        save_centroids(storage, ASSET, day, previous)
        topics.append(day_topics)
        assigned.append(day_assigned)
    topics_frame = pl.concat(topics).cast(VERBATIM_TOPICS.with_partition)
    last = topics_frame.filter(pl.col("partition_date") == days[-1]).sort("size_window", descending=True)
    yield dg.Output(
        topics_frame,
        output_name="verbatim_topics",
        metadata={
            "dagster/row_count": topics_frame.height,
            "embedding_model": embedding_model.model_id,
            "topics_last_day": last.height,
            "emerging_last_day": int(last["is_emerging"].sum()),
            "last_day": dg.MetadataValue.md(
                last.drop("partition_date").to_pandas().to_markdown(index=False) if last.height else "_none_"
            ),
        },
    )
    assigned_frame = pl.concat(assigned).cast(VERBATIM_TOPIC_ASSIGNMENTS.with_partition)
    yield dg.Output(
        assigned_frame,
        output_name="verbatim_topic_assignments",
        metadata={"dagster/row_count": assigned_frame.height},
    )


verbatim_topics_checks = [
    *lake_checks(VERBATIM_TOPICS),
    *lake_checks(VERBATIM_TOPIC_ASSIGNMENTS),
]
