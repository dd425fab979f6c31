"""One declaration of a daily lake asset, driven by its ``LakeSchema`` (resources/schemas.py):

- ``daily_lake_asset(schema, ...)``: the asset decorator that names the asset after its schema
  and sets what every daily lake asset shares: daily partitions, the single-run backfill
  policy, the lake IO manager (one Parquet file per day), its kinds. Its owner is the team of
  its group, given in definitions.py to every asset at once, dbt's included, when the
  definitions are built (so ``APPOPS_ASSET_OWNERS`` is read then; resources/owners.py).
- ``daily_lake_multi_asset(schemas, ...)``: the same for several lake assets one step computes
  together (one output per schema).
- ``lake_checks(schema)``: its checks, built from the same schema: the blocking data contract
  (assets/checks/contracts.py) and, when the schema names drift columns, the drift check
  (assets/checks/drift.py).
"""

from collections.abc import Callable, Iterable, Mapping, Sequence

import dagster as dg

from assets.checks.contracts import ExtraExpectations, build_contract_check
from assets.checks.drift import build_drift_check
from resources.calendar import daily_partitions, single_run
from resources.compute import step_tags
from resources.schemas import LakeSchema

LAKE_KINDS = frozenset({"polars", "parquet"})


def daily_lake_asset(
    schema: LakeSchema, *, kinds: Iterable[str] = LAKE_KINDS, **asset_args
) -> Callable[[Callable], dg.AssetsDefinition]:
    """``@dg.asset`` for the daily lake asset of ``schema`` (other ``dg.asset`` arguments pass
    through: group_name, description, deps, ins, config...). Its op tags: its priority and
    Kubernetes requests (``resources.compute.step_tags``), then any given."""
    op_tags = {**step_tags(schema.asset), **asset_args.pop("op_tags", {})}
    return dg.asset(
        name=schema.asset,
        op_tags=op_tags or None,
        partitions_def=daily_partitions,
        backfill_policy=single_run,
        io_manager_key="lake_io_manager",
        kinds=set(kinds),
        **asset_args,
    )


def daily_lake_multi_asset(
    schemas: Sequence[LakeSchema],
    *,
    descriptions: Mapping[str, str],
    kinds: Iterable[str] = LAKE_KINDS,
    **asset_args,
) -> Callable[[Callable], dg.AssetsDefinition]:
    """``@dg.multi_asset`` for the daily lake assets of ``schemas``, computed by one step named
    after the first (its outputs in the order of ``schemas``; ``descriptions`` by asset name).
    The same partitions, policy, IO manager and step tags as ``daily_lake_asset``."""
    step = schemas[0].asset
    outs = {
        s.asset: dg.AssetOut(
            io_manager_key="lake_io_manager",
            kinds=set(kinds),
            description=descriptions[s.asset],
        )
        for s in schemas
    }
    op_tags = {**step_tags(step), **asset_args.pop("op_tags", {})}
    return dg.multi_asset(
        name=step,
        outs=outs,
        op_tags=op_tags or None,
        partitions_def=daily_partitions,
        backfill_policy=single_run,
        **asset_args,
    )


def lake_checks(
    schema: LakeSchema, blocking: bool = True, extra_expectations: ExtraExpectations | None = None
) -> list[dg.AssetChecksDefinition]:
    """The data contract of ``schema``'s asset, and its drift check when the schema has one."""
    checks = [build_contract_check(schema, daily_partitions, blocking, extra_expectations)]
    if schema.drift is not None:
        checks.append(build_drift_check(schema.asset, daily_partitions, **schema.drift.options()))
    return checks
