"""``verbatim_topics`` over a range whose days have no answer, or only outliers: the day's
assignments keep the String ``topic_id`` so they concatenate with the other days'."""

from datetime import date

import numpy as np
import polars as pl

from assets.verbatims.topics import TopicsConfig, topics_of_day
from resources.ml_schemas import VERBATIM_TOPIC_ASSIGNMENTS, VERBATIM_TOPICS


def _window(n: int, day: date) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "response_id": [f"R{i}" for i in range(n)],
            "text": ["appli plante"] * n,
            "partition_date": [day] * n,
        },
        schema={"response_id": pl.String(), "text": pl.String(), "partition_date": pl.Date()},
    )


def test_empty_day_and_outlier_day_concatenate_with_a_day_that_has_topics():
    config = TopicsConfig(min_cluster_size=3)
    empty_day, outlier_day = date(2025, 3, 1), date(2025, 3, 2)
    outputs = [
        topics_of_day(empty_day, _window(0, empty_day), np.zeros((0, 8)), {}, config),
        topics_of_day(outlier_day, _window(2, outlier_day), np.eye(8)[:2], {}, config),
    ]
    rng = np.random.default_rng(0)
    centres = np.eye(8)[:2] * 5
    vectors = np.vstack([c + rng.normal(scale=0.05, size=(20, 8)) for c in centres])
    busy_day = date(2025, 3, 3)
    outputs.append(topics_of_day(busy_day, _window(40, busy_day), vectors, {}, config))
    assigned = pl.concat([a for _, a, _ in outputs]).cast(VERBATIM_TOPIC_ASSIGNMENTS.with_partition)
    topics = pl.concat([t for t, _, _ in outputs]).cast(VERBATIM_TOPICS.with_partition)
    assert assigned.schema["topic_id"] == pl.String()
    assert outputs[0][1].height == 0 and outputs[1][1].height == 0
    assert assigned["partition_date"].unique().to_list() == [busy_day]
    assert set(assigned["topic_id"]) <= set(topics["topic_id"])
