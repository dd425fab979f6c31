"""``capacity_scenarios``: what-if scenarios over the daily forecasts (growth from a date, a
step, a resource removed), with days to threshold and crossing probabilities recomputed per
scenario beside the baseline's, and PNGs of each scenario's most affected series."""

import dagster as dg
import polars as pl

from assets.lake import daily_lake_asset, lake_checks
from resources.calendar import context_days
from resources.forecasting.headroom import headroom_row
from resources.forecasting.scenarios import SHIPPED, apply_scenario, load_scenarios, parse_scenarios
from resources.forecasting.settings import ForecastSettings
from resources.forecasting.thresholds import load_thresholds, threshold_for
from resources.ml_schemas import CAPACITY_SCENARIOS
from resources.storage import LakehouseStorage


class ScenariosConfig(dg.Config):
    """Scenarios as run config (a list of dicts, see resources/forecasting/scenarios.py), else
    the YAML ``scenarios_file``, else the shipped resources/forecasting/capacity_scenarios.yaml."""

    scenarios: list[dict] = []
    scenarios_file: str = ""


def _summary(part: pl.DataFrame, threshold: float | None, ident: dict, method: str) -> dict:
    """Peak and (with a threshold) days to it and crossing probabilities of one series."""
    part = part.sort("horizon_days")
    out = {"peak_forecast_90d": float(part["forecast"].max())}
    if threshold is not None:
        row = headroom_row(part, ident, threshold, method)
        out.update(
            days_to_threshold=row["days_to_threshold"],
            p_cross_30d=row["p_cross_30d"],
            p_cross_90d=row["p_cross_90d"],
        )
    return out


def scenario_rows(
    daily: pl.DataFrame, scenarios, rules, capped: set[str], method: str = "blend"
) -> list[dict]:
    rows = []
    # The baseline of a series and origin is the same for every scenario: split and summarised
    # once (a filter of the whole frame per row took most of the time at 1,000 series).
    bases = {key: part for key, part in daily.group_by("series_id", "origin", maintain_order=True)}
    summaries: dict[tuple, dict] = {}
    for scenario in scenarios:
        changed = apply_scenario(daily, scenario, capped)
        for (series_id, origin), part in changed.group_by("series_id", "origin", maintain_order=True):
            metric, *resource, agg = series_id.split("/")
            ident = {"series_id": series_id, "metric": metric, "resource": "/".join(resource)}
            threshold = threshold_for(rules, metric, ident["resource"], agg)
            now = _summary(part, threshold, ident, method)
            if (series_id, origin) not in summaries:
                summaries[series_id, origin] = _summary(bases[series_id, origin], threshold, ident, method)
            before = summaries[series_id, origin]
            rows.append(
                {
                    "scenario": scenario.name,
                    "kind": scenario.kind,
                    **ident,
                    "origin": origin,
                    "capacity_threshold": threshold,
                    **now,
                    **{f"baseline_{k}": v for k, v in before.items()},
                    "partition_date": origin,
                }
            )
    return rows


def _plots(storage, day, daily, frame, scenarios, capped) -> dict:
    from resources.forecasting.plots import save_plot, scenario_plot

    markdown, paths = [], {}
    last = frame.filter(pl.col("origin") == day)
    for scenario in scenarios:
        mine = last.filter(pl.col("scenario") == scenario.name)
        if mine.height == 0:
            continue
        worst = mine.with_columns(change=pl.col("peak_forecast_90d") / pl.col("baseline_peak_forecast_90d"))
        series_id = worst.sort("change", descending=True)["series_id"][0]
        base = daily.filter(pl.col("series_id") == series_id, pl.col("origin") == day).sort("target_time")
        changed = apply_scenario(base, scenario, capped)
        threshold = mine.filter(pl.col("series_id") == series_id)["capacity_threshold"][0]
        title = f"{scenario.name}: {series_id}"
        png = scenario_plot(base, changed, threshold, title)
        paths[scenario.name], entry = save_plot(storage, "scenarios", day, scenario.name, title, png)
        markdown.append(entry)
    return {
        "scenario_plots": dg.MetadataValue.md("\n\n".join(markdown) or "_none_"),
        "plot_files": dg.MetadataValue.json(paths),
    }


@daily_lake_asset(
    CAPACITY_SCENARIOS,
    group_name="metrics",
    kinds={"polars", "parquet"},
    description="What-if scenarios (growth from a date, step, resource removed; run config "
    "or resources/forecasting/capacity_scenarios.yaml): per scenario and series "
    "touched, the 90-day peak, days to threshold and crossing probabilities "
    "beside the baseline's. Schema: CAPACITY_SCENARIOS.",
)
def capacity_scenarios(
    context: dg.AssetExecutionContext,
    config: ScenariosConfig,
    capacity_forecasts: pl.DataFrame,
    storage: LakehouseStorage,
    forecasting: ForecastSettings,
) -> pl.DataFrame:
    days = context_days(context)
    scenarios = (
        parse_scenarios(config.scenarios, "run config scenarios")
        if config.scenarios
        else load_scenarios(config.scenarios_file or SHIPPED)
    )
    rules = load_thresholds(forecasting.thresholds_file)
    daily = capacity_forecasts.filter(pl.col("grain") == "daily")
    capped = {s for s in daily["series_id"].unique().to_list() if s.startswith("cpu_utilisation/")}
    schema = CAPACITY_SCENARIOS.with_partition
    rows = scenario_rows(daily, scenarios, rules, capped, forecasting.crossing_method)
    frame = (pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)).sort(
        "origin", "scenario", "series_id"
    )
    context.add_output_metadata(
        {
            "dagster/row_count": frame.height,
            "scenarios": len(scenarios),
            "comparison": dg.MetadataValue.md(
                frame.filter(pl.col("origin") == days[-1])
                .drop("partition_date")
                .to_pandas()
                .to_markdown(index=False)
                if frame.height
                else "_none_"
            ),
            **(_plots(storage, days[-1], daily, frame, scenarios, capped) if frame.height else {}),
        }
    )
    return frame


scenario_checks = [
    *lake_checks(CAPACITY_SCENARIOS),
]
