"""Schemas of the derived lake frames: the series, models and ML outputs.

The forecasting, ticket and verbatim assets write these columns (plus ``partition_date``), and
each has a Great Expectations ``data_contract`` check built from its schema (required columns,
key unique per day, ranges, categories). ``ML_OUTPUTS`` are also dbt sources: marts use them
when the files exist and stay valid, with empty columns, before.
"""

import polars as pl

from resources.schemas import TS, Drift, LakeSchema, by_asset

CAPACITY_FORECASTS = LakeSchema(
    asset="capacity_forecasts",
    columns={
        "series_id": pl.String(),
        "origin": pl.Date(),
        "target_time": TS,
        "horizon_days": pl.Int32(),
        "grain": pl.String(),
        "model": pl.String(),
        "forecast": pl.Float64(),
        "lo80": pl.Float64(),
        "hi80": pl.Float64(),
        "lo95": pl.Float64(),
        "hi95": pl.Float64(),
        # hourly rows of sub-daily series: a native point of the hour (resources/forecasting/within_hour.py)
        "native_forecast": pl.Float64(),
        "native_lo80": pl.Float64(),
        "native_hi80": pl.Float64(),
        "native_lo95": pl.Float64(),
        "native_hi95": pl.Float64(),
    },
    required=("series_id", "origin", "target_time", "horizon_days", "model", "forecast"),
    key=("series_id", "grain", "target_time"),
    time_column="origin",
    drift=Drift(numeric=("forecast", "horizon_days"), categorical=("grain", "model")),
)

CAPACITY_HEADROOM = LakeSchema(
    asset="capacity_headroom",
    columns={
        "series_id": pl.String(),
        "metric": pl.String(),
        "resource": pl.String(),
        "origin": pl.Date(),
        "capacity_threshold": pl.Float64(),
        "days_to_threshold": pl.Int32(),
        "crossing_date": pl.Date(),
        "p_cross_7d": pl.Float64(),
        "p_cross_30d": pl.Float64(),
        "p_cross_90d": pl.Float64(),
    },
    required=("series_id", "origin", "capacity_threshold"),
    key=("series_id",),
    time_column="origin",
    ranges={"p_cross_7d": (0, 1), "p_cross_30d": (0, 1), "p_cross_90d": (0, 1)},
    drift=Drift(numeric=("p_cross_30d", "p_cross_90d", "days_to_threshold")),
)

TICKET_PREDICTIONS = LakeSchema(
    asset="ticket_predictions",
    columns={
        "number": pl.String(),
        "predicted_category": pl.String(),
        "category_confidence": pl.Float64(),
        "predicted_subcategory": pl.String(),
        "subcategory_confidence": pl.Float64(),
        "predicted_assignment_group": pl.String(),
        "needs_review": pl.Boolean(),
        "category": pl.String(),
        "subcategory": pl.String(),
        "model_version": pl.String(),
        "review_reason": pl.String(),
        "challenger_category": pl.String(),
        "challenger_version": pl.String(),
    },
    required=("number", "predicted_category", "category_confidence", "needs_review"),
    key=("number",),
    time_column="",
    ranges={"category_confidence": (0, 1), "subcategory_confidence": (0, 1)},
    drift=Drift(
        numeric=("category_confidence", "subcategory_confidence"),
        categorical=("predicted_category", "predicted_subcategory", "needs_review"),
    ),
)

ROOT_CAUSE_CLUSTERS = LakeSchema(
    asset="root_cause_clusters",
    columns={
        "cluster_id": pl.String(),
        "label": pl.String(),
        "keywords": pl.String(),
        "size_window": pl.Int32(),
        "size_day": pl.Int32(),
        "representative_numbers": pl.String(),
        "top_application": pl.String(),
        "is_new": pl.Boolean(),
        "is_growing": pl.Boolean(),
    },
    required=("cluster_id", "label", "size_window"),
    key=("cluster_id",),
    time_column="",
    drift=Drift(numeric=("size_window", "size_day")),
)

VERBATIM_SENTIMENT = LakeSchema(
    asset="verbatim_sentiment",
    columns={
        "response_id": pl.String(),
        "predicted_class": pl.String(),
        "confidence": pl.Float64(),
        "score_class": pl.String(),
        "contradiction": pl.Boolean(),
        "model_version": pl.String(),
        "challenger_class": pl.String(),
        "challenger_version": pl.String(),
    },
    required=("response_id", "predicted_class", "confidence"),
    key=("response_id",),
    time_column="",
    categories={
        "predicted_class": ("negative", "neutral", "positive"),
        "score_class": ("detractor", "passive", "promoter", "negative", "neutral", "positive"),
    },
    ranges={"confidence": (0, 1)},
    drift=Drift(numeric=("confidence",), categorical=("predicted_class", "score_class", "contradiction")),
)

VERBATIM_TOPICS = LakeSchema(
    asset="verbatim_topics",
    columns={
        "topic_id": pl.String(),
        "label": pl.String(),
        "keywords": pl.String(),
        "size_window": pl.Int32(),
        "size_day": pl.Int32(),
        "is_emerging": pl.Boolean(),
    },
    required=("topic_id", "label", "size_window"),
    key=("topic_id",),
    time_column="",
    drift=Drift(numeric=("size_window", "size_day"), categorical=("is_emerging",)),
)

VERBATIM_TOPIC_ASSIGNMENTS = LakeSchema(
    asset="verbatim_topic_assignments",
    columns={"response_id": pl.String(), "topic_id": pl.String()},
    required=("response_id", "topic_id"),
    key=("response_id",),
    time_column="",
)

VERBATIM_ENTITIES = LakeSchema(  # entity types come from the configurable gazetteer: no set
    asset="verbatim_entities",
    columns={
        "response_id": pl.String(),
        "entity_type": pl.String(),
        "entity": pl.String(),
        "sentiment": pl.String(),
        "score_class": pl.String(),
        "channel": pl.String(),
    },
    required=("response_id", "entity_type", "entity"),
    key=("response_id", "entity_type", "entity"),
    time_column="",
    categories={"sentiment": ("negative", "neutral", "positive")},
    drift=Drift(categorical=("entity_type", "entity", "sentiment", "channel")),
)

TOPIC_SUMMARIES = LakeSchema(
    asset="topic_summaries",
    columns={
        "topic_id": pl.String(),
        "label": pl.String(),
        "week": pl.String(),
        "n_verbatims": pl.Int32(),
        "summary": pl.String(),
        "representative_ids": pl.String(),
        "abstractive_summary": pl.String(),
        "suggested_actions": pl.String(),
        "summary_model": pl.String(),
    },
    required=("topic_id", "week", "n_verbatims", "summary", "summary_model"),
    key=("topic_id", "week"),
    time_column="",
    ranges={"n_verbatims": (1, None)},
    drift=Drift(numeric=("n_verbatims",)),
)

METRIC_ANOMALIES = LakeSchema(  # one row per series, grain and point of the day (issue 14)
    asset="metric_anomalies",
    columns={
        "series_id": pl.String(),
        "metric": pl.String(),
        "resource": pl.String(),
        "grain": pl.String(),
        "time": TS,
        "value": pl.Float64(),
        "expected": pl.Float64(),
        "surprise": pl.Float64(),
        "score": pl.Float64(),
        "flagged": pl.Boolean(),
        "alert_id": pl.String(),
        "severity": pl.String(),
        "message": pl.String(),
    },
    required=("series_id", "grain", "time", "score", "flagged", "alert_id"),
    key=("series_id", "grain", "time"),
    time_column="time",
    categories={"grain": ("daily", "hourly"), "severity": ("warning", "critical")},
    ranges={"score": (0, 1), "surprise": (0, None)},
    drift=Drift(numeric=("score", "surprise"), categorical=("grain",)),
)

CAPACITY_SCENARIOS = LakeSchema(  # one row per scenario and series touched, per origin (issue 14)
    asset="capacity_scenarios",
    columns={
        "scenario": pl.String(),
        "kind": pl.String(),
        "series_id": pl.String(),
        "metric": pl.String(),
        "resource": pl.String(),
        "origin": pl.Date(),
        "capacity_threshold": pl.Float64(),
        "peak_forecast_90d": pl.Float64(),
        "baseline_peak_forecast_90d": pl.Float64(),
        "days_to_threshold": pl.Int32(),
        "baseline_days_to_threshold": pl.Int32(),
        "p_cross_30d": pl.Float64(),
        "baseline_p_cross_30d": pl.Float64(),
        "p_cross_90d": pl.Float64(),
        "baseline_p_cross_90d": pl.Float64(),
    },
    required=("scenario", "kind", "series_id", "origin", "peak_forecast_90d"),
    key=("scenario", "series_id"),
    time_column="origin",
    categories={"kind": ("growth", "step", "remove")},
    ranges={
        "p_cross_30d": (0, 1),
        "p_cross_90d": (0, 1),
        "baseline_p_cross_30d": (0, 1),
        "baseline_p_cross_90d": (0, 1),
    },
    drift=Drift(numeric=("peak_forecast_90d",), categorical=("scenario", "kind")),
)

RECONCILED_FORECASTS = LakeSchema(  # daily forecasts of every hierarchy node, reconciled (issue 14)
    asset="reconciled_forecasts",
    columns={
        "hierarchy": pl.String(),
        "series_id": pl.String(),
        "level": pl.String(),
        "parent_id": pl.String(),
        "origin": pl.Date(),
        "target_time": TS,
        "horizon_days": pl.Int32(),
        "base_forecast": pl.Float64(),
        "forecast": pl.Float64(),
        "lo80": pl.Float64(),
        "hi80": pl.Float64(),
        "lo95": pl.Float64(),
        "hi95": pl.Float64(),
    },
    required=("hierarchy", "series_id", "level", "origin", "target_time", "forecast"),
    key=("series_id", "target_time"),
    time_column="target_time",
)

MODEL_MONITORING = LakeSchema(  # long format: one row per model, metric and day
    asset="model_monitoring",
    columns={
        "model": pl.String(),
        "version": pl.String(),
        "metric": pl.String(),
        "value": pl.Float64(),
        "reference": pl.Float64(),
        "n": pl.Int64(),
    },
    required=("model", "metric"),
    key=("model", "metric"),
    time_column="",
)

MODEL_DECISIONS = LakeSchema(  # written by resources/model_gate.py, not an IO manager
    asset="model_decisions",
    columns={
        "decided_at": TS,
        "model": pl.String(),
        "action": pl.String(),
        "champion_before": pl.String(),
        "challenger": pl.String(),
        "champion_after": pl.String(),
        "metric": pl.String(),
        "champion_score": pl.Float64(),
        "challenger_score": pl.Float64(),
        "delta": pl.Float64(),
        "delta_low": pl.Float64(),
        "delta_high": pl.Float64(),
        "reason": pl.String(),
    },
    required=("decided_at", "model", "action", "reason"),
    key=("decided_at", "model"),
    time_column="",
)

EOL_ALERTS = LakeSchema(  # one alert per rule and subject and day
    asset="eol_alerts",
    columns={
        "alert_id": pl.String(),
        "rule": pl.String(),
        "severity": pl.String(),
        "application": pl.String(),
        "team": pl.String(),
        "product": pl.String(),
        "release_cycle": pl.String(),
        "components": pl.Int64(),
        "hosts": pl.Int64(),
        "min_days_to_eol": pl.Int64(),
        "message": pl.String(),
    },
    required=("alert_id", "rule", "severity", "application", "components", "message"),
    key=("alert_id",),
    time_column="",
    ranges={"components": (1, None), "hosts": (0, None)},
    drift=Drift(numeric=("components",), categorical=("rule", "severity")),
)

ML_OUTPUTS: dict[str, LakeSchema] = by_asset(
    CAPACITY_FORECASTS,
    CAPACITY_HEADROOM,
    TICKET_PREDICTIONS,
    ROOT_CAUSE_CLUSTERS,
    VERBATIM_SENTIMENT,
    VERBATIM_TOPICS,
    VERBATIM_TOPIC_ASSIGNMENTS,
    VERBATIM_ENTITIES,
    TOPIC_SUMMARIES,
    METRIC_ANOMALIES,
    CAPACITY_SCENARIOS,
    RECONCILED_FORECASTS,
    MODEL_MONITORING,
    MODEL_DECISIONS,
)

# Derived frames the warehouse does not read.

METRIC_SERIES = LakeSchema(
    asset="metric_series",
    columns={
        "series_id": pl.String(),
        "metric": pl.String(),
        "resource": pl.String(),
        "unit": pl.String(),
        "grain": pl.String(),
        "agg": pl.String(),
        "time": TS,
        "value": pl.Float64(),
        "n_points": pl.Int32(),
        "coverage": pl.Float64(),
        "missing": pl.Boolean(),
    },
    required=("series_id", "grain", "agg", "time", "n_points", "missing"),
    key=("series_id", "grain", "time"),
    time_column="time",
    categories={"grain": ("daily", "hourly"), "agg": ("mean", "p95", "sum")},
    ranges={"n_points": (0, None), "coverage": (0, 1)},
    drift=Drift(numeric=("value", "coverage"), categorical=("grain", "agg", "metric")),
)

FORECAST_MODELS = LakeSchema(  # one row per candidate scored (one for a baseline fallback)
    asset="forecast_models",
    columns={
        "series_id": pl.String(),
        "grain": pl.String(),
        "origin": pl.Date(),
        "model": pl.String(),
        "selected": pl.Boolean(),
        "refit": pl.Boolean(),
        "version": pl.String(),
        "train_start": pl.String(),
        "train_end": pl.String(),
        "mase": pl.Float64(),
        "relative_mase": pl.Float64(),
        "coverage80": pl.Float64(),
        "coverage95": pl.Float64(),
        "reason": pl.String(),
    },
    required=("series_id", "grain", "origin", "model", "selected", "version"),
    key=("series_id", "grain", "model"),
    time_column="origin",
    categories={"grain": ("daily", "hourly")},
    ranges={"mase": (0, None), "relative_mase": (0, None), "coverage80": (0, 1), "coverage95": (0, 1)},
    drift=Drift(numeric=("relative_mase", "coverage80"), categorical=("model", "grain")),
)

TICKET_CLASSIFIER = LakeSchema(  # one row per day: the model version in use (none before the
    asset="ticket_classifier",  # first training), whether that day retrained, and why
    columns={
        "model_version": pl.String(),
        "retrained": pl.Boolean(),
        "reason": pl.String(),
        "category_macro_f1": pl.Float64(),
        "baseline_category_macro_f1": pl.Float64(),
        "n_train": pl.Int64(),
        "subcategory_version": pl.String(),
        "group_version": pl.String(),
        "challenger_version": pl.String(),
        "decision": pl.String(),
    },
    required=("retrained", "reason"),
    key=("model_version",),
    time_column="",
    ranges={"category_macro_f1": (0, 1), "baseline_category_macro_f1": (0, 1), "n_train": (1, None)},
    drift=Drift(numeric=("category_macro_f1", "baseline_category_macro_f1")),
)

TICKET_EMBEDDINGS = LakeSchema(  # + ``embedding``: Array(Float32, the model's dimension),
    asset="ticket_embeddings",  # which depends on the configured model: not in the contract
    columns={
        "number": pl.String(),
        "opened_at": TS,
        "application": pl.String(),
        "text": pl.String(),
        "model_id": pl.String(),
    },
    required=("number", "text", "model_id"),
    key=("number",),
    time_column="opened_at",
    keep_extra=True,
    drift=Drift(text=("text",)),
)
