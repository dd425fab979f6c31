"""Schemas of the ML outputs that the warehouse reads as dbt sources.

The forecasting, ticket and verbatim assets write these columns (plus ``partition_date``);
dbt marts use them when the files exist and stay valid, with empty columns, before.
"""

import polars as pl

from resources.schemas import TS, RawSchema

CAPACITY_FORECASTS = RawSchema(
    asset="capacity_forecasts",
    columns={"series_id": pl.String(), "origin": pl.Date(), "target_time": TS,
             "horizon_days": pl.Int32(), "grain": pl.String(), "model": pl.String(),
             "forecast": pl.Float64(), "lo80": pl.Float64(), "hi80": pl.Float64(),
             "lo95": pl.Float64(), "hi95": pl.Float64()},
    required=("series_id", "origin", "target_time", "horizon_days", "model", "forecast"),
    key=("series_id", "grain", "target_time"),
    time_column="origin",
)

CAPACITY_HEADROOM = RawSchema(
    asset="capacity_headroom",
    columns={"series_id": pl.String(), "metric": pl.String(), "resource": pl.String(),
             "origin": pl.Date(), "capacity_threshold": pl.Float64(),
             "days_to_threshold": pl.Int32(), "crossing_date": pl.Date(),
             "p_cross_7d": pl.Float64(), "p_cross_30d": pl.Float64(),
             "p_cross_90d": pl.Float64()},
    required=("series_id", "origin", "capacity_threshold"),
    key=("series_id",),
    time_column="origin",
    ranges={"p_cross_7d": (0, 1), "p_cross_30d": (0, 1), "p_cross_90d": (0, 1)},
)

TICKET_PREDICTIONS = RawSchema(
    asset="ticket_predictions",
    columns={"number": pl.String(), "predicted_category": pl.String(),
             "category_confidence": pl.Float64(), "predicted_subcategory": pl.String(),
             "subcategory_confidence": pl.Float64(), "predicted_assignment_group": pl.String(),
             "needs_review": pl.Boolean(), "category": pl.String(), "subcategory": pl.String(),
             "model_version": pl.String()},
    required=("number", "predicted_category", "category_confidence", "needs_review"),
    key=("number",),
    time_column="",
    ranges={"category_confidence": (0, 1), "subcategory_confidence": (0, 1)},
)

ROOT_CAUSE_CLUSTERS = RawSchema(
    asset="root_cause_clusters",
    columns={"cluster_id": pl.String(), "label": pl.String(), "keywords": pl.String(),
             "size_window": pl.Int32(), "size_day": pl.Int32(),
             "representative_numbers": pl.String(), "top_application": pl.String(),
             "is_new": pl.Boolean(), "is_growing": pl.Boolean()},
    required=("cluster_id", "label", "size_window"),
    key=("cluster_id",),
    time_column="",
)

VERBATIM_SENTIMENT = RawSchema(
    asset="verbatim_sentiment",
    columns={"response_id": pl.String(), "predicted_class": pl.String(),
             "confidence": pl.Float64(), "score_class": pl.String(),
             "contradiction": pl.Boolean(), "model_version": pl.String()},
    required=("response_id", "predicted_class", "confidence"),
    key=("response_id",),
    time_column="",
    categories={"predicted_class": ("negative", "neutral", "positive"),
                "score_class": ("detractor", "passive", "promoter", "negative", "neutral",
                                "positive")},
    ranges={"confidence": (0, 1)},
)

VERBATIM_TOPICS = RawSchema(
    asset="verbatim_topics",
    columns={"topic_id": pl.String(), "label": pl.String(), "keywords": pl.String(),
             "size_window": pl.Int32(), "size_day": pl.Int32(), "is_emerging": pl.Boolean()},
    required=("topic_id", "label", "size_window"),
    key=("topic_id",),
    time_column="",
)

ML_OUTPUTS: dict[str, RawSchema] = {s.asset: s for s in (
    CAPACITY_FORECASTS, CAPACITY_HEADROOM, TICKET_PREDICTIONS, ROOT_CAUSE_CLUSTERS,
    VERBATIM_SENTIMENT, VERBATIM_TOPICS)}
