"""``reconciled_forecasts``: daily forecasts of every node of the metric hierarchies (resource ->
cluster -> platform, API -> family -> platform) that add up, and the ``hierarchy_coherence``
check that each parent equals the sum of its children at every step."""

from datetime import date

import dagster as dg
import numpy as np
import pandas as pd
import polars as pl

from assets.lake import daily_lake_asset, lake_checks
from assets.metrics.history import run_histories
from resources.calendar import context_days, daily_partitions
from resources.compute import parallel_map
from resources.forecasting.hierarchy import (
    Hierarchy,
    forecast_node,
    load_hierarchies,
    mint_wls,
    one_step_variance,
)
from resources.forecasting.history import History
from resources.forecasting.settings import ForecastSettings
from resources.ml_schemas import RECONCILED_FORECASTS
from resources.storage import LakehouseStorage, read_parquet

BANDS = ("lo80", "hi80", "lo95", "hi95")
TOLERANCE = 1e-6  # relative: a parent may differ from its children's sum by rounding only


def _sum_history(node: str, children: list[History]) -> History:
    """The daily history of an aggregate node: its bottom series summed on their common days
    (a day missing in one child is missing in the sum, then filled like any gap)."""
    frame = pd.concat([pd.Series(h.values, index=h.times) for h in children], axis=1)
    total = frame.sum(axis=1, min_count=len(children))
    first = children[0]
    return History(
        node,
        "daily",
        first.metric,
        node.split("/")[1],
        first.agg,
        first.unit,
        pd.DatetimeIndex(total.index),
        total.to_numpy(dtype=np.float64),
    )


def reconcile_origin(
    hier: Hierarchy,
    origin: date,
    daily: pl.DataFrame,
    histories: dict[str, History],
    settings: ForecastSettings,
) -> list[dict]:
    """Rows of every node of one hierarchy at one origin (empty under two bottom series)."""
    bottoms = [
        r
        for r in hier.parents
        if hier.node(r) in histories and daily.filter(pl.col("series_id") == hier.node(r)).height == 90
    ]
    if len(bottoms) < 2:
        return []
    nodes, levels, s = hier.structure(bottoms)
    steps = 90
    bands = {}
    for k, node in enumerate(nodes):
        if k >= len(nodes) - len(bottoms):
            part = daily.filter(pl.col("series_id") == node).sort("horizon_days")
            bands[node] = {c: part[c].to_numpy() for c in ("forecast", *BANDS)}
        else:
            children = [histories[hier.node(b)] for j, b in enumerate(bottoms) if s[k, j]]
            bands[node] = forecast_node(_sum_history(node, children).cut(origin), settings, steps)
    base = np.stack([bands[n]["forecast"] for n in nodes])
    reconciled = mint_wls(base, s, np.array([one_step_variance(bands[n]) for n in nodes]))
    times = daily.filter(pl.col("series_id") == nodes[-1]).sort("horizon_days")["target_time"]
    parent_of = {hier.node(b): hier.node(hier.parents[b][0]) for b in bottoms}
    for b in bottoms:
        for depth in range(len(hier.parents[b]) - 1):
            parent_of[hier.node(hier.parents[b][depth])] = hier.node(hier.parents[b][depth + 1])
    rows = []
    for k, node in enumerate(nodes):
        shift = reconciled[k] - base[k]
        rows.append(
            pl.DataFrame(
                {
                    "hierarchy": hier.metric,
                    "series_id": node,
                    "level": levels[k],
                    "parent_id": pl.Series([parent_of.get(node)] * steps, dtype=pl.String),
                    "origin": origin,
                    "target_time": times,
                    "horizon_days": np.arange(1, steps + 1, dtype=np.int32),
                    "base_forecast": base[k],
                    "forecast": reconciled[k],
                    **{c: np.maximum(bands[node][c] + shift, 0.0) for c in BANDS},
                    "partition_date": origin,
                }
            )
        )
    return rows


def _reconcile_job(job: tuple) -> list[pl.DataFrame]:
    hier, origin, daily, histories, fields = job
    settings = ForecastSettings(**fields)  # a Dagster resource does not unpickle: rebuilt here
    return reconcile_origin(hier, origin, daily, histories, settings)


def reconcile_all(
    hierarchies: list[Hierarchy],
    origins: list[date],
    daily: pl.DataFrame,
    histories: dict[str, History],
    settings: ForecastSettings,
) -> list[pl.DataFrame]:
    """``reconcile_origin`` of every hierarchy at every origin, in order, on
    ``settings.workers`` processes (or Dask: ``resources.compute.parallel_map``); each job
    carries only its hierarchy's bottom series (their forecasts of that origin, histories)."""
    fields = {name: getattr(settings, name) for name in ForecastSettings.model_fields}
    jobs = []
    for hier in hierarchies:
        mine = {hier.node(r) for r in hier.parents}
        hists = {k: h for k, h in histories.items() if k in mine}
        part = daily.filter(pl.col("series_id").is_in(sorted(mine)))
        jobs += [(hier, o, part.filter(pl.col("origin") == o), hists, fields) for o in origins]
    done = parallel_map(_reconcile_job, jobs, settings.workers, start_method="forkserver")
    return [frame for frames in done for frame in frames]


@daily_lake_asset(
    RECONCILED_FORECASTS,
    group_name="metrics",
    kinds={"numpy", "parquet"},
    description="Daily forecasts (90 days) of every node of the hierarchies of "
    "resources/forecasting/capacity_hierarchy.yaml (resource -> cluster -> "
    "platform, API -> family -> platform), reconciled by MinT (diagonal "
    "covariance) so that every parent is the sum of its children. "
    "Schema: RECONCILED_FORECASTS.",
)
def reconciled_forecasts(
    context: dg.AssetExecutionContext,
    capacity_forecasts: pl.DataFrame,
    storage: LakehouseStorage,
    forecasting: ForecastSettings,
) -> pl.DataFrame:
    days = context_days(context)
    histories = {h.series_id: h for h in run_histories(storage, days, forecasting)["daily"]}
    daily = capacity_forecasts.filter(pl.col("grain") == "daily")
    frames = reconcile_all(load_hierarchies(forecasting.hierarchy_file), days, daily, histories, forecasting)
    schema = RECONCILED_FORECASTS.with_partition
    out = pl.concat(frames).select(schema.keys()).cast(schema) if frames else pl.DataFrame(schema=schema)
    moved = (out["forecast"] - out["base_forecast"]).abs() / out["base_forecast"].abs().clip(1e-9)
    context.add_output_metadata(
        {
            "dagster/row_count": out.height,
            "nodes": out["series_id"].n_unique(),
            "median_relative_adjustment": float(moved.median() or 0.0),
        }
    )
    return out


def incoherence(frame: pl.DataFrame) -> pl.DataFrame:
    """Parents whose forecast differs from their children's sum beyond the tolerance, per
    forecast origin: a run over several days holds several origins forecasting the same target
    times, and only forecasts of one origin add up."""
    sums = (
        frame.filter(pl.col("parent_id").is_not_null())
        .group_by("parent_id", "origin", "target_time")
        .agg(children=pl.col("forecast").sum())
    )
    joined = frame.join(
        sums,
        left_on=["series_id", "origin", "target_time"],
        right_on=["parent_id", "origin", "target_time"],
    )
    gap = (pl.col("forecast") - pl.col("children")).abs()
    return joined.filter(gap > TOLERANCE * pl.col("forecast").abs().clip(1.0)).select(
        "series_id", "origin", "target_time", "forecast", "children"
    )


@dg.asset_check(
    asset=reconciled_forecasts,
    name="hierarchy_coherence",
    partitions_def=daily_partitions,
    blocking=True,
    description="Every parent's reconciled forecast equals the sum of its children's "
    "at every step (relative tolerance 1e-6).",
)
def hierarchy_coherence(
    context: dg.AssetCheckExecutionContext, storage: LakehouseStorage
) -> dg.AssetCheckResult:
    frames = [
        read_parquet(storage.lake_file("reconciled_forecasts", d))
        for d in context_days(context)
        if storage.lake_file("reconciled_forecasts", d).exists()
    ]
    frame = pl.concat(frames) if frames else RECONCILED_FORECASTS.empty()
    bad = incoherence(frame)
    return dg.AssetCheckResult(
        passed=bad.height == 0,
        description=(
            f"{bad.height} parent step(s) differ from their children's sum"
            if bad.height
            else "every parent equals the sum of its children"
        ),
        metadata={
            "rows_checked": frame.height,
            "incoherent": bad.height,
            "parents": frame["parent_id"].drop_nulls().n_unique(),
            "first_incoherent": dg.MetadataValue.md(
                bad.head(10).to_pandas().to_markdown(index=False) if bad.height else "_none_"
            ),
        },
    )


hierarchy_checks = [hierarchy_coherence, *lake_checks(RECONCILED_FORECASTS)]
