"""Ticket model training: zero-shot categories, retrain decisions, time-based holdout."""

from datetime import date, datetime, timezone

import polars as pl

from assets.tickets.classifier import ClassifierConfig, evaluation_split, retrain_reason
from assets.tickets.history import with_text
from assets.tickets.taxonomy import CATEGORY_DESCRIPTIONS
from assets.tickets.training import (TrainingParams, labelled, time_split, train_ticket_model,
                                     training_examples)
from resources.demo.tickets import generate
from resources.nlp.embeddings import default_model_path


def demo_history(first_day: int = 1, days: int = 10) -> pl.DataFrame:
    frames = [generate(date(2024, 4, d)) for d in range(first_day, first_day + days)]
    return labelled(with_text(pl.concat(frames)))


def test_a_category_without_labels_is_learnt_zero_shot_from_its_description():
    history = demo_history()
    train = history.filter(pl.col("category") != "network")  # the service desk never labelled it
    params = TrainingParams(model_path=default_model_path(), max_per_label=4, max_steps=4,
                            descriptions=CATEGORY_DESCRIPTIONS)
    texts, labels, zero_shot = training_examples(train, params)
    assert zero_shot == ["network"] and "network" in labels
    model = train_ticket_model(train, params)
    assert model.meta["zero_shot_categories"] == ["network"]
    network = history.filter(pl.col("category") == "network")
    predicted = model.predict(network["text"].to_list())["predicted_category"]
    assert predicted.count("network") / len(predicted) > 1 / 5  # five categories: beats chance


def test_no_zero_shot_when_every_category_has_enough_labels():
    params = TrainingParams(model_path="unused", descriptions=CATEGORY_DESCRIPTIONS)
    assert training_examples(demo_history(days=4), params)[2] == []


def test_time_split_holds_out_the_last_days():
    history = demo_history()
    train, holdout = time_split(history, 3)
    assert train["opened_at"].max() < holdout["opened_at"].min()
    assert holdout["opened_at"].min() >= datetime(2024, 4, 7, tzinfo=timezone.utc)
    assert train.height + holdout.height == history.height


def test_retrain_when_old_drifted_or_new_label_else_keep():
    config = ClassifierConfig(retrain_days=7, label_drift_threshold=0.2)
    meta = {"trained_on": "2024-04-01", "label_shares": {"software": 0.6, "inquiry": 0.4}}
    same = {"software": 0.55, "inquiry": 0.45}
    assert retrain_reason(None, date(2024, 4, 2), same, config) == "no model yet"
    assert retrain_reason(meta, date(2024, 4, 3), same, config) is None
    assert "days old" in retrain_reason(meta, date(2024, 4, 8), same, config)
    assert "new label" in retrain_reason(meta, date(2024, 4, 3), {**same, "network": 0.1}, config)
    assert "drift" in retrain_reason(meta, date(2024, 4, 3), {"software": 0.2, "inquiry": 0.8}, config)


def test_a_history_too_young_for_a_holdout_is_all_train():
    history = demo_history(days=3)
    train, holdout = evaluation_split(history, ClassifierConfig(holdout_days=7))
    assert train.height == history.height and holdout.height == 0
    train, holdout = evaluation_split(demo_history(days=10), ClassifierConfig(holdout_days=3))
    assert train.height > 50 and holdout.height > 0
