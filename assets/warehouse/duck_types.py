"""DuckDB column types of the lake schemas: the dbt sources and their typed empty relations."""

import polars as pl

from resources.ml_schemas import ML_OUTPUTS
from resources.schemas import RAW_SCHEMAS, LakeSchema

_TYPES = {
    pl.String: "VARCHAR",
    pl.Date: "DATE",
    pl.Float64: "DOUBLE",
    pl.Int8: "TINYINT",
    pl.Int16: "SMALLINT",
    pl.Int32: "INTEGER",
    pl.Int64: "BIGINT",
    pl.Boolean: "BOOLEAN",
}


def duck_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Datetime):
        return "TIMESTAMP WITH TIME ZONE" if dtype.time_zone else "TIMESTAMP"
    try:
        return _TYPES[dtype.base_type()]
    except KeyError:
        raise ValueError(f"no DuckDB type for polars {dtype}") from None


def source_columns(schema: LakeSchema) -> dict[str, str]:
    """Every column a lake file of ``schema`` holds (``partition_date`` included), typed."""
    return {name: duck_type(dtype) for name, dtype in schema.with_partition.items()}


LAKE_SCHEMAS: dict[str, LakeSchema] = {**RAW_SCHEMAS, **ML_OUTPUTS}
