"""``ticket_predictions``: each day's incidents scored by the model version in use that day.

The human labels (``category``, ``subcategory``) are copied beside the prediction, never
replaced; ``needs_review`` flags a category (or subcategory) confidence under the threshold.
"""

import dagster as dg
import polars as pl

from assets.checks.contracts import build_contract_check
from assets.checks.drift import build_drift_check
from assets.partitions import context_days, daily_partitions, single_run
from assets.tickets import registry
from assets.tickets.history import latest_per_number, with_text
from resources.ml_schemas import TICKET_PREDICTIONS
from resources.storage import LakehouseStorage


class PredictionConfig(dg.Config):
    review_threshold: float = 0.6


def predict_day(model: registry.TicketModel, version: str, incidents: pl.DataFrame,
                threshold: float) -> pl.DataFrame:
    found = model.predict(incidents["text"].to_list())
    frame = pl.DataFrame({"number": incidents["number"], **found,
                          "category": incidents["category"], "subcategory": incidents["subcategory"],
                          "model_version": [version] * incidents.height,
                          "partition_date": incidents["partition_date"]},
                         schema_overrides=TICKET_PREDICTIONS.with_partition, strict=False)
    low_sub = pl.col("subcategory_confidence").fill_null(1.0) < threshold
    return frame.with_columns(needs_review=(pl.col("category_confidence") < threshold) | low_sub)


@dg.asset(group_name="tickets", partitions_def=daily_partitions, backfill_policy=single_run,
          io_manager_key="lake_io_manager", kinds={"setfit", "polars"},
          description="Predicted category, subcategory and assignment group of each day's incidents.")
def ticket_predictions(context: dg.AssetExecutionContext, config: PredictionConfig,
                       storage: LakehouseStorage, raw_incidents: pl.DataFrame,
                       ticket_classifier: pl.DataFrame) -> pl.DataFrame:
    versions = dict(zip(ticket_classifier["partition_date"].to_list(),
                        ticket_classifier["model_version"].to_list()))
    frames, skipped = [], []
    for day in context_days(context):
        incidents = raw_incidents.filter(pl.col("partition_date") == day)
        if incidents.height == 0:
            continue
        if versions.get(day) is None:
            skipped.append(str(day))
            continue
        incidents = with_text(latest_per_number(incidents))
        model = registry.load(storage, versions[day])
        frames.append(predict_day(model, versions[day], incidents, config.review_threshold))
    if skipped:
        context.log.warning(f"no ticket model yet for {len(skipped)} day(s) ({skipped[0]}...): "
                            "not enough labelled history; their predictions are empty")
    schema = TICKET_PREDICTIONS.with_partition
    out = pl.concat(frames).select(schema.keys()).cast(schema) if frames else TICKET_PREDICTIONS.empty()
    context.add_output_metadata({
        "dagster/row_count": out.height, "days_without_model": len(skipped),
        "needs_review_share": round(float(out["needs_review"].mean()), 4) if out.height else 0.0,
        "agreement_with_labels": _agreement(out)})
    return out


def _agreement(frame: pl.DataFrame) -> float:
    """Share of labelled tickets whose predicted category equals the human one."""
    known = frame.filter(pl.col("category").is_not_null())
    return round(float((known["category"] == known["predicted_category"]).mean()), 4) if known.height else 0.0


ticket_predictions_checks = [
    build_contract_check(TICKET_PREDICTIONS, daily_partitions),
    build_drift_check("ticket_predictions", daily_partitions,
                      numeric=["category_confidence", "subcategory_confidence"],
                      categorical=["predicted_category", "predicted_subcategory", "needs_review"]),
]
