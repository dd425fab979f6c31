"""The two kinds of source every domain has: embedded demo data and files dropped in landing/.

A landed file is read, never moved, changed or deleted. The rows of a day are every row of
every file in the folder whose time column falls on that Europe/Paris day, so rerunning a day
after a new drop re-reads the folder and replaces the day exactly. Files are read in name
order and a record present in several files keeps its last version.
"""

from __future__ import annotations

import logging
import re
from abc import abstractmethod
from collections import Counter
from datetime import date

import polars as pl
from upath import UPath

from resources.sources.base import RawSource, SourceBatch, days_between
from resources.sources.parsing import LandingFileError, coerce_frame, empty_rejects, read_csv_text
from resources.storage import read_parquet

LANDING_SUFFIXES = (".csv", ".txt", ".parquet")
MAX_LOGGED_REJECTS = 20
_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")


def landing_files(folder: UPath, suffixes: tuple[str, ...] = LANDING_SUFFIXES) -> list[UPath]:
    if not folder.exists():
        return []
    return sorted((p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith(".")),
                  key=lambda p: p.name)


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
        log.warning(f"quarantined: {rec['_file']} row {rec['_row']} column {rec['_column']}: "
                    f"{rec['_reason']}")
    if rejects.height > MAX_LOGGED_REJECTS:
        log.warning(f"... and {rejects.height - MAX_LOGGED_REJECTS} more rejected rows "
                    "(see the quarantine file)")


def _dedupe(rows: pl.DataFrame, key: tuple[str, ...], time_column: str) -> pl.DataFrame:
    if rows.is_empty():
        return rows
    ordered = rows.sort(time_column, maintain_order=True) if time_column else rows
    return ordered.unique(subset=[*key, "partition_date"], keep="last", maintain_order=True)


class DemoSource(RawSource):
    """Embedded, deterministic data: ``generate(day)`` is a pure function of the day."""

    @abstractmethod
    def generate(self, day: date) -> pl.DataFrame: ...

    def read(self, start: date, end: date, log: logging.Logger | None = None) -> SourceBatch:
        frames = [self.generate(day) for day in days_between(start, end)]
        rows = pl.concat(frames, how="diagonal_relaxed") if frames else self.schema.empty()
        return SourceBatch(rows=rows, rejects=empty_rejects())


class LandingSource(RawSource):
    """Files dropped in ``landing_dir`` (CSV or Parquet; UTF-8 or Windows-1252; ``;`` or ``,``).

    Naive timestamps are read in ``source_timezone``; ones with an offset keep it.
    """

    landing_dir: str
    source_timezone: str = "Europe/Paris"

    def prepare(self, raw: pl.DataFrame, path: UPath) -> pl.DataFrame:
        """Hook to adapt a file's columns to the canonical names before parsing."""
        return raw

    def read_file(self, path: UPath) -> tuple[pl.DataFrame, pl.DataFrame]:
        raw, first_row = read_text_table(path)
        raw = self.prepare(raw, path)
        return coerce_frame(raw, self.schema, str(path), self.source_timezone, first_row)

    def read(self, start: date, end: date, log: logging.Logger | None = None) -> SourceBatch:
        if not self.schema.time_column:
            return self._read_snapshot(start, end)
        rows_all, rejects_all = [], []
        for path in landing_files(UPath(self.landing_dir)):
            rows, rejects = self.read_file(path)
            if rejects["partition_date"].null_count():
                main_day = _main_day(rows, rejects, path, self.schema.time_column)
                rejects = rejects.with_columns(pl.col("partition_date").fill_null(main_day))
            in_range = pl.col("partition_date").is_between(start, end, closed="left")
            rows_all.append(rows.filter(in_range))
            rejects_all.append(rejects.filter(in_range))
        return self._batch(rows_all, rejects_all)

    def _read_snapshot(self, start: date, end: date) -> SourceBatch:
        """Referential files: each day takes the latest file effective on or before it."""
        files = landing_files(UPath(self.landing_dir))
        rows_all, rejects_all = [], []
        parsed: dict[str, tuple[pl.DataFrame, pl.DataFrame]] = {}
        for day in days_between(start, end):
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

    def _batch(self, rows_all: list[pl.DataFrame],
               rejects_all: list[pl.DataFrame]) -> SourceBatch:
        """Rows and rejects of every file; the caller logs the rejects once sanitized."""
        rows = (pl.concat(rows_all, how="diagonal_relaxed") if rows_all else self.schema.empty())
        rows = _dedupe(rows, self.schema.key, self.schema.time_column)
        rejects = (pl.concat(rejects_all, how="diagonal_relaxed") if rejects_all
                   else empty_rejects())
        return SourceBatch(rows=rows, rejects=rejects)


def _main_day(rows: pl.DataFrame, rejects: pl.DataFrame, path: UPath, time_column: str) -> date:
    """The day most rows of a file fall on: where its undated bad rows are quarantined."""
    days = Counter(rows["partition_date"].to_list())
    if not days:
        raise LandingFileError(
            f"{path}: no row has a readable {time_column} (first bad row "
            f"{rejects['_row'][0]}: {rejects['_reason'][0]})")
    return days.most_common(1)[0][0]
