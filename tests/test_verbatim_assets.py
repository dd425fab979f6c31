"""Verbatim assets on demo answers: score classes, the satisfaction model against chance and
its baseline, range runs, contradictions, entities, reproducible topics, extractive summaries."""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg
import numpy as np
import polars as pl
import pytest

from assets.verbatims import sentiment_model as sm
from assets.verbatims.common import score_class, texts_of_days
from assets.verbatims.gazetteer import Gazetteer
from assets.verbatims.sentiment import predict_days
from assets.verbatims.summaries import central_texts
from definitions import build_definitions
from resources.calendar import RANGE_END_TAG, RANGE_START_TAG
from resources.ml_schemas import VERBATIM_SENTIMENT, VERBATIM_TOPICS
from resources.model_registry import ModelRegistry
from resources.storage import LakehouseStorage, read_parquet
from resources.text_models.evaluation import macro_f1
from resources.text_models.setfit_candidate import SetFitText

TFIDF = {"ops": {"verbatim_sentiment": {"config": {"candidates": ["tfidf", "tfidf_chars"]}}}}
SMALL_TOPICS = {"window_days": 7, "min_cluster_size": 8}


def _range(first: str, last: str) -> dict[str, str]:
    return {RANGE_START_TAG: first, RANGE_END_TAG: last}


def _run(root, selection, tags=None, partition_key=None, run_config=None):
    defs = build_definitions(root=str(root), mode="demo")
    result = dg.materialize(
        [*defs.assets, *defs.asset_checks],
        selection=selection,
        tags=tags,
        partition_key=partition_key,
        resources=defs.resources,
        run_config=run_config or {},
    )
    assert result.success
    return result


def _lake(root, asset, day):
    return read_parquet(LakehouseStorage(root=str(root)).lake_file(asset, day))


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory):
    """Five weeks of demo answers, then sentiment, entities, topics and summaries of the last
    three days (one range run, with their checks)."""
    root = tmp_path_factory.mktemp("verbatims") / "home"
    root.mkdir()
    _run(root, ["raw_verbatims"], tags=_range("2024-02-01", "2024-03-06"))
    config = {"ops": {**TFIDF["ops"], "verbatim_topics": {"config": SMALL_TOPICS}}}
    outputs = [
        "verbatim_sentiment",
        "verbatim_entities",
        "verbatim_topics",
        "verbatim_topic_assignments",
        "topic_summaries",
    ]
    result = _run(root, outputs, tags=_range("2024-03-04", "2024-03-06"), run_config=config)
    contracts = {
        e.asset_key.path[-1]: e.passed
        for e in result.get_asset_check_evaluations()
        if e.check_name == "data_contract"
    }
    assert contracts == dict.fromkeys(outputs, True)  # GX contracts of every output, passed
    return root


def test_score_class_follows_nps_on_10_and_thirds_on_5():
    frame = pl.DataFrame(
        {"score": [0, 6, 7, 8, 9, 10, 1, 2, 3, 4, 5, None], "score_scale": [10] * 6 + [5] * 5 + [10]}
    )
    assert frame.select(score_class().alias("c"))["c"].to_list() == [
        "detractor",
        "detractor",
        "passive",
        "passive",
        "promoter",
        "promoter",
        "negative",
        "negative",
        "neutral",
        "positive",
        "positive",
        None,
    ]


def test_sentiment_output_schema_model_artifact_and_beats_chance(demo_root):
    frame = _lake(demo_root, "verbatim_sentiment", date(2024, 3, 5))
    assert frame.schema == pl.Schema(VERBATIM_SENTIMENT.with_partition)
    assert frame.height > 30 and frame["confidence"].is_between(0, 1).all()
    storage = LakehouseStorage(root=str(demo_root))
    registry = ModelRegistry(str(demo_root))
    assert frame["model_version"].unique().to_list() == [registry.alias(sm.MODEL, "champion")]
    tags = registry.version_tags(sm.MODEL, frame["model_version"][0])
    assert tags["trained_in_sample"] == "False" and tags["block_start"] <= "2024-03-05"
    truth = texts_of_days(storage, [date(2024, 3, 5)]).join(frame, on="response_id")
    accuracy = (truth["label"] == truth["predicted_class"]).mean()
    majority = truth["label"].value_counts()["count"].max() / truth.height
    assert accuracy > majority + 0.1, (accuracy, majority)


def test_sentiment_range_run_equals_one_day_run(demo_root, tmp_path):
    other = tmp_path / "home"
    other.mkdir()
    _run(other, ["raw_verbatims"], tags=_range("2024-02-01", "2024-03-06"))
    _run(other, ["verbatim_sentiment"], partition_key="2024-03-05", run_config=TFIDF)
    assert _lake(other, "verbatim_sentiment", date(2024, 3, 5)).equals(
        _lake(demo_root, "verbatim_sentiment", date(2024, 3, 5))
    )


def test_setfit_candidate_beats_chance_and_round_trips_through_the_registry(demo_root, tmp_path):
    storage = LakehouseStorage(root=str(demo_root))
    rows = sm.training_rows(texts_of_days(storage, [date(2024, 2, 1) + timedelta(days=i) for i in range(20)]))
    train, test = rows.head(300), rows.tail(90)
    model = SetFitText(steps=4, pairs_per_class=16).fit(train["text"].to_list(), train["label"].to_list())
    assert macro_f1(test["label"].to_list(), model.predict(test["text"].to_list())) > 0.4  # chance ~0.33
    registry = ModelRegistry(str(tmp_path))
    version = registry.log_version("setfit_toy", model)
    loaded = registry.load("setfit_toy", version)
    texts = ["L'appli plante sans arrêt, très déçu."]
    assert np.allclose(loaded.predict_proba(texts), model.predict_proba(texts), atol=1e-5)


def test_contradiction_flags_a_promoter_whose_text_reads_negative(tmp_path):
    storage = LakehouseStorage(root=str(tmp_path))
    day = date(2024, 3, 4)
    raw = pl.DataFrame(
        {
            "response_id": ["a", "b", "c"],
            "score": [10, 7, 1],
            "score_scale": [10, 10, 5],
            "verbatim": ["nul", "bof", "nul"],
            "channel": "appli",
            "agency": None,
            "product": None,
            "partition_date": day,
        },
        schema_overrides={"agency": pl.String, "product": pl.String},
    )
    storage.lake_dir("raw_verbatims").mkdir(parents=True)
    raw.write_parquet(str(storage.lake_file("raw_verbatims", day)))

    class AlwaysNegative:
        version = "v"

        def predict_with_reasons(self, texts):
            return {"predicted": ["negative"] * len(texts), "confidence": [0.9] * len(texts)}

    frame = predict_days([day], AlwaysNegative(), None, storage, threshold=0.7).sort("response_id")
    assert frame["score_class"].to_list() == ["promoter", "passive", "negative"]
    assert frame["contradiction"].to_list() == [True, False, False]


def test_entities_from_gazetteer_and_patterns(demo_root, tmp_path):
    gazetteer = Gazetteer.load()
    found = gazetteer.find("L'APPLI plante depuis hier, et l'agence de Lyon Part-Dieu est fermée")
    assert ("channel", "appli") in found and ("problem", "application qui plante") in found
    assert ("agency", "Agence Lyon Part-Dieu") in found
    frame = _lake(demo_root, "verbatim_entities", date(2024, 3, 5))
    assert {"channel", "problem"} <= set(frame["entity_type"])
    assert frame["sentiment"].is_in(["negative", "neutral", "positive"]).all()
    custom = tmp_path / "gazetteer.yaml"
    custom.write_text("product:\n  épargne: [livret, PEL]\n", encoding="utf-8")
    assert Gazetteer.load(custom).find("Mon PEL et mon Livret") == [("product", "épargne")]
    custom.write_text("product: [livret]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="gazetteer.yaml.*product"):
        Gazetteer.load(custom)


def test_topics_schema_stable_ids_and_assignments(demo_root):
    days = [date(2024, 3, 4), date(2024, 3, 5)]
    topics = [_lake(demo_root, "verbatim_topics", d) for d in days]
    assert topics[0].schema == pl.Schema(VERBATIM_TOPICS.with_partition)
    assert topics[0].height >= 3 and topics[0]["label"].str.len_chars().min() > 0
    assert set(topics[0]["topic_id"]) & set(topics[1]["topic_id"])  # ids carried over a day
    assigned = _lake(demo_root, "verbatim_topic_assignments", days[1])
    sizes = assigned.group_by("topic_id").len()
    expected = dict(topics[1].select("topic_id", "size_day").iter_rows())
    assert {k: v for k, v in sizes.iter_rows()} == {k: v for k, v in expected.items() if v}


def test_topics_are_reproducible_with_a_fixed_seed(demo_root, tmp_path):
    other = tmp_path / "home"
    other.mkdir()
    _run(other, ["raw_verbatims"], tags=_range("2024-02-26", "2024-03-06"))
    config = {"ops": {"verbatim_topics": {"config": SMALL_TOPICS}}}
    _run(
        other,
        ["verbatim_topics", "verbatim_topic_assignments"],
        tags=_range("2024-03-04", "2024-03-06"),
        run_config=config,
    )
    for asset in ("verbatim_topics", "verbatim_topic_assignments"):
        assert _lake(other, asset, date(2024, 3, 6)).equals(_lake(demo_root, asset, date(2024, 3, 6))), asset


def test_extractive_summaries_skip_duplicates(demo_root):
    vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])
    assert central_texts(["a", "A ", "b", "c"], vectors, k=3) == [2, 0, 3]  # "A " = "a"
    frame = _lake(demo_root, "topic_summaries", date(2024, 3, 6))
    assert frame.height > 0 and (frame["week"] == "2024-W10").all()
    assert (frame["summary_model"] == "extractive").all()
    assert frame["abstractive_summary"].is_null().all()
    for summary, n in frame.select("summary", "n_verbatims").iter_rows():
        parts = summary.split(" • ")
        assert 1 <= len(parts) <= min(3, n) and len(set(parts)) == len(parts)


def test_days_without_answers_give_empty_outputs_without_a_model(root):
    _run(root, ["verbatim_sentiment", "verbatim_entities"], partition_key="2024-03-05", run_config=TFIDF)
    for asset in ("verbatim_sentiment", "verbatim_entities"):
        assert _lake(root, asset, date(2024, 3, 5)).is_empty()
    assert ModelRegistry(str(root)).versions(sm.MODEL) == []
