"""``ticket_predictions``: each day's incidents scored by the champion that served that day
(``ticket_classifier``'s row), with the challenger's category beside it (shadow mode: stored,
never served).

The human labels (``category``, ``subcategory``) are copied beside the prediction, never
replaced; ``needs_review`` flags a prediction under its class's precision threshold (fitted on
validation at ``target_precision``) and ``review_reason`` says which threshold and why.
"""

import dagster as dg
import polars as pl

from assets.lake import daily_lake_asset, lake_checks
from assets.tickets import registry as reg
from assets.tickets.history import latest_per_number, with_text
from assets.tickets.model import TicketModels
from resources.calendar import context_days
from resources.ml_schemas import TICKET_PREDICTIONS
from resources.model_registry import ModelRegistry
from resources.storage import LakehouseStorage


def models_of(registry: ModelRegistry, row: dict) -> TicketModels:
    def get(name, key):
        return registry.load(name, row[key]) if row.get(key) else None

    return TicketModels(
        category=get(reg.CATEGORY, "model_version"),
        subcategory=get(reg.SUBCATEGORY, "subcategory_version"),
        group=get(reg.GROUP, "group_version"),
    )


def predict_day(models: TicketModels, row: dict, incidents: pl.DataFrame, challenger=None) -> pl.DataFrame:
    found = models.predict(incidents["text"].to_list())
    shadow = challenger.predict(incidents["text"].to_list()) if challenger else [None] * incidents.height
    return pl.DataFrame(
        {
            "number": incidents["number"],
            **found,
            "category": incidents["category"],
            "subcategory": incidents["subcategory"],
            "model_version": [row["model_version"]] * incidents.height,
            "challenger_category": shadow,
            "challenger_version": [row.get("challenger_version") if challenger else None] * incidents.height,
            "partition_date": incidents["partition_date"],
        },
        schema_overrides=TICKET_PREDICTIONS.with_partition,
        strict=False,
    )


@daily_lake_asset(
    TICKET_PREDICTIONS,
    group_name="tickets",
    kinds={"mlflow", "polars"},
    description="Predicted category, subcategory and assignment group of each day's incidents, "
    "needs_review with its reason, and the challenger's category in shadow.",
)
def ticket_predictions(
    context: dg.AssetExecutionContext,
    storage: LakehouseStorage,
    raw_incidents: pl.DataFrame,
    ticket_classifier: pl.DataFrame,
) -> pl.DataFrame:
    registry = reg.open_registry(storage)
    rows = {r["partition_date"]: r for r in ticket_classifier.iter_rows(named=True)}
    frames, skipped = [], []
    for day in context_days(context):
        incidents = raw_incidents.filter(pl.col("partition_date") == day)
        if incidents.height == 0:
            continue
        row = rows.get(day) or {}
        if row.get("model_version") is None:
            skipped.append(str(day))
            continue
        incidents = with_text(latest_per_number(incidents))
        challenger = (
            registry.load(reg.CATEGORY, row["challenger_version"]) if row.get("challenger_version") else None
        )
        frames.append(predict_day(models_of(registry, row), row, incidents, challenger))
    if skipped:
        context.log.warning(
            f"no ticket model yet for {len(skipped)} day(s) ({skipped[0]}...): "
            "not enough labelled history; their predictions are empty"
        )
    schema = TICKET_PREDICTIONS.with_partition
    out = pl.concat(frames).select(schema.keys()).cast(schema) if frames else TICKET_PREDICTIONS.empty()
    context.add_output_metadata(
        {
            "dagster/row_count": out.height,
            "days_without_model": len(skipped),
            "needs_review_share": round(float(out["needs_review"].mean()), 4) if out.height else 0.0,
            "coverage": round(1 - float(out["needs_review"].mean()), 4) if out.height else 0.0,
            "agreement_with_labels": _agreement(out),
            "answered_precision": _agreement(out.filter(~pl.col("needs_review"))),
        }
    )
    return out


def _agreement(frame: pl.DataFrame) -> float:
    """Share of labelled tickets whose predicted category equals the human one."""
    known = frame.filter(pl.col("category").is_not_null())
    return round(float((known["category"] == known["predicted_category"]).mean()), 4) if known.height else 0.0


ticket_predictions_checks = [
    *lake_checks(TICKET_PREDICTIONS),
]
