"""A range run that starts where the lake's history starts (what .ci/demo does) must not fail:
models fit on a few points are reused without a drift verdict rather than crashing."""

import dagster as dg

from definitions import build_definitions
from resources.calendar import RANGE_END_TAG, RANGE_START_TAG


def test_forecast_range_from_the_first_day_of_history(root):
    defs = build_definitions(root=str(root), mode="demo")
    result = dg.materialize(
        list(defs.assets),
        selection=["raw_metrics", "metric_series", "forecast_models", "capacity_forecasts"],
        resources=defs.resources,
        raise_on_error=False,
        tags={RANGE_START_TAG: "2026-08-27", RANGE_END_TAG: "2026-09-06"},
    )
    assert result.success
    models = [
        e
        for e in result.get_asset_materialization_events()
        if e.asset_key.to_user_string() == "forecast_models"
    ]
    assert models
    forecasts = [
        e
        for e in result.get_asset_materialization_events()
        if e.asset_key.to_user_string() == "capacity_forecasts"
    ]
    assert forecasts
