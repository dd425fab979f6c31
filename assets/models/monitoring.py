"""``model_monitoring``: how each model does in production, per day, against what is known so far.

Human labels arrive late (a ticket's category is confirmed when it is resolved, days after the
prediction), so each day recomputes the last ``window_days`` of predictions against the labels
known *on that day*: a ticket's label counts once the ticket is resolved in the lake's latest
update up to the day. Long format, one row per model and metric:

- ``ticket_category``: ``coverage`` (share answered automatically), ``live_precision``
  (answered predictions whose known label agrees), ``live_accuracy`` (all predictions with a
  known label), ``labels_known_share``, ``class_share_drift`` (total variation between the
  predicted class shares and the champion's training label shares).
- ``verbatim_sentiment``: ``live_accuracy`` against the score's class, ``class_share_drift``.
- ``verbatim_topics``: ``outlier_share`` (answers of the day without a topic).
- ``capacity_forecasts``: ``interval_coverage_80`` and ``mase`` of forecasts whose actuals exist.

``reference`` is the champion's figure on its validation window; the asset check warns when a
live figure falls more than ``margin`` below it.
"""

import json
from datetime import date

import dagster as dg
import polars as pl

from assets.lake import daily_lake_asset, lake_checks
from resources.calendar import context_days, daily_partitions, days_through
from resources.ml_schemas import MODEL_MONITORING
from resources.model_registry import CHAMPION, ModelRegistry
from resources.storage import LakehouseStorage

SCHEMA = MODEL_MONITORING.with_partition


class MonitoringConfig(dg.Config):
    window_days: int = 30


def known_labels(incidents: pl.DataFrame | None, day: date) -> pl.DataFrame:
    """``number -> label`` for tickets resolved, with a category, in their latest update up to ``day``."""
    if incidents is None or incidents.height == 0:
        return pl.DataFrame(schema={"number": pl.String, "label": pl.String})
    latest = (
        incidents.filter(pl.col("partition_date") <= day)
        .sort("sys_updated_on", "partition_date")
        .unique("number", keep="last")
    )
    return latest.filter(pl.col("category").is_not_null() & pl.col("resolved_at").is_not_null()).select(
        "number", label=pl.col("category")
    )


def tvd(shares: dict[str, float], other: dict[str, float]) -> float:
    return 0.5 * sum(abs(shares.get(k, 0.0) - other.get(k, 0.0)) for k in {*shares, *other})


def shares(series: pl.Series) -> dict[str, float]:
    counts = series.drop_nulls().value_counts()
    total = max(int(counts["count"].sum()), 1) if counts.height else 1
    return {str(k): v / total for k, v in counts.iter_rows()}


def _champion(registry: ModelRegistry, name: str) -> tuple[str | None, dict, dict]:
    version = registry.alias(name, CHAMPION)
    if version is None:
        return None, {}, {}
    found = registry.load(name, version)
    tags = registry.version_tags(name, version)
    return (
        version,
        (found.meta.get("validation") or {}).get(found.meta.get("chosen"), {}),
        json.loads(tags.get("label_shares", "{}")),
    )


def ticket_rows(storage: LakehouseStorage, registry: ModelRegistry, day: date, window: int) -> list[dict]:
    predictions = storage.read_days("ticket_predictions", days_through(day, window), strict=False)
    if predictions is None or predictions.height == 0:
        return []
    # a ticket updated on a later day (resolved) is predicted again: its first prediction counts
    predictions = predictions.sort("partition_date").unique("number", keep="first", maintain_order=True)
    version, validation, trained = _champion(registry, "ticket_category")
    labels = known_labels(
        storage.read_days("raw_incidents", days_through(day, window + 30), strict=False), day
    )
    joined = predictions.join(labels, on="number", how="left")
    known = joined.filter(pl.col("label").is_not_null())
    answered = known.filter(~pl.col("needs_review"))
    row = {"model": "ticket_category", "version": version, "partition_date": day}
    return [
        {
            **row,
            "metric": "coverage",
            "value": 1 - float(predictions["needs_review"].mean()),
            "reference": validation.get("coverage"),
            "n": predictions.height,
        },
        {
            **row,
            "metric": "live_precision",
            "n": answered.height,
            "reference": validation.get("answered_precision"),
            "value": float((answered["label"] == answered["predicted_category"]).mean())
            if answered.height
            else None,
        },
        {
            **row,
            "metric": "live_accuracy",
            "n": known.height,
            "reference": validation.get("accuracy"),
            "value": float((known["label"] == known["predicted_category"]).mean()) if known.height else None,
        },
        {
            **row,
            "metric": "labels_known_share",
            "n": predictions.height,
            "reference": None,
            "value": known.height / predictions.height,
        },
        {
            **row,
            "metric": "class_share_drift",
            "n": predictions.height,
            "reference": None,
            "value": tvd(shares(predictions["predicted_category"]), trained) if trained else None,
        },
    ]


def sentiment_rows(storage: LakehouseStorage, registry: ModelRegistry, day: date, window: int) -> list[dict]:
    from assets.verbatims.common import SCORE_TO_SENTIMENT

    frame = storage.read_days("verbatim_sentiment", days_through(day, window), strict=False)
    if frame is None or frame.height == 0:
        return []
    version, validation, trained = _champion(registry, "verbatim_sentiment")
    said = frame.with_columns(label=pl.col("score_class").replace_strict(SCORE_TO_SENTIMENT, default=None))
    known = said.filter(pl.col("label").is_not_null())
    row = {"model": "verbatim_sentiment", "version": version, "partition_date": day}
    return [
        {
            **row,
            "metric": "live_accuracy",
            "n": known.height,
            "reference": validation.get("accuracy"),
            "value": float((known["label"] == known["predicted_class"]).mean()) if known.height else None,
        },
        {
            **row,
            "metric": "class_share_drift",
            "n": frame.height,
            "reference": None,
            "value": tvd(shares(frame["predicted_class"]), trained) if trained else None,
        },
    ]


def topic_rows(storage: LakehouseStorage, day: date) -> list[dict]:
    answers = storage.read_days("verbatim_sentiment", [day], strict=False)
    assigned = storage.read_days("verbatim_topic_assignments", [day], strict=False)
    if answers is None or answers.height == 0 or assigned is None:
        return []
    covered = answers.join(assigned.select("response_id").unique(), on="response_id", how="semi").height
    return [
        {
            "model": "verbatim_topics",
            "version": None,
            "metric": "outlier_share",
            "reference": None,
            "value": 1 - covered / answers.height,
            "n": answers.height,
            "partition_date": day,
        }
    ]


def forecast_rows(storage: LakehouseStorage, day: date, window: int) -> list[dict]:
    """Realised 80 % interval coverage and MASE (scale: mean absolute day-to-day change of the
    actuals) of forecasts made in the window whose target time has an actual by ``day``."""
    forecasts = storage.read_days("capacity_forecasts", days_through(day, window), strict=False)
    actuals = storage.read_days("metric_series", days_through(day, window + 30), strict=False)
    needed = {"series_id", "grain", "target_time", "forecast", "lo80", "hi80"}
    if forecasts is None or actuals is None or not needed <= set(forecasts.columns):
        return []
    actual = actuals.filter(~pl.col("missing")).select(
        "series_id", "grain", target_time=pl.col("time"), actual=pl.col("value")
    )
    both = forecasts.join(actual, on=["series_id", "grain", "target_time"], how="inner").drop_nulls(
        ["forecast", "actual"]
    )
    if both.height == 0:
        return []
    scale = (
        actual.sort("series_id", "grain", "target_time")
        .with_columns(step=(pl.col("actual") - pl.col("actual").shift(1).over("series_id", "grain")).abs())
        .group_by("series_id", "grain")
        .agg(scale=pl.col("step").mean())
    )
    scaled = both.join(scale, on=["series_id", "grain"]).filter(pl.col("scale") > 0)
    inside = ((pl.col("actual") >= pl.col("lo80")) & (pl.col("actual") <= pl.col("hi80"))).mean()
    row = {"model": "capacity_forecasts", "version": None, "partition_date": day, "n": both.height}
    return [
        {
            **row,
            "metric": "interval_coverage_80",
            "reference": 0.8,
            "value": float(both.select(inside).item()),
        },
        {
            **row,
            "metric": "mase",
            "reference": None,
            "value": float(
                scaled.select(((pl.col("forecast") - pl.col("actual")).abs() / pl.col("scale")).mean()).item()
            )
            if scaled.height
            else None,
        },
    ]


@daily_lake_asset(
    MODEL_MONITORING,
    group_name="appops360",
    kinds={"mlflow", "polars"},
    # every asset it reads through the storage API: without them a run could compute it
    # before, say, that day's capacity_forecasts, and the rows would depend on step order
    deps=[
        "ticket_predictions",
        "raw_incidents",
        "verbatim_sentiment",
        "verbatim_topic_assignments",
        "capacity_forecasts",
        "metric_series",
    ],
    description="Live precision, coverage, class-share drift, topic outliers and forecast "
    "accuracy per model and day, against the labels and actuals known that day.",
)
def model_monitoring(
    context: dg.AssetExecutionContext, config: MonitoringConfig, storage: LakehouseStorage
) -> pl.DataFrame:
    registry = ModelRegistry(storage.root)
    rows = []
    for day in context_days(context):
        rows += ticket_rows(storage, registry, day, config.window_days)
        rows += sentiment_rows(storage, registry, day, config.window_days)
        rows += topic_rows(storage, day)
        rows += forecast_rows(storage, day, config.window_days)
    frame = pl.DataFrame(rows, schema=SCHEMA)
    context.add_output_metadata({"dagster/row_count": frame.height})
    return frame


def below_reference(frame: pl.DataFrame, margin: float) -> pl.DataFrame:
    """Rows whose live value falls more than ``margin`` below the champion's validation figure."""
    return frame.filter(
        pl.col("value").is_not_null()
        & pl.col("reference").is_not_null()
        & (pl.col("value") < pl.col("reference") - margin)
    )


class MonitoringCheckConfig(dg.Config):
    margin: float = 0.10


@dg.asset_check(
    asset=model_monitoring,
    partitions_def=daily_partitions,
    blocking=False,
    description="Warn when a live figure falls more than `margin` below the champion's "
    "validation figure (precision, accuracy, coverage).",
)
def live_metrics_hold(
    context: dg.AssetCheckExecutionContext, config: MonitoringCheckConfig, storage: LakehouseStorage
) -> dg.AssetCheckResult:
    frame = storage.read_days("model_monitoring", context_days(context), strict=False)
    frame = frame if frame is not None else pl.DataFrame(schema=SCHEMA)
    low = below_reference(frame, config.margin)
    return dg.AssetCheckResult(
        passed=low.height == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "below_reference": dg.MetadataValue.json(
                [
                    {k: (str(v) if isinstance(v, date) else v) for k, v in r.items()}
                    for r in low.iter_rows(named=True)
                ]
            ),
            "margin": config.margin,
            "rows": frame.height,
        },
    )


[model_monitoring_contract] = lake_checks(MODEL_MONITORING)  # no drift columns: the contract alone
