"""Ticket intelligence assets on demo data: embeddings, classifier, predictions, clusters."""

import shutil
from datetime import date

import dagster as dg
import polars as pl
import pytest

from definitions import build_definitions
from resources.calendar import RANGE_END_TAG, RANGE_START_TAG
from resources.ml_schemas import ROOT_CAUSE_CLUSTERS, TICKET_PREDICTIONS
from resources.model_gate import read_decisions
from resources.storage import LakehouseStorage

SMALL_CLASSIFIER = {"candidates": ["tfidf", "tfidf_chars"], "history_days": 30, "min_labelled": 300}


def run(root, selection, first, last, config=None, contracts=False):
    """Materialise ``selection`` over first..last; drift checks never, data contracts on ask."""
    defs = build_definitions(root=str(root), mode="demo")
    chosen = dg.AssetSelection.assets(*selection).without_checks()
    if contracts:
        chosen |= dg.AssetSelection.checks(
            *(dg.AssetCheckKey(dg.AssetKey(a), "data_contract") for a in selection)
        )
    return dg.materialize(
        [*defs.assets, *(defs.asset_checks or [])],
        selection=chosen,
        tags={RANGE_START_TAG: first, RANGE_END_TAG: last},
        resources=defs.resources,
        run_config={"ops": config or {}},
    )


def contracts_passed(result) -> dict[str, bool]:
    return {
        e.asset_key.path[-1]: e.passed
        for e in result.get_asset_check_evaluations()
        if e.check_name == "data_contract"
    }


def lake(root, asset, first, last) -> pl.DataFrame:
    storage = LakehouseStorage(root=str(root))
    days = pl.date_range(date.fromisoformat(first), date.fromisoformat(last), eager=True).to_list()
    return storage.read_days(asset, days, strict=False)


@pytest.fixture(scope="module")
def landed(tmp_path_factory):
    """Three demo weeks (the iOS crash burst starts on 2024-09-16) with their embeddings."""
    root = tmp_path_factory.mktemp("tickets") / "appops_home"
    result = run(root, ["raw_incidents", "ticket_embeddings"], "2024-08-31", "2024-09-20", contracts=True)
    assert result.success
    assert contracts_passed(result) == {"raw_incidents": True, "ticket_embeddings": True}
    return root


def test_embeddings_are_unit_vectors_of_cleaned_text_one_per_incident_and_day(landed):
    raw = lake(landed, "raw_incidents", "2024-08-31", "2024-09-20")
    emb = lake(landed, "ticket_embeddings", "2024-08-31", "2024-09-20")
    assert emb.height == raw.height
    vectors = emb["embedding"].to_numpy()
    assert vectors.shape[1] == 384
    assert abs(float((vectors**2).sum(axis=1).mean()) - 1) < 1e-3
    assert not emb["text"].str.contains("(?i)cordialement|regards|bonjour").any()


def test_classifier_trains_once_then_predictions_keep_human_labels(landed):
    result = run(
        landed,
        ["ticket_classifier", "ticket_predictions"],
        "2024-09-18",
        "2024-09-20",
        {"ticket_classifier": {"config": SMALL_CLASSIFIER}},
        contracts=True,
    )
    assert result.success
    assert contracts_passed(result) == {"ticket_classifier": True, "ticket_predictions": True}
    days = lake(landed, "ticket_classifier", "2024-09-18", "2024-09-20")
    assert days["retrained"].to_list() == [True, False, False]
    assert days["model_version"].n_unique() == 1 and days["decision"].to_list()[0] == "promoted"
    meta = result.asset_materializations_for_node("ticket_classifier")[0].metadata
    decisions = meta["decisions"].value
    assert {d["model"] for d in decisions} == {
        "ticket_category",
        "ticket_subcategory",
        "ticket_assignment_group",
    }
    first = days.row(0, named=True)
    assert 0 <= first["category_macro_f1"] <= 1 and first["baseline_category_macro_f1"] is not None
    assert first["category_macro_f1"] >= first["baseline_category_macro_f1"]  # never below TF-IDF
    recorded = read_decisions(LakehouseStorage(root=str(landed)), "ticket_classifier")
    assert recorded.height == 3 and set(recorded["action"]) == {"promoted"}

    predictions = lake(landed, "ticket_predictions", "2024-09-18", "2024-09-20")
    raw = lake(landed, "raw_incidents", "2024-09-18", "2024-09-20")
    assert predictions.schema == pl.Schema(TICKET_PREDICTIONS.with_partition)
    # a ticket resolved on a later day comes back in that day's partition: one prediction per day
    joined = raw.join(predictions, on=["number", "partition_date"], suffix="_kept")
    assert joined.height == raw.height
    assert joined["category"].equals(joined["category_kept"], null_equal=True)
    labelled = predictions.filter(pl.col("category").is_not_null())
    agreement = (labelled["category"] == labelled["predicted_category"]).mean()
    assert agreement > 0.2 + 0.1  # five categories: better than chance
    assert predictions["needs_review"].to_list() == predictions["review_reason"].is_not_null().to_list()
    answered = labelled.filter(~pl.col("needs_review"))
    assert answered.height and (answered["category"] == answered["predicted_category"]).mean() >= agreement


def test_rollback_restores_the_previous_version_and_the_next_run_predicts_with_it(landed, tmp_path):
    root = tmp_path / "appops_home"
    shutil.copytree(landed / "lake" / "raw_incidents", root / "lake" / "raw_incidents")
    config = {**SMALL_CLASSIFIER, "candidates": ["tfidf"]}
    assert run(
        root, ["ticket_classifier"], "2024-09-18", "2024-09-18", {"ticket_classifier": {"config": config}}
    ).success
    # a retrain the next day, promoted whatever its score (the gate's margin set to -1)
    assert run(
        root,
        ["ticket_classifier"],
        "2024-09-19",
        "2024-09-19",
        {"ticket_classifier": {"config": {**config, "retrain_days": 1, "gate_min_delta": -1.0}}},
    ).success
    assert lake(root, "ticket_classifier", "2024-09-19", "2024-09-19")["model_version"].to_list() == ["2"]
    defs = build_definitions(root=str(root), mode="demo")
    job = defs.resolve_job_def("rollback_model")
    outcome = job.execute_in_process(
        run_config={"ops": {"rollback_champion": {"config": {"model": "ticket_category", "version": "1"}}}},
        resources={"storage": defs.resources["storage"]},
    )
    assert outcome.success
    assert run(
        root,
        ["ticket_classifier", "ticket_predictions"],
        "2024-09-20",
        "2024-09-20",
        {"ticket_classifier": {"config": config}},
    ).success
    assert lake(root, "ticket_classifier", "2024-09-20", "2024-09-20")["model_version"].to_list() == ["1"]
    assert set(lake(root, "ticket_predictions", "2024-09-20", "2024-09-20")["model_version"]) == {"1"}
    actions = read_decisions(LakehouseStorage(root=str(root)), "ticket_classifier")
    assert actions.filter(pl.col("model") == "ticket_category")["action"].to_list() == [
        "promoted",
        "promoted",
        "rollback",
    ]


def test_clusters_flag_the_ios_crash_burst_keep_ids_and_rerun_identically(landed):
    config = {"root_cause_clusters": {"config": {"min_cluster_size": 8}}}
    result = run(landed, ["root_cause_clusters"], "2024-09-12", "2024-09-20", config, contracts=True)
    assert result.success and contracts_passed(result) == {"root_cause_clusters": True}
    clusters = lake(landed, "root_cause_clusters", "2024-09-12", "2024-09-20")
    assert clusters.schema == pl.Schema(ROOT_CAUSE_CLUSTERS.with_partition)
    assert not clusters.filter(pl.col("partition_date") == date(2024, 9, 12))["is_new"].any()
    ids_by_day = clusters.group_by("partition_date").agg("cluster_id").sort("partition_date")
    first, last = set(ids_by_day["cluster_id"][0]), set(ids_by_day["cluster_id"][-1])
    assert len(first & last) >= len(first) // 2  # most clusters keep their id over the week
    ios = clusters.filter(pl.col("is_new") & pl.col("keywords").str.contains("(?i)ios|iphone|crash|plantage"))
    assert ios.height and ios["partition_date"].min() >= date(2024, 9, 16)

    before = clusters.filter(pl.col("partition_date") == date(2024, 9, 20))
    assert run(landed, ["root_cause_clusters"], "2024-09-20", "2024-09-20", config).success
    assert lake(landed, "root_cause_clusters", "2024-09-20", "2024-09-20").equals(before)
