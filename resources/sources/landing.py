"""The two kinds of source every domain has: embedded demo data and files dropped in landing/.

A landed file is read, never moved, changed or deleted. The rows of a day are every row of
every file in the folder whose time column falls on that Europe/Paris day, so rerunning a day
after a new drop re-reads those files and replaces the day exactly. The landing index
(resources/landing_index.py) tells which files touch which days: a run reads only those, and a
file that cannot be read fails only the days it touches.

Nothing is lost without a trace: a row either reaches the lake or its day's quarantine with
file, row, column and reason, and every run counts, per file, rows read = accepted +
quarantined. Files are read in name order; of several copies of a key on one day the first is
kept and the others are quarantined naming the key and the kept copy (``duplicates: last`` in
the schema keeps the latest by time column instead, the replaced copies quarantined).
"""

from __future__ import annotations

import logging
import os
import re
from abc import abstractmethod
from collections import Counter
from datetime import date, timedelta

import polars as pl
from upath import UPath

from resources.calendar import TIMEZONE, days_in
from resources.calendar import today as paris_today
from resources.landing_index import LandingIndex
from resources.sources.aliases import aliases_for
from resources.sources.base import RawSource, SourceBatch
from resources.sources.parsing import LandingFileError, coerce_frame, empty_rejects, read_csv_text
from resources.storage import read_parquet, store_path

LANDING_SUFFIXES = (".csv", ".txt", ".parquet")
MAX_LOGGED_REJECTS = 20
_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")


def landing_files(folder: UPath, suffixes: tuple[str, ...] = LANDING_SUFFIXES) -> list[UPath]:
    if not folder.exists():
        return []
    return sorted(
        (
            p
            for p in folder.iterdir()
            if p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith(".")
        ),
        key=lambda p: p.name,
    )


def read_text_table(path: UPath) -> tuple[pl.DataFrame, int]:
    """A landed table as text columns, and the file line (or row number) of its first record."""
    if path.suffix.lower() == ".parquet":
        try:
            frame = read_parquet(path)
        except Exception as exc:
            raise LandingFileError(f"{path}: cannot be read as Parquet ({exc})") from exc
        return frame.with_columns(pl.all().cast(pl.String)), 1
    return read_csv_text(path.read_bytes(), str(path)), 2


def file_effective_date(path: UPath) -> date | None:
    """``applications_2024-05-01.csv`` applies from 2024-05-01; an undated file from always."""
    match = _DATE_IN_NAME.search(path.name)
    return date.fromisoformat(match.group(1)) if match else None


def log_rejects(rejects: pl.DataFrame, log: logging.Logger | None) -> None:
    if log is None or rejects.is_empty():
        return
    for rec in rejects.head(MAX_LOGGED_REJECTS).iter_rows(named=True):
        log.warning(
            f"quarantined: {rec['_file']} row {rec['_row']} column {rec['_column']}: {rec['_reason']}"
        )
    if rejects.height > MAX_LOGGED_REJECTS:
        log.warning(
            f"... and {rejects.height - MAX_LOGGED_REJECTS} more rejected rows (see the quarantine file)"
        )


def split_duplicates(
    rows: pl.DataFrame, key: tuple[str, ...], time_column: str, keep: str = "first"
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows with one copy per key and day, the other copies as rejects).

    ``rows`` carry ``_file`` and ``_row`` (and keep them); copies are ordered by file name then
    row. ``keep="first"`` keeps the first copy; ``keep="last"`` the latest by ``time_column``
    (then file and row), as for an incident updated twice in a day.
    """
    if rows.is_empty() or not key:
        return rows, empty_rejects()
    if keep not in ("first", "last"):
        raise ValueError(f"duplicates must be 'first' or 'last', got {keep!r}")
    group = [*key, "partition_date"]
    order = ([time_column] if keep == "last" and time_column else []) + ["_file", "_row"]
    ordered = rows.sort(order, maintain_order=True, nulls_last=False)
    rank = pl.int_range(pl.len()).over(group)
    kept_at = (pl.len().over(group) - 1) if keep == "last" else pl.lit(0)
    pick = pl.col("_file").first() if keep == "first" else pl.col("_file").last()
    pick_row = pl.col("_row").first() if keep == "first" else pl.col("_row").last()
    ordered = ordered.with_columns(
        (rank == kept_at).alias("__kept"),
        pick.over(group).alias("__kept_file"),
        pick_row.over(group).alias("__kept_row"),
    )
    kept = ordered.filter(pl.col("__kept")).drop("__kept", "__kept_file", "__kept_row")
    copies = ordered.filter(~pl.col("__kept"))
    if copies.is_empty():
        return kept, empty_rejects()
    described = pl.concat_str(
        [pl.lit(f"{k}=") + pl.col(k).cast(pl.String).fill_null("null") for k in key], separator=", "
    )
    why = (
        "duplicate key ({}) on {}: first copy kept from {} row {}"
        if keep == "first"
        else "duplicate key ({}) on {}: replaced by the later copy in {} row {}"
    )
    data = [c for c in rows.columns if c not in ("_file", "_row", "partition_date")]
    rejects = copies.select(
        *[pl.col(c).cast(pl.String) for c in data],
        pl.col("_file"),
        pl.col("_row"),
        pl.lit(",".join(key)).alias("_column"),
        pl.format(
            why, described, pl.col("partition_date"), pl.col("__kept_file"), pl.col("__kept_row")
        ).alias("_reason"),
        pl.col("partition_date"),
    )
    return kept, rejects


class DemoSource(RawSource):
    """Embedded, deterministic data: ``generate(day)`` is a pure function of the day."""

    @abstractmethod
    def generate(self, day: date) -> pl.DataFrame: ...

    def read(self, start: date, end: date, log: logging.Logger | None = None) -> SourceBatch:
        frames = [self.generate(day) for day in days_in(start, end)]
        rows = pl.concat(frames, how="diagonal_relaxed") if frames else self.schema.empty()
        return SourceBatch(rows=rows, rejects=empty_rejects())


class LandingSource(RawSource):
    """Files dropped in ``landing_dir`` (CSV or Parquet; UTF-8 or Windows-1252; ``;`` or ``,``).

    Naive timestamps are read in ``source_timezone``; ones with an offset keep it.
    ``index_path``: where the landing index is kept (empty: rebuilt in memory at each read).
    ``aliases_file``: a YAML of column and value aliases merged over resources/aliases.yaml.
    Dates outside [``sanity_earliest``, today + ``sanity_days_ahead``] are quarantined
    (``sanity_earliest`` empty: ``APPOPS_START_DATE``, the first daily partition).
    """

    landing_dir: str
    source_timezone: str = TIMEZONE
    index_path: str = ""
    aliases_file: str = ""
    sanity_earliest: str = ""
    sanity_days_ahead: int = 1

    def prepare(self, raw: pl.DataFrame, path: UPath) -> pl.DataFrame:
        """Hook to adapt a file's columns to the canonical names before parsing."""
        return raw

    def sanity_window(self) -> tuple[date, date]:
        earliest = self.sanity_earliest or os.environ.get("APPOPS_START_DATE", "2023-01-01")
        today = paris_today()
        return date.fromisoformat(earliest), today + timedelta(days=self.sanity_days_ahead)

    def read_file(self, path: UPath) -> tuple[pl.DataFrame, pl.DataFrame]:
        """(rows, rejects) of one file, each with the file and row it came from."""
        raw, first_row = read_text_table(path)
        raw = self.prepare(raw, path)
        rows, rejects = coerce_frame(
            raw,
            self.schema,
            str(path),
            self.source_timezone,
            first_row,
            aliases=aliases_for(self.schema.asset, self.aliases_file or None),
            sanity=self.sanity_window(),
            keep_row=True,
        )
        if self.schema.time_column and rejects["partition_date"].null_count():
            main_day = _main_day(rows, rejects, path, self.schema.time_column)
            rejects = rejects.with_columns(pl.col("partition_date").fill_null(main_day))
        return rows, rejects

    def landing_index(self) -> LandingIndex:
        return LandingIndex(self.index_path or None)

    def days_of_file(self, path: UPath) -> set[date]:
        rows, rejects = self.read_file(path)
        return set(rows["partition_date"].drop_nulls()) | set(rejects["partition_date"].drop_nulls())

    def read(self, start: date, end: date, log: logging.Logger | None = None) -> SourceBatch:
        if not self.schema.time_column:
            return self._read_snapshot(start, end)
        wanted = set(days_in(start, end))
        parsed: dict[str, tuple[pl.DataFrame, pl.DataFrame]] = {}

        def days_of(path: UPath) -> set[date]:
            parsed[path.name] = self.read_file(path)
            rows, rejects = parsed[path.name]
            return set(rows["partition_date"]) | set(rejects["partition_date"])

        files = landing_files(store_path(self.landing_dir))
        entries = self.landing_index().refresh(files, days_of)
        rows_all, rejects_all, unreadable = [], [], []
        for path in files:
            entry = entries[path.name]
            touched = entry.day_set & wanted
            if entry.error:
                if touched:
                    raise LandingFileError(
                        f"{entry.error} (it touches {', '.join(sorted(map(str, touched)))}; "
                        "fix or remove the file and rerun those days)"
                    )
                unreadable.append(path.name)
                continue
            if not touched:
                continue
            rows, rejects = parsed.get(path.name) or self.read_file(path)
            in_range = pl.col("partition_date").is_between(start, end, closed="left")
            rows_all.append(rows.filter(in_range))
            rejects_all.append(rejects.filter(in_range))
        batch = self._batch(rows_all, rejects_all)
        batch.unreadable = unreadable
        return batch

    def _read_snapshot(self, start: date, end: date) -> SourceBatch:
        """Referential files: each day takes the latest file effective on or before it."""
        files = landing_files(store_path(self.landing_dir))
        rows_all, rejects_all = [], []
        parsed: dict[str, tuple[pl.DataFrame, pl.DataFrame]] = {}
        for day in days_in(start, end):
            eligible = [p for p in files if (file_effective_date(p) or date.min) <= day]
            if not eligible:
                continue
            path = max(eligible, key=lambda p: (file_effective_date(p) or date.min, p.name))
            if path.name not in parsed:
                parsed[path.name] = self.read_file(path)
            rows, rejects = parsed[path.name]
            rows_all.append(rows.with_columns(pl.lit(day).alias("partition_date")))
            rejects_all.append(rejects.with_columns(pl.lit(day).alias("partition_date")))
        return self._batch(rows_all, rejects_all)

    def _batch(self, rows_all: list[pl.DataFrame], rejects_all: list[pl.DataFrame]) -> SourceBatch:
        """Rows and rejects of every file, duplicates split off, with the per-file counts.

        The caller logs the rejects once sanitized. Raises if a row went missing: the counts
        are the proof that every row read is in the lake or in quarantine.
        """
        rows = (
            pl.concat(rows_all, how="diagonal_relaxed")
            if rows_all
            else self.schema.empty().with_columns(
                pl.lit(None, pl.String).alias("_file"), pl.lit(None, pl.Int64).alias("_row")
            )
        )
        rejects = pl.concat(rejects_all, how="diagonal_relaxed") if rejects_all else empty_rejects()
        read = _per_file_day(rows) + _per_file_day(rejects)
        rows, copies = split_duplicates(
            rows, self.schema.key, self.schema.time_column, self.schema.duplicates
        )
        rejects = pl.concat([rejects, copies], how="diagonal_relaxed")
        accepted, quarantined = _per_file_day(rows), _per_file_day(rejects)
        if accepted + quarantined != read:
            raise AssertionError(
                f"{self.schema.asset}: rows read {sum(read.values())} != "
                f"accepted {sum(accepted.values())} + quarantined "
                f"{sum(quarantined.values())}"
            )
        files = {}
        for (name, day), n in sorted(read.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
            found = files.setdefault(name, {"read": 0, "accepted": 0, "quarantined": 0, "days": {}})
            found["read"] += n
            found["accepted"] += accepted[(name, day)]
            found["quarantined"] += quarantined[(name, day)]
            found["days"][str(day)] = {
                "read": n,
                "accepted": accepted[(name, day)],
                "quarantined": quarantined[(name, day)],
            }
        return SourceBatch(rows=rows.drop("_file", "_row"), rejects=rejects, files=files)


def _per_file_day(frame: pl.DataFrame) -> Counter:
    if frame.is_empty():
        return Counter()
    counts = frame.group_by("_file", "partition_date").len()
    return Counter({(f, d): n for f, d, n in counts.iter_rows()})


def _main_day(rows: pl.DataFrame, rejects: pl.DataFrame, path: UPath, time_column: str) -> date:
    """The day most rows of a file fall on: where its undated bad rows are quarantined."""
    days = Counter(rows["partition_date"].to_list())
    if not days:
        # the reason is not quoted: it holds the bad value, which may be personal data
        raise LandingFileError(
            f"{path}: no row has a readable {time_column} (first bad row "
            f"{rejects['_row'][0]}, column {rejects['_column'][0]})"
        )
    return days.most_common(1)[0][0]
