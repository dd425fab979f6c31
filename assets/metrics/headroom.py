"""``capacity_headroom``: per series with a configured ceiling, days until the daily forecast
crosses it and the probability of crossing within 7/30/90 days; PNGs of the series most at risk."""

import dagster as dg
import polars as pl

from assets.checks.contracts import ordered
from assets.lake import daily_lake_asset, lake_checks
from assets.metrics.history import run_histories
from resources.calendar import context_days
from resources.forecasting.headroom import headroom_frame, headroom_row
from resources.forecasting.plots import risk_plot, save_plot
from resources.forecasting.settings import ForecastSettings
from resources.forecasting.thresholds import load_thresholds, threshold_for
from resources.ml_schemas import CAPACITY_HEADROOM
from resources.storage import LakehouseStorage


def _identity(series_id: str) -> dict:
    """metric/resource/agg (a resource may itself contain '/')."""
    metric, *resource, agg = series_id.split("/")
    return {"series_id": series_id, "metric": metric, "resource": "/".join(resource), "agg": agg}


def _plots(context, storage, forecasting, days, frame, daily) -> dict:
    last = frame.filter(pl.col("origin") == days[-1])
    risky = last.sort(["p_cross_90d", "days_to_threshold"], descending=[True, False], nulls_last=True).head(
        forecasting.plots_top
    )
    if risky.height == 0:
        return {}
    histories = {h.series_id: h for h in run_histories(storage, days[-1:], forecasting)["daily"]}
    markdown, paths = [], {}
    for row in risky.iter_rows(named=True):
        series = daily.filter(pl.col("series_id") == row["series_id"], pl.col("origin") == days[-1])
        title = (
            f"{row['series_id']}: threshold {row['capacity_threshold']:g}, "
            f"P(cross in 90 d) {row['p_cross_90d']:.0%}"
        )
        png = risk_plot(
            histories[row["series_id"]].cut(days[-1]),
            series.sort("target_time"),
            row["capacity_threshold"],
            title,
        )
        paths[row["series_id"]], entry = save_plot(
            storage, "forecasts", days[-1], row["series_id"], title, png
        )
        markdown.append(entry)
    return {
        "at_risk_plots": dg.MetadataValue.md("\n\n".join(markdown)),
        "plot_files": dg.MetadataValue.json(paths),
    }


@daily_lake_asset(
    CAPACITY_HEADROOM,
    group_name="metrics",
    kinds={"polars", "parquet"},
    description="Time to limit where a capacity threshold is configured "
    "(resources/forecasting/capacity_thresholds.yaml or thresholds_file): "
    "days and date the daily forecast first reaches it, probability of "
    "crossing within 7/30/90 days from the intervals. Schema: CAPACITY_HEADROOM.",
)
def capacity_headroom(
    context: dg.AssetExecutionContext,
    capacity_forecasts: pl.DataFrame,
    storage: LakehouseStorage,
    forecasting: ForecastSettings,
) -> pl.DataFrame:
    days = context_days(context)
    rules = load_thresholds(forecasting.thresholds_file)
    daily = capacity_forecasts.filter(pl.col("grain") == "daily")
    rows = []
    for (series_id, _), part in daily.group_by("series_id", "origin", maintain_order=True):
        ident = _identity(series_id)
        threshold = threshold_for(rules, ident["metric"], ident["resource"], ident["agg"])
        if threshold is not None:
            rows.append(
                headroom_row(part.sort("horizon_days"), ident, threshold, forecasting.crossing_method)
            )
    frame = headroom_frame(rows).sort("origin", "series_id")
    context.add_output_metadata(
        {
            "dagster/row_count": frame.height,
            "rules": len(rules),
            "crossing_within_90d": int(frame["days_to_threshold"].is_not_null().sum()),
            "ranking": dg.MetadataValue.md(
                frame.filter(pl.col("origin") == days[-1])
                .sort("days_to_threshold", nulls_last=True)
                .drop("partition_date")
                .to_pandas()
                .to_markdown(index=False)
                if frame.height
                else "_no threshold configured_"
            ),
            **_plots(context, storage, forecasting, days, frame, daily),
        }
    )
    return frame


headroom_checks = [
    *lake_checks(CAPACITY_HEADROOM, extra_expectations=ordered("p_cross_7d", "p_cross_30d", "p_cross_90d")),
]
