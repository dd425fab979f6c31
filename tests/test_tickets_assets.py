"""Ticket intelligence assets on demo data: embeddings, classifier, predictions, clusters."""

from datetime import date

import dagster as dg
import polars as pl
import pytest

from definitions import build_definitions
from resources.ml_schemas import ROOT_CAUSE_CLUSTERS, TICKET_PREDICTIONS
from resources.storage import LakehouseStorage
from sensors.schedules import RANGE_END_TAG, RANGE_START_TAG

SMALL_CLASSIFIER = {"max_steps": 6, "max_per_label": 8, "holdout_days": 3, "history_days": 30,
                    "refit_on_all": False, "batch_size": 16}


def run(root, selection, first, last, config=None, contracts=False):
    """Materialise ``selection`` over first..last; drift checks never, data contracts on ask."""
    defs = build_definitions(root=str(root), mode="demo")
    chosen = dg.AssetSelection.assets(*selection).without_checks()
    if contracts:
        chosen |= dg.AssetSelection.checks(
            *(dg.AssetCheckKey(dg.AssetKey(a), "data_contract") for a in selection))
    return dg.materialize(
        [*defs.assets, *(defs.asset_checks or [])],
        selection=chosen,
        tags={RANGE_START_TAG: first, RANGE_END_TAG: last}, resources=defs.resources,
        run_config={"ops": config or {}})


def contracts_passed(result) -> dict[str, bool]:
    return {e.asset_key.path[-1]: e.passed for e in result.get_asset_check_evaluations()
            if e.check_name == "data_contract"}


def lake(root, asset, first, last) -> pl.DataFrame:
    storage = LakehouseStorage(root=str(root))
    days = pl.date_range(date.fromisoformat(first), date.fromisoformat(last), eager=True).to_list()
    return storage.read_lake_days(asset, days)


@pytest.fixture(scope="module")
def landed(tmp_path_factory):
    """Three demo weeks (the iOS crash burst starts on 2024-09-16) with their embeddings."""
    root = tmp_path_factory.mktemp("tickets") / "appops_home"
    result = run(root, ["raw_incidents", "ticket_embeddings"], "2024-08-31", "2024-09-20",
                 contracts=True)
    assert result.success
    assert contracts_passed(result) == {"raw_incidents": True, "ticket_embeddings": True}
    return root


def test_embeddings_are_unit_vectors_of_cleaned_text_one_per_incident_and_day(landed):
    raw = lake(landed, "raw_incidents", "2024-08-31", "2024-09-20")
    emb = lake(landed, "ticket_embeddings", "2024-08-31", "2024-09-20")
    assert emb.height == raw.height
    vectors = emb["embedding"].to_numpy()
    assert vectors.shape[1] == 384
    assert abs(float((vectors ** 2).sum(axis=1).mean()) - 1) < 1e-3
    assert not emb["text"].str.contains("(?i)cordialement|regards|bonjour").any()


def test_classifier_trains_once_then_predictions_keep_human_labels(landed):
    result = run(landed, ["ticket_classifier", "ticket_predictions"], "2024-09-18", "2024-09-20",
                 {"ticket_classifier": {"config": SMALL_CLASSIFIER}}, contracts=True)
    assert result.success
    assert contracts_passed(result) == {"ticket_classifier": True, "ticket_predictions": True}
    days = lake(landed, "ticket_classifier", "2024-09-18", "2024-09-20")
    assert days["retrained"].to_list() == [True, False, False]
    assert days["model_version"].n_unique() == 1
    meta = result.asset_materializations_for_node("ticket_classifier")[0].metadata
    assert "base64" in meta["confusion_matrix"].value
    assert 0 <= meta["category_macro_f1"].value <= 1 and "baseline_category_macro_f1" in meta

    predictions = lake(landed, "ticket_predictions", "2024-09-18", "2024-09-20")
    raw = lake(landed, "raw_incidents", "2024-09-18", "2024-09-20")
    assert predictions.schema == pl.Schema(TICKET_PREDICTIONS.with_partition)
    joined = raw.join(predictions, on="number", suffix="_kept")
    assert joined.height == raw.height
    assert joined["category"].equals(joined["category_kept"], null_equal=True)
    labelled = predictions.filter(pl.col("category").is_not_null())
    agreement = (labelled["category"] == labelled["predicted_category"]).mean()
    assert agreement > 0.2 + 0.1  # five categories: better than chance
    low = (predictions["category_confidence"] < 0.6) | (predictions["subcategory_confidence"].fill_null(1) < 0.6)
    assert predictions["needs_review"].to_list() == low.to_list()


def test_clusters_flag_the_ios_crash_burst_keep_ids_and_rerun_identically(landed):
    config = {"root_cause_clusters": {"config": {"min_cluster_size": 8}}}
    result = run(landed, ["root_cause_clusters"], "2024-09-12", "2024-09-20", config,
                 contracts=True)
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
