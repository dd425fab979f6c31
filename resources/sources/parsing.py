"""Turn text records (a landed file, an API page) into a canonical frame plus its rejected rows.

French exports come as UTF-8 or Windows-1252, separated by ``;`` or ``,``, with decimal commas.
A value that cannot be read sends its row to quarantine with file, row, column and reason;
a file that cannot be read at all raises ``LandingFileError`` naming the file.
"""

from __future__ import annotations

import io

import polars as pl

from resources.schemas import RawSchema
from resources.sources.base import REJECT_COLUMNS

_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
)
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")
_OFFSET_RE = r"(Z|[+-]\d{2}:?\d{2})$"


class LandingFileError(ValueError):
    """A landed file that cannot be read at all."""


def decode(data: bytes, origin: str) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, the usual French Excel export."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise LandingFileError(f"{origin}: neither UTF-8 nor Windows-1252 ({exc})") from exc


def sniff_separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (";", ",", "\t", "|")}
    return max(counts, key=lambda s: counts[s]) if any(counts.values()) else ","


def read_csv_text(data: bytes, origin: str) -> pl.DataFrame:
    """Every column as text; header names normalised (lower case, spaces to ``_``)."""
    text = decode(data, origin)
    if not text.strip():
        raise LandingFileError(f"{origin}: the file is empty")
    separator = sniff_separator(text.splitlines()[0])
    try:
        frame = pl.read_csv(io.StringIO(text), separator=separator, infer_schema=False)
    except Exception as exc:  # polars raises several error types for malformed CSV
        raise LandingFileError(f"{origin}: cannot be parsed as CSV ({exc})") from exc
    return normalise_columns(frame)


def normalise_columns(frame: pl.DataFrame) -> pl.DataFrame:
    names = [c.strip().lower().replace(" ", "_") for c in frame.columns]
    return frame.rename(dict(zip(frame.columns, names)))


def _parse_datetime(col: pl.Expr, tz: str) -> pl.Expr:
    text = col.str.strip_chars()
    naive = pl.coalesce([text.str.to_datetime(f, strict=False, time_unit="us") for f in _DATETIME_FORMATS]
                        + [text.str.to_date(f, strict=False).cast(pl.Datetime("us"))
                           for f in _DATE_FORMATS])
    local = naive.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
    with_offset = (text.str.replace(r"Z$", "+00:00").str.replace(" ", "T")
                   .str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%z", strict=False, time_unit="us"))
    aware = pl.when(text.str.contains(_OFFSET_RE)).then(with_offset.dt.convert_time_zone("UTC"))
    return aware.otherwise(local.dt.convert_time_zone("UTC"))


def _parse_date(col: pl.Expr) -> pl.Expr:
    text = col.str.strip_chars().str.slice(0, 10)
    return pl.coalesce([text.str.to_date(f, strict=False) for f in _DATE_FORMATS])


def _parse_number(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    text = (col.str.strip_chars().str.replace_all(r"[\s\u00a0\u202f]", "")
            .str.replace(r"^(-?\d+),(\d+)$", "$1.$2"))
    if dtype.is_integer():
        return text.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False).cast(dtype, strict=False)
    return text.cast(pl.Float64, strict=False).cast(dtype, strict=False)


def _parse_bool(col: pl.Expr) -> pl.Expr:
    text = col.str.strip_chars().str.to_lowercase()
    return (pl.when(text.is_in(["true", "1", "yes", "oui", "vrai"])).then(True)
            .when(text.is_in(["false", "0", "no", "non", "faux"])).then(False))


def parse_column(col: pl.Expr, dtype: pl.DataType, tz: str) -> pl.Expr:
    if dtype == pl.String():
        return col
    if isinstance(dtype, pl.Datetime):
        return _parse_datetime(col, tz)
    if dtype == pl.Date():
        return _parse_date(col)
    if dtype.is_numeric():
        return _parse_number(col, dtype)
    if dtype == pl.Boolean():
        return _parse_bool(col)
    raise TypeError(f"no parser for {dtype}")


def _day_of(schema: RawSchema, column: pl.Expr) -> pl.Expr:
    if schema.columns[schema.time_column] == pl.Date():
        return column
    return column.dt.convert_time_zone("Europe/Paris").dt.date()


def partition_date_expr(schema: RawSchema) -> pl.Expr:
    """The Europe/Paris day of the schema's time column."""
    return _day_of(schema, pl.col(schema.time_column))


def coerce_frame(raw: pl.DataFrame, schema: RawSchema, origin: str,
                 source_timezone: str = "Europe/Paris",
                 row_offset: int = 2) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse text columns into ``schema``; return (rows with ``partition_date``, rejects).

    ``row_offset`` is the file line of the first record (2 for a CSV with a header).
    A missing required column raises ``LandingFileError``; bad values reject their row.
    Columns outside the schema are kept (as text) only when ``schema.keep_extra``.
    A row whose time column cannot be read has no day: its reject carries a null
    ``partition_date`` and the caller files it under the file's main day.
    """
    raw = normalise_columns(raw).with_columns(pl.all().cast(pl.String))
    missing = [c for c in schema.required if c not in raw.columns]
    if missing:
        raise LandingFileError(f"{origin}: missing required column(s) {', '.join(missing)}; "
                               f"found {', '.join(raw.columns) or 'none'}")
    text = raw.with_columns([pl.lit(None, pl.String).alias(c) for c in schema.columns
                             if c not in raw.columns])
    text = text.with_row_index("_row", offset=row_offset).with_columns(pl.col("_row").cast(pl.Int64))
    blank = {c: pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in schema.columns}
    text = text.with_columns([pl.when(blank[c]).then(None).otherwise(pl.col(c)).alias(c)
                              for c in schema.columns])
    parsed = text.with_columns([parse_column(pl.col(c), t, source_timezone).alias(f"__{c}")
                                for c, t in schema.columns.items()])
    reasons = []
    for c, dtype in schema.columns.items():
        if c in schema.required:
            reasons.append(pl.when(pl.col(c).is_null())
                           .then(pl.lit(f"{c}|missing required value")))
        if dtype != pl.String():
            reasons.append(pl.when(pl.col(c).is_not_null() & pl.col(f"__{c}").is_null())
                           .then(pl.lit(f"{c}|cannot read '") + pl.col(c).str.slice(0, 40)
                                 + pl.lit(f"' as {dtype}")))
    first_reason = pl.coalesce(reasons) if reasons else pl.lit(None, pl.String)
    parsed = parsed.with_columns(first_reason.alias("__reason"))
    bad = parsed.filter(pl.col("__reason").is_not_null())
    good = parsed.filter(pl.col("__reason").is_null())

    extra = [c for c in raw.columns if c not in schema.columns] if schema.keep_extra else []
    rows = good.select([pl.col(f"__{c}").alias(c) for c in schema.columns] + extra)
    if schema.time_column:
        rows = rows.with_columns(partition_date_expr(schema).alias("partition_date"))
    reason = pl.col("__reason").str.split_exact("|", 1).struct
    rejects = bad.select(
        *[pl.col(c) for c in raw.columns],
        pl.lit(origin).alias("_file"), pl.col("_row"),
        reason.field("field_0").alias("_column"), reason.field("field_1").alias("_reason"),
        _day_of(schema, pl.col(f"__{schema.time_column}")).alias("partition_date")
        if schema.time_column else pl.lit(None, pl.Date).alias("partition_date"),
    )
    return rows, rejects


def empty_rejects() -> pl.DataFrame:
    return pl.DataFrame(schema=REJECT_COLUMNS)
