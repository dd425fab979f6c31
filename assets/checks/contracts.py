"""Data-contract asset checks: the lake files of a run validated against a ``LakeSchema``.

One factory, ``build_contract_check``, gives a raw asset a partitioned ``data_contract`` check.
The check reads the run's days from the lake (``storage`` resource), one frame for all of them,
and validates it with Great Expectations 1.x (ephemeral context, no network, no files written):

* table columns include every schema column and ``partition_date``;
* non-null ``required`` columns; ``key`` unique per ``partition_date``; ``partition_date`` equal
  to the day of the lake file that holds the row;
* ``ranges`` (between) and ``categories`` (in set; nulls allowed unless required);
* whatever ``extra_expectations(schema)`` returns (``ordered`` gives row-wise orderings).

Raw assets and every derived lake frame (series, models, ML outputs: resources/ml_schemas.py)
have one.

Column dtypes are compared per lake file in polars (exact dtype, all-``Null`` columns accepted):
pandas cannot represent them faithfully (a nullable Int8 becomes float64), so a GX type
expectation would check the conversion, not the contract. The dtype failures are reported in the
same shape as the GX ones. A column absent from some day is left out of the GX batch so the table
expectation names it; a mistyped column is cast (non-strict) so the other expectations still run.
"""

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # GX 1.x: no usage statistics

import itertools
from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

import dagster as dg
import polars as pl

from resources.calendar import context_days
from resources.compute import priority_tags
from resources.schemas import LakeSchema
from resources.storage import LakehouseStorage

if TYPE_CHECKING:  # GX takes seconds to import: only when a check runs
    import great_expectations.expectations as gxe

SAMPLES = 5
LAKE_DAY = "_lake_day"  # the day of the lake file a row was read from
ExtraExpectations = Callable[[LakeSchema], Iterable["gxe.Expectation"]]


def _conform(schema: LakeSchema, frames: list[tuple[date, pl.DataFrame]]):
    """One frame with the schema's columns and dtypes, plus the per-day structural findings."""
    expected = schema.with_partition
    absent: dict[str, list[str]] = {}
    mistyped: dict[str, dict[str, Any]] = {}
    parts = []
    for day, frame in frames:
        exprs = []
        for name, dtype in expected.items():
            if name not in frame.columns:
                absent.setdefault(name, []).append(day.isoformat())
                frame = frame.with_columns(pl.lit(None, dtype).alias(name))  # dropped below
            actual = frame.schema[name]
            if actual != dtype and actual != pl.Null():
                found = mistyped.setdefault(name, {"rows": 0, "samples": []})
                found["rows"] += frame.height
                found["samples"].append(f"{day}: {actual} (expected {dtype})")
            exprs.append(pl.col(name) if actual == dtype else pl.col(name).cast(dtype, strict=False))
        try:
            parts.append(frame.select(*exprs, pl.lit(day).alias(LAKE_DAY)))
        except pl.exceptions.PolarsError:  # an impossible cast: keep the rows, drop the values
            parts.append(
                frame.with_columns(
                    pl.lit(None, t).alias(n) for n, t in expected.items() if frame.schema[n] != t
                ).select(*expected, pl.lit(day).alias(LAKE_DAY))
            )
    data = (
        pl.concat(parts, how="vertical")
        if parts
        else schema.empty().with_columns(pl.lit(None, pl.Date()).alias(LAKE_DAY))
    )
    return data.drop(list(absent)), absent, mistyped


def _value_expectations(schema: LakeSchema, present: list[str], extra: ExtraExpectations | None):
    import great_expectations.expectations as gxe

    ok = set(present).__contains__
    found: list[gxe.Expectation] = [
        gxe.ExpectColumnValuesToNotBeNull(column=column)
        for column in ("partition_date", *schema.required)
        if ok(column)
    ]
    if ok("partition_date"):
        found.append(gxe.ExpectColumnPairValuesToBeEqual(column_A="partition_date", column_B=LAKE_DAY))
    key = [*schema.key, "partition_date"]
    if schema.key and all(map(ok, key)):
        found.append(gxe.ExpectCompoundColumnsToBeUnique(column_list=key))
    found += [
        gxe.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high)
        for column, (low, high) in schema.ranges.items()
        if ok(column) and (low is not None or high is not None)
    ]
    found += [
        gxe.ExpectColumnValuesToBeInSet(column=column, value_set=list(allowed))
        for column, allowed in schema.categories.items()
        if ok(column)
    ]
    return found + list(extra(schema) if extra else ())


def _columns_of(expectation: "gxe.Expectation") -> list[str]:
    named = [getattr(expectation, a, None) for a in ("column", "column_A", "column_B")]
    return [c for c in named if isinstance(c, str)] + list(getattr(expectation, "column_list", None) or [])


def _to_pandas(frame: pl.DataFrame):
    # GX's between is vectorised only for int64/float64 columns (a Python loop otherwise).
    return frame.with_columns(
        pl.col(pl.Int8, pl.Int16, pl.Int32, pl.UInt8, pl.UInt16, pl.UInt32).cast(pl.Int64),
        pl.col(pl.Float32).cast(pl.Float64),
    ).to_pandas()


def validate_frame(schema: LakeSchema, data: pl.DataFrame, extra: ExtraExpectations | None = None):
    """Run the schema's GX expectations on ``data``; returns the ExpectationValidationResults.

    Two batches of one whole-dataframe batch definition: the table-columns expectation sees a
    zero-row frame with every column, the value expectations only the columns they name (pandas
    conversion and GX's batch fingerprint cost a pass over every column of every row).
    """
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    batches = (
        context.data_sources.add_pandas(name="lake")
        .add_dataframe_asset(name=schema.asset)
        .add_batch_definition_whole_dataframe("run_days")
    )
    values = _value_expectations(schema, data.columns, extra)
    used = [c for c in data.columns if any(c in _columns_of(e) for e in values)]
    if any(not _columns_of(e) for e in values):  # a table-level extra expectation: every column
        used = data.columns
    runs = {
        "structure": (
            [gxe.ExpectTableColumnsToMatchSet(column_set=list(schema.with_partition), exact_match=False)],
            data.head(0),
        ),
        "values": (values, data.select(used)),
    }
    results = []
    for name, (expectations, frame) in runs.items():
        if not expectations:
            continue
        suite = context.suites.add(
            gx.ExpectationSuite(name=f"{schema.asset}_{name}", expectations=expectations)
        )
        definition = gx.ValidationDefinition(name=f"{schema.asset}_{name}", data=batches, suite=suite)
        outcome = definition.run(
            batch_parameters={"dataframe": _to_pandas(frame)},
            result_format={"result_format": "BASIC", "partial_unexpected_count": SAMPLES},
        )
        results += outcome.results
    return results


def _failure(result) -> dict[str, Any]:
    config = result.expectation_config
    kwargs = config.kwargs
    target = (
        kwargs.get("column")
        or kwargs.get("column_list")
        or [kwargs[k] for k in ("column_A", "column_B") if k in kwargs]
        or ""
    )
    target = ", ".join(target) if isinstance(target, list) else str(target)
    found = result.result or {}
    if "details" in found:  # table columns: the missing ones are the unexpected values
        samples = found["details"].get("mismatched", {}).get("missing", [])
        count = len(samples)
    else:
        samples = found.get("partial_unexpected_list") or []
        count = found.get("unexpected_count")
    info = result.exception_info or {}
    if info.get("raised_exception"):
        samples = [str(info.get("exception_message"))]
    return {
        "expectation": f"{config.type}({target})" if target else config.type,
        "unexpected_count": count,
        "samples": [str(s) for s in samples[:SAMPLES]],
    }


def evaluate_contract(
    schema: LakeSchema, frames, missing: list[date], extra: ExtraExpectations | None = None
) -> dg.AssetCheckResult:
    """The check's logic, without Dagster context: frames are ``(day, polars frame)`` pairs."""
    days = len(frames) + len(missing)
    if missing:
        shown = ", ".join(d.isoformat() for d in missing[:20])
        more = f" (+{len(missing) - 20} more)" if len(missing) > 20 else ""
        return dg.AssetCheckResult(
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            description=f"{len(missing)} of {days} day(s) have no lake file: {shown}{more}",
            metadata={"missing_days": dg.MetadataValue.json([d.isoformat() for d in missing]), "days": days},
        )
    data, absent, mistyped = _conform(schema, frames)
    results = validate_frame(schema, data, extra)
    failures = [_failure(r) for r in results if not r.success]
    for failure in failures:
        if failure["expectation"].startswith("expect_table_columns_to_match_set"):
            failure["samples"] = [
                f"{c} absent on {', '.join(absent.get(c, [])[:3])}" for c in failure["samples"]
            ]
    failures += [
        {
            "expectation": f"expect_column_values_to_be_of_type({column})",
            "unexpected_count": found["rows"],
            "samples": found["samples"][:SAMPLES],
        }
        for column, found in mistyped.items()
    ]
    summary = "; ".join(f"{f['expectation']}: {f['unexpected_count']}" for f in failures)
    return dg.AssetCheckResult(
        passed=not failures,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"{len(failures)} failed expectation(s): {summary}"
        if failures
        else f"{data.height} rows of {days} day(s) meet the contract",
        metadata={
            "rows_validated": data.height,
            "days": days,
            "first_day": frames[0][0].isoformat() if frames else "",
            "last_day": frames[-1][0].isoformat() if frames else "",
            "expectations": len(results) + len(schema.with_partition),
            "failed_expectations": dg.MetadataValue.json(failures),
            "failures": dg.MetadataValue.text(summary or "none"),
        },
    )


def ordered(*columns: str) -> ExtraExpectations:
    """Extra expectations: each column at most the next one, row by row (e.g. the bands
    ``lo95 <= lo80 <= forecast <= hi80 <= hi95``)."""

    def expectations(schema: LakeSchema) -> list["gxe.Expectation"]:
        import great_expectations.expectations as gxe

        return [
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A=high, column_B=low, or_equal=True)
            for low, high in itertools.pairwise(columns)
        ]

    return expectations


def build_contract_check(
    schema: LakeSchema,
    partitions_def: dg.PartitionsDefinition,
    blocking: bool = True,
    extra_expectations: ExtraExpectations | None = None,
) -> dg.AssetChecksDefinition:
    """A partitioned ``data_contract`` check of ``schema.asset``.

    ``extra_expectations(schema)`` may return more GX expectations to add to the suite.
    """

    @dg.asset_check(
        asset=schema.asset,
        name="data_contract",
        partitions_def=partitions_def,
        blocking=blocking,
        description=f"Great Expectations data contract of {schema.asset}",
        op_tags=priority_tags(schema.asset) or None,  # downstream steps wait on a blocking check
    )
    def data_contract(
        context: dg.AssetCheckExecutionContext, storage: LakehouseStorage
    ) -> dg.AssetCheckResult:
        frames, missing = storage.day_frames(schema.asset, context_days(context))
        return evaluate_contract(schema, frames, missing, extra_expectations)

    return data_contract
