"""Capacity planning: infrastructure metrics and business volumes, their forecasts and headroom."""

import dagster as dg

from assets.metrics.anomalies import anomaly_checks, metric_anomalies
from assets.metrics.forecasts import capacity_forecasts, forecast_checks, forecast_models
from assets.metrics.headroom import capacity_headroom, headroom_checks
from assets.metrics.hierarchy import hierarchy_checks, reconciled_forecasts
from assets.metrics.raw import raw_metrics, raw_metrics_checks
from assets.metrics.scenarios import capacity_scenarios, scenario_checks
from assets.metrics.series import metric_series, metric_series_checks

defs = dg.Definitions(
    assets=[
        raw_metrics,
        metric_series,
        forecast_models,
        capacity_forecasts,
        capacity_headroom,
        metric_anomalies,
        capacity_scenarios,
        reconciled_forecasts,
    ],
    asset_checks=[
        *raw_metrics_checks,
        *metric_series_checks,
        *forecast_checks,
        *headroom_checks,
        *anomaly_checks,
        *scenario_checks,
        *hierarchy_checks,
    ],
)
