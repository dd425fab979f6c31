"""Turn text records (a landed file, an API page) into a canonical frame plus its rejected rows.

French exports come as UTF-8 or Windows-1252, separated by ``;`` or ``,``, with decimal commas.
A value that cannot be read sends its row to quarantine with file, row, column and reason;
a file that cannot be read at all raises ``LandingFileError`` naming the file.
"""

from __future__ import annotations

import io
from datetime import date

import polars as pl

from resources.calendar import TIMEZONE, paris_date
from resources.schemas import LakeSchema
from resources.sources.aliases import Aliases, aliases_for, value_key
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


def _naive_datetime(text: pl.Expr) -> pl.Expr:
    return pl.coalesce(
        [text.str.to_datetime(f, strict=False, time_unit="us") for f in _DATETIME_FORMATS]
        + [text.str.to_date(f, strict=False).cast(pl.Datetime("us")) for f in _DATE_FORMATS]
    )


def _with_offset(text: pl.Expr) -> pl.Expr:
    return (
        text.str.replace(r"Z$", "+00:00")
        .str.replace(" ", "T")
        .str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%z", strict=False, time_unit="us")
        .dt.convert_time_zone("UTC")
    )


def _parse_datetime(col: pl.Expr, tz: str) -> pl.Expr:
    """Without the frame's context: an ambiguous local time reads as its first (summer) instant."""
    text = col.str.strip_chars()
    local = _naive_datetime(text).dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
    return (
        pl.when(text.str.contains(_OFFSET_RE))
        .then(_with_offset(text))
        .otherwise(local.dt.convert_time_zone("UTC"))
    )


def _parse_date(col: pl.Expr) -> pl.Expr:
    text = col.str.strip_chars().str.slice(0, 10)
    return pl.coalesce([text.str.to_date(f, strict=False) for f in _DATE_FORMATS])


def _parse_number(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    text = (
        col.str.strip_chars()
        .str.replace_all(r"[\s\u00a0\u202f]", "")
        .str.replace(r"^(-?\d+),(\d+)$", "$1.$2")
    )
    if dtype.is_integer():
        return text.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False).cast(dtype, strict=False)
    return text.cast(pl.Float64, strict=False).cast(dtype, strict=False)


def _parse_bool(col: pl.Expr) -> pl.Expr:
    text = col.str.strip_chars().str.to_lowercase()
    return (
        pl.when(text.is_in(["true", "1", "yes", "oui", "vrai"]))
        .then(True)
        .when(text.is_in(["false", "0", "no", "non", "faux"]))
        .then(False)
    )


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


def _day_of(schema: LakeSchema, column: pl.Expr) -> pl.Expr:
    if schema.columns[schema.time_column] == pl.Date():
        return column
    return paris_date(column)


def partition_date_expr(schema: LakeSchema) -> pl.Expr:
    """The Europe/Paris day of the schema's time column."""
    return _day_of(schema, pl.col(schema.time_column))


def apply_column_aliases(raw: pl.DataFrame, schema: LakeSchema, aliases: Aliases) -> pl.DataFrame:
    """Rename alias columns to their canonical name when the canonical one is absent."""
    renames: dict[str, str] = {}
    for name in raw.columns:
        target = aliases.columns.get(name)
        if (
            target
            and target in schema.columns
            and target not in raw.columns
            and target not in renames.values()
        ):
            renames[name] = target
    return raw.rename(renames) if renames else raw


def _time_frame(text: pl.DataFrame, schema: LakeSchema, tz: str) -> pl.DataFrame:
    """Parse the datetime columns, resolving autumn DST ambiguity by order within the file.

    A naive local time of the repeated hour is read as summer time the first time a key
    (the schema key without its timestamps) shows it, as winter time the second time; a
    third copy gets no instant (quarantined as ambiguous). Other timestamp columns than the
    schema's time column read the repeated hour as summer time. A local time in the spring
    gap does not exist: no instant (quarantined with that reason).
    """
    stamps = [c for c, t in schema.columns.items() if isinstance(t, pl.Datetime)]
    group = [c for c in schema.key if c not in stamps]
    exprs = []
    for c in stamps:
        value = pl.col(c).str.strip_chars()
        exprs += [
            _naive_datetime(value).alias(f"__naive_{c}"),
            value.str.contains(_OFFSET_RE).fill_null(False).alias(f"__offset_{c}"),
        ]
    frame = text.with_columns(exprs)
    exprs = []
    for c in stamps:
        naive = pl.col(f"__naive_{c}")
        early = naive.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
        late = naive.dt.replace_time_zone(tz, ambiguous="latest", non_existent="null")
        if c == schema.time_column:
            occurrence = pl.int_range(pl.len()).over([f"__naive_{c}", *group])
        else:
            occurrence = pl.lit(0)
        local = (
            pl.when(early == late)
            .then(early)
            .when(occurrence == 0)
            .then(early)
            .when(occurrence == 1)
            .then(late)
        )
        offset = pl.col(f"__offset_{c}")
        exprs += [
            pl.when(offset)
            .then(_with_offset(pl.col(c).str.strip_chars()))
            .otherwise(local.dt.convert_time_zone("UTC"))
            .alias(f"__{c}"),
            pl.when(~offset & naive.is_not_null() & early.is_null())
            .then(
                pl.lit(f"{c}|local time '")
                + pl.col(c).str.slice(0, 40)
                + pl.lit(f"' does not exist in {tz} (spring daylight-saving gap)")
            )
            .when(~offset & (early != late) & local.is_null())
            .then(
                pl.lit(f"{c}|ambiguous local time '")
                + pl.col(c).str.slice(0, 40)
                + pl.lit(f"' (autumn daylight-saving change in {tz}) seen more than twice for the same key")
            )
            .alias(f"__dst_{c}"),
        ]
    return frame.with_columns(exprs).drop(
        [f"__naive_{c}" for c in stamps] + [f"__offset_{c}" for c in stamps]
    )


def _category_values(frame: pl.DataFrame, column: str, allowed: tuple, aliases: Aliases) -> pl.Expr:
    """The canonical category of each value (aliases applied), null when unknown."""
    spellings = aliases.value_map(column, allowed)
    found = frame[column].drop_nulls().unique().to_list()
    mapping = {v: spellings.get(value_key(v)) for v in found}
    return pl.col(column).replace_strict(mapping, default=None, return_dtype=pl.String)


def _rule_reasons(schema: LakeSchema, sanity: tuple[date, date] | None) -> list[pl.Expr]:
    """Row rules on parsed values, as ``column|reason`` (null when the row passes)."""
    reasons = []
    for c, dtype in schema.columns.items():
        value = pl.col(f"__{c}")
        if dtype.is_float():
            reasons.append(
                pl.when(value.is_nan() | value.is_infinite()).then(
                    pl.lit(f"{c}|non-finite value '") + pl.col(c).str.slice(0, 40) + pl.lit("'")
                )
            )
        if c in schema.ranges:
            reasons.append(_range_reason(c, *schema.ranges[c]))
        if c in schema.categories and dtype != pl.String():
            allowed = list(schema.categories[c])
            reasons.append(
                pl.when(value.is_not_null() & ~value.is_in(allowed)).then(
                    pl.lit(f"{c}|unknown value '")
                    + pl.col(c).str.slice(0, 40)
                    + pl.lit(f"' (expected one of {', '.join(map(str, allowed))})")
                )
            )
        if sanity and (isinstance(dtype, pl.Datetime) or dtype == pl.Date()):
            day = _day_of_dtype(dtype, value)
            reasons.append(
                pl.when(~day.is_between(*sanity)).then(
                    pl.lit(f"{c}|date ")
                    + day.cast(pl.String)
                    + pl.lit(f" outside the sanity window {sanity[0]}..{sanity[1]}")
                )
            )
    for column, equals, target, low, high in schema.ranges_when:
        reasons.append(
            pl.when(pl.col(f"__{column}") == equals).then(
                _range_reason(target, low, high, f" for {column} '{equals}'")
            )
        )
    for lower, upper, blamed in schema.orders:
        first, verb, second = (upper, "is before", lower) if blamed == upper else (lower, "is above", upper)
        reasons.append(
            pl.when(pl.col(f"__{upper}") < pl.col(f"__{lower}")).then(
                pl.lit(f"{blamed}|{first} '")
                + pl.col(first).str.slice(0, 40)
                + pl.lit(f"' {verb} {second} '")
                + pl.col(second).str.slice(0, 40)
                + pl.lit("'")
            )
        )
    return reasons


def _range_reason(c: str, low, high, suffix: str = "") -> pl.Expr:
    value = pl.col(f"__{c}")
    outside = (value < low if low is not None else pl.lit(False)) | (
        value > high if high is not None else pl.lit(False)
    )
    bounds = f"[{'' if low is None else low}, {'' if high is None else high}]"
    return pl.when(outside).then(
        pl.lit(f"{c}|value '") + pl.col(c).str.slice(0, 40) + pl.lit(f"' outside {bounds}{suffix}")
    )


def _day_of_dtype(dtype: pl.DataType, value: pl.Expr) -> pl.Expr:
    return value if dtype == pl.Date() else paris_date(value)


def coerce_frame(
    raw: pl.DataFrame,
    schema: LakeSchema,
    origin: str,
    source_timezone: str = TIMEZONE,
    row_offset: int = 2,
    *,
    aliases: Aliases | None = None,
    sanity: tuple[date, date] | None = None,
    keep_row: bool = False,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse text columns into ``schema``; return (rows with ``partition_date``, rejects).

    ``row_offset`` is the file line of the first record (2 for a CSV with a header).
    A missing required column raises ``LandingFileError``; a bad value rejects its row with
    the first reason found: missing required value, unreadable value, daylight-saving gap or
    ambiguity, non-finite number, out of range, unknown category (after ``aliases``),
    inconsistent pair (``schema.orders``), date outside ``sanity`` (first, last day).
    Columns outside the schema are kept (as text) only when ``schema.keep_extra``;
    ``keep_row`` keeps ``_file`` and ``_row`` on the accepted rows too (duplicate detection).
    A row whose time column cannot be read, or falls outside the sanity window, has no day:
    its reject carries a null ``partition_date`` and the caller files it under the file's
    main day.
    """
    aliases = aliases or aliases_for(schema.asset)
    raw = normalise_columns(raw).with_columns(pl.all().cast(pl.String))
    raw = apply_column_aliases(raw, schema, aliases)
    missing = [c for c in schema.required if c not in raw.columns]
    if missing:
        raise LandingFileError(
            f"{origin}: missing required column(s) {', '.join(missing)}; "
            f"found {', '.join(raw.columns) or 'none'}"
        )
    text = raw.with_columns(
        [pl.lit(None, pl.String).alias(c) for c in schema.columns if c not in raw.columns]
    )
    text = text.with_row_index("_row", offset=row_offset).with_columns(pl.col("_row").cast(pl.Int64))
    blank = {c: pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in schema.columns}
    text = text.with_columns(
        [pl.when(blank[c]).then(None).otherwise(pl.col(c)).alias(c) for c in schema.columns]
    )
    parsed = _time_frame(text, schema, source_timezone)
    parsed = parsed.with_columns(
        [
            parse_column(pl.col(c), t, source_timezone).alias(f"__{c}")
            for c, t in schema.columns.items()
            if not isinstance(t, pl.Datetime)
        ]
    )
    parsed = parsed.with_columns(
        [
            _category_values(parsed, c, allowed, aliases).alias(f"__{c}")
            for c, allowed in schema.categories.items()
            if schema.columns[c] == pl.String()
        ]
    )
    reasons = []
    for c, dtype in schema.columns.items():
        if c in schema.required:
            reasons.append(pl.when(pl.col(c).is_null()).then(pl.lit(f"{c}|missing required value")))
        if isinstance(dtype, pl.Datetime):
            reasons.append(pl.col(f"__dst_{c}"))
        if c in schema.categories and dtype == pl.String():
            allowed = ", ".join(schema.categories[c])
            reasons.append(
                pl.when(pl.col(c).is_not_null() & pl.col(f"__{c}").is_null()).then(
                    pl.lit(f"{c}|unknown value '")
                    + pl.col(c).str.slice(0, 40)
                    + pl.lit(f"' (expected one of {allowed} or an alias)")
                )
            )
        elif dtype != pl.String():
            reasons.append(
                pl.when(pl.col(c).is_not_null() & pl.col(f"__{c}").is_null()).then(
                    pl.lit(f"{c}|cannot read '") + pl.col(c).str.slice(0, 40) + pl.lit(f"' as {dtype}")
                )
            )
    reasons += _rule_reasons(schema, sanity)
    first_reason = pl.coalesce(reasons) if reasons else pl.lit(None, pl.String)
    parsed = parsed.with_columns(first_reason.alias("__reason"))
    bad = parsed.filter(pl.col("__reason").is_not_null())
    good = parsed.filter(pl.col("__reason").is_null())

    extra = [c for c in raw.columns if c not in schema.columns] if schema.keep_extra else []
    rows = good.select([pl.col(f"__{c}").alias(c) for c in schema.columns] + extra)
    if schema.time_column:
        rows = rows.with_columns(partition_date_expr(schema).alias("partition_date"))
    if keep_row:
        rows = rows.with_columns(pl.lit(origin).alias("_file"), good["_row"])
    reason = pl.col("__reason").str.split_exact("|", 1).struct
    if schema.time_column:
        day = _day_of(schema, pl.col(f"__{schema.time_column}"))
        if sanity:
            day = pl.when(day.is_between(*sanity)).then(day)
    else:
        day = pl.lit(None, pl.Date)
    rejects = bad.select(
        *[pl.col(c) for c in raw.columns],
        pl.lit(origin).alias("_file"),
        pl.col("_row"),
        reason.field("field_0").alias("_column"),
        reason.field("field_1").alias("_reason"),
        day.alias("partition_date"),
    )
    return rows, rejects


def empty_rejects() -> pl.DataFrame:
    return pl.DataFrame(schema=REJECT_COLUMNS)
