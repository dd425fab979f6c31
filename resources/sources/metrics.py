"""Infrastructure metrics and business volumes: ``timestamp, metric, resource, value, unit``."""

from __future__ import annotations

from datetime import date

import polars as pl
from upath import UPath

from resources.schemas import RAW_METRICS, LakeSchema
from resources.sources.base import RawSource
from resources.sources.landing import DemoSource, LandingSource


class MetricsSource(RawSource):
    @property
    def schema(self) -> LakeSchema:
        return RAW_METRICS


class DemoMetricsSource(DemoSource, MetricsSource):
    """40+ series (cluster CPU, SFTN transfers, API calls, mobile sessions, payments)."""

    def generate(self, day: date) -> pl.DataFrame:
        from resources.demo import metrics

        return metrics.generate(day)


class FileMetricsSource(LandingSource, MetricsSource):
    """Long files (``timestamp, metric, resource, value, unit``) or two-column
    ``timestamp, value`` files whose series is named after the file."""

    def prepare(self, raw: pl.DataFrame, path: UPath) -> pl.DataFrame:
        if set(raw.columns) == {"timestamp", "value"}:
            return raw.with_columns(
                pl.lit(path.stem).alias("metric"),
                pl.lit(path.stem).alias("resource"),
                pl.lit(None, pl.String).alias("unit"),
            )
        return raw
