"""Long backfills: weekly clustering anchored on fixed Mondays, embeddings cached per incident,
progress lines in long loops."""

from datetime import UTC, date, datetime, timedelta

import dagster as dg
import numpy as np
import polars as pl
import pytest

from assets.cadence import ANCHOR, Carried, clustering_days
from assets.tickets.embeddings import cached_embeddings, embed_incidents
from definitions import build_definitions
from resources.calendar import RANGE_END_TAG, RANGE_START_TAG
from resources.nlp.topics import cluster_documents
from resources.progress import Progress, progress
from resources.storage import LakehouseStorage, write_parquet_atomic

FIRST, LAST = date(2024, 9, 1), date(2024, 9, 20)  # 20 days: a long run


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def test_clustering_days_are_fixed_mondays_plus_the_ends_of_a_long_run():
    short = _days(date(2024, 9, 10), date(2024, 9, 20))
    assert clustering_days(short) == set(short)  # daily runs cluster every day
    days = _days(FIRST, LAST)
    chosen = clustering_days(days)
    assert chosen == {FIRST, date(2024, 9, 2), date(2024, 9, 9), date(2024, 9, 16), LAST}
    assert all(d.weekday() == 0 for d in chosen - {FIRST, LAST}) and ANCHOR.weekday() == 0
    # the anchors do not depend on where the range starts
    wider = clustering_days(_days(FIRST - timedelta(days=5), LAST + timedelta(days=9)))
    assert chosen - {FIRST, LAST} <= wider


def test_carried_clusters_take_their_own_members_and_leave_far_documents_out():
    rng = np.random.default_rng(1)
    centres = np.eye(16)[:3] * 4
    vectors = np.vstack([c + rng.normal(scale=0.2, size=(30, 16)) for c in centres])
    texts = [f"{w} {w}s panne" for w in ("disque", "reseau", "badge") for _ in range(30)]
    found = cluster_documents(vectors, texts, seed=0, min_cluster_size=10, umap_dims=3)
    assert len(found.centroids) == 3
    carried = Carried.of(found, vectors)
    later = np.vstack([vectors[::3] + rng.normal(scale=0.01, size=(30, 16)), np.eye(16)[[10]] * 4])
    again = carried.assign(later)
    same, before = again.labels[:30], found.labels[::3]
    assert ((same == before) | (same == -1)).all()  # never another cluster
    assert (same == before).mean() >= 0.85  # within the radius of 95 % of the members
    assert again.labels[30] == -1  # unlike every cluster: an outlier
    assert again.keywords == found.keywords and set(again.centroids) == set(found.centroids)


def _run(root, selection, first, last):
    defs = build_definitions(root=str(root), mode="demo")
    config = {"root_cause_clusters": {"config": {"min_cluster_size": 8}}}
    return dg.materialize(
        [*defs.assets],
        selection=selection,
        resources=defs.resources,
        tags={RANGE_START_TAG: first.isoformat(), RANGE_END_TAG: last.isoformat()},
        run_config={"ops": {k: v for k, v in config.items() if k in selection}},
    )


THEMES = ("disque plein volume saturé", "réseau coupure switch", "badge accès porte refusé")


def _embeddings_of(day: date, rng: np.random.Generator) -> pl.DataFrame:
    """12 tickets a day in three themes; the third theme only from 2024-09-10 (a new cause)."""
    rows = []
    for theme, words in enumerate(THEMES):
        if theme == 2 and day < date(2024, 9, 10):
            continue
        for i in range(6):
            vector = np.eye(16)[theme] * 4 + rng.normal(scale=0.3, size=16)
            rows.append(
                (
                    f"INC{day:%m%d}{theme}{i}",
                    datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
                    f"APP-{theme}",
                    f"{words} {i}",
                    "synthetic",
                    (vector / np.linalg.norm(vector)).astype(np.float32).tolist(),
                )
            )
    return pl.DataFrame(
        rows,
        orient="row",
        schema={
            "number": pl.String(),
            "opened_at": pl.Datetime("us", "UTC"),
            "application": pl.String(),
            "text": pl.String(),
            "model_id": pl.String(),
            "embedding": pl.Array(pl.Float32(), 16),
        },
    )


@pytest.fixture(scope="module")
def clustered(tmp_path_factory):
    """Synthetic embeddings in the lake (no model), then the real root_cause_clusters asset."""
    root = tmp_path_factory.mktemp("cadence") / "appops_home"
    storage, rng = LakehouseStorage(root=str(root)), np.random.default_rng(7)
    for day in _days(FIRST - timedelta(days=29), LAST):
        write_parquet_atomic(
            _embeddings_of(day, rng).with_columns(partition_date=pl.lit(day)),
            storage.lake_file("ticket_embeddings", day),
        )
    assert _run(root, ["root_cause_clusters"], FIRST, LAST).success
    return root


def _clusters(root) -> pl.DataFrame:
    return LakehouseStorage(root=str(root)).read_days("root_cause_clusters", _days(FIRST, LAST), strict=False)


def test_days_between_anchors_keep_the_anchor_clusters_with_their_own_sizes(clustered):
    clusters = _clusters(clustered)
    monday = clusters.filter(pl.col("partition_date") == date(2024, 9, 16))
    assert monday.height
    for day in _days(date(2024, 9, 17), date(2024, 9, 19)):
        carried = clusters.filter(pl.col("partition_date") == day)
        assert set(carried["cluster_id"]) <= set(monday["cluster_id"])
        assert not carried["is_new"].any()  # a cluster is new only on the day it is found
        same = carried.join(monday, on="cluster_id", suffix="_monday")
        assert same.height == carried.height
        assert (same["keywords"] == same["keywords_monday"]).all()
    later = clusters.filter(pl.col("partition_date").is_between(date(2024, 9, 17), date(2024, 9, 19)))
    per_day = later.group_by("partition_date").agg(pl.col("size_day").sum())["size_day"]
    assert per_day.len() == 3 and all(14 <= n <= 18 for n in per_day)  # the day's own 18 tickets,
    # assigned to the Monday's clusters (those beyond a cluster's 95 % radius are outliers)
    badge = clusters.filter(pl.col("keywords").str.contains("badge"))
    assert badge["is_new"].any() and badge.filter("is_new")["partition_date"].min() >= date(2024, 9, 10)


def test_rerunning_a_long_backfill_replaces_it_exactly(clustered):
    before = _clusters(clustered)
    assert _run(clustered, ["root_cause_clusters"], FIRST, LAST).success
    assert _clusters(clustered).equals(before)


class _CountingModel:
    model_id = "counting"

    def __init__(self):
        self.encoded: list[str] = []

    def encode(self, texts):
        self.encoded += list(texts)
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32).reshape(len(texts), 2)


def test_an_incident_updated_again_with_the_same_text_is_encoded_once(tmp_path):
    root = tmp_path / "appops_home"
    assert _run(root, ["raw_incidents", "ticket_embeddings"], LAST - timedelta(days=1), LAST).success
    storage = LakehouseStorage(root=str(root))
    raw = storage.read_days("raw_incidents", [LAST], strict=False)
    model, cache = _CountingModel(), {}
    first = embed_incidents(raw, model, cache)
    assert len(model.encoded) == first.height
    updated = raw.with_columns(partition_date=pl.lit(LAST + timedelta(days=1)))
    second = embed_incidents(updated, model, cache)
    assert len(model.encoded) == first.height  # nothing encoded again
    assert second["embedding"].to_list() == first["embedding"].to_list()
    # across runs the lake is the cache: the days before the run, same model only
    day_before = storage.read_days("ticket_embeddings", [LAST - timedelta(days=1)], strict=False)
    model_id = day_before["model_id"][0]
    from_lake = cached_embeddings(storage, LAST, model_id)
    assert set(zip(day_before["number"], day_before["text"])) <= set(from_lake)
    assert all(v.shape == (384,) for v in from_lake.values())
    assert cached_embeddings(storage, LAST, "another-model") == {}


class _Log:
    def __init__(self):
        self.lines: list[str] = []

    def info(self, line: str) -> None:
        self.lines.append(line)


def test_progress_lines_say_done_total_and_rate():
    ticks = iter(range(0, 1000, 10))
    log = _Log()
    tracker = Progress(log, "verbatim_topics", 9, unit="days", every_s=25, clock=lambda: float(next(ticks)))
    for _ in range(9):
        tracker.advance()
    assert log.lines[0].startswith("verbatim_topics: 1/9 days (11 %), 10.0 s each")
    assert "about 80 s left" in log.lines[0]
    assert log.lines[-1].startswith("verbatim_topics: 9/9 days (100 %)")
    assert 3 <= len(log.lines) <= 5  # throttled, not one line per item
    assert list(progress(_Log(), "x", iter([1, 2, 3]))) == [1, 2, 3]


def test_verbatim_topics_between_anchors_keep_the_anchor_topics():
    from assets.cadence import Cadence
    from assets.verbatims.topics import TopicsConfig, topics_of_day

    config, rng = TopicsConfig(min_cluster_size=5), np.random.default_rng(3)
    days = _days(FIRST, LAST)
    cadence, previous, found = Cadence(days), {}, {}
    for day in days:
        vectors = np.vstack([np.eye(16)[t] * 4 + rng.normal(scale=0.3, size=(8, 16)) for t in range(3)])
        window = pl.DataFrame(
            {
                "response_id": [f"R{day:%d}-{i}" for i in range(24)],
                "text": [f"{THEMES[i // 8]} {i}" for i in range(24)],
                "partition_date": [day] * 24,
            }
        )
        topics, assigned, previous = topics_of_day(day, window, vectors, previous, config, cadence)
        found[day] = (topics, assigned)
    monday = set(found[date(2024, 9, 16)][0]["topic_id"])
    assert len(monday) == 3
    for day in _days(date(2024, 9, 17), date(2024, 9, 19)):
        topics, assigned = found[day]
        assert set(topics["topic_id"]) == monday  # the same topics, no new id
        assert set(assigned["topic_id"]) <= monday and assigned.height >= 18
