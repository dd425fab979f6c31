"""The dbt models as Dagster assets, in three selections so the graph has no cycle:

- ``warehouse_reference`` (unpartitioned): staging views, intermediate views, dimensions;
- ``warehouse_daily`` (daily partitions, single-run backfills): the incremental facts and marts,
  built for the run's window with delete+insert (``min_date``/``max_date`` vars);
- ``warehouse_summary`` (unpartitioned, ``tag:over_days``): marts over every day (correlations).

dbt tests become asset checks. All three, and the serving export, share the ``warehouse``
concurrency pool: DuckDB allows one writer per file.
"""

import json
import shutil
import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from assets.warehouse.translator import WarehouseTranslator
from resources.calendar import daily_partitions, single_run
from resources.dbt import WAREHOUSE_POOL, dbt_project, warehouse_env
from resources.storage import LakehouseStorage, work_dir

DAILY = "config.materialized:incremental"
SUMMARY = "tag:over_days"


class WarehouseConfig(dg.Config):
    """``full_refresh``: rebuild the models from every lake day (``--full-refresh``), e.g.
    after a model change; the window vars are then not passed."""

    full_refresh: bool = False


def window_vars(start: datetime, end: datetime) -> dict[str, str]:
    """dbt vars of a partition time window: its first and last day (``end`` is exclusive)."""
    last: date = end.date() - timedelta(days=1)
    if last < start.date():
        raise ValueError(f"empty partition window {start}..{end}")
    return {"min_date": start.date().isoformat(), "max_date": last.isoformat()}


def build_args(window_start: datetime | None, window_end: datetime | None, full_refresh: bool) -> list[str]:
    """``dbt build`` arguments: the window's vars, or every day on a full refresh."""
    if full_refresh:
        return ["build", "--full-refresh"]
    if window_start is None or window_end is None:
        return ["build"]
    return ["build", "--vars", json.dumps(window_vars(window_start, window_end))]


def _run(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    storage: LakehouseStorage,
    full_refresh: bool,
    partitioned: bool,
) -> Iterable:
    window = context.partition_time_window if partitioned else None
    args = build_args(window.start if window else None, window.end if window else None, full_refresh)
    # Each invocation's target folder (run results, dbt.log) goes to the working directory, not
    # into the checkout, and is removed once the build has succeeded: a failed build keeps it
    # for its dbt.log, whose path the error names.
    target = work_dir() / "dbt-target" / f"{context.run.run_id[:8]}-{uuid.uuid4().hex[:7]}"
    with warehouse_env(storage):
        yield from dbt.cli(args, context=context, target_path=target).stream()
    shutil.rmtree(target, ignore_errors=True)


def build_dbt_assets(defined_keys: frozenset[dg.AssetKey]) -> list[dg.AssetsDefinition]:
    project = dbt_project()
    translator = WarehouseTranslator(defined_keys)
    # single_run on the unpartitioned ones too: the CLI runs a partition range (`.ci/demo`) only
    # when every selected asset has that policy.
    common = dict(
        manifest=project.manifest_path,
        project=project,
        backfill_policy=single_run,
        dagster_dbt_translator=translator,
        pool=WAREHOUSE_POOL,
    )

    @dbt_assets(name="warehouse_reference", exclude=f"{DAILY} {SUMMARY}", **common)
    def warehouse_reference(
        context: dg.AssetExecutionContext,
        dbt: DbtCliResource,
        storage: LakehouseStorage,
        config: WarehouseConfig,
    ):
        yield from _run(context, dbt, storage, config.full_refresh, partitioned=False)

    @dbt_assets(name="warehouse_daily", select=DAILY, partitions_def=daily_partitions, **common)
    def warehouse_daily(
        context: dg.AssetExecutionContext,
        dbt: DbtCliResource,
        storage: LakehouseStorage,
        config: WarehouseConfig,
    ):
        yield from _run(context, dbt, storage, config.full_refresh, partitioned=True)

    @dbt_assets(name="warehouse_summary", select=SUMMARY, **common)
    def warehouse_summary(
        context: dg.AssetExecutionContext,
        dbt: DbtCliResource,
        storage: LakehouseStorage,
        config: WarehouseConfig,
    ):
        yield from _run(context, dbt, storage, config.full_refresh, partitioned=False)

    return [warehouse_reference, warehouse_daily, warehouse_summary]
