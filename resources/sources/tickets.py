"""ServiceNow incidents, one row per incident and day it was updated (ServiceNow column names)."""

from __future__ import annotations

from datetime import date

import polars as pl
from upath import UPath

from resources.schemas import RAW_INCIDENTS, LakeSchema
from resources.sources.base import RawSource
from resources.sources.landing import DemoSource, LandingSource


class IncidentSource(RawSource):
    @property
    def schema(self) -> LakeSchema:
        return RAW_INCIDENTS


class DemoIncidentSource(DemoSource, IncidentSource):
    """French and English incidents drawn from latent root causes per application."""

    def generate(self, day: date) -> pl.DataFrame:
        from resources.demo import tickets

        return tickets.generate(day)


class FileIncidentSource(LandingSource, IncidentSource):
    """ServiceNow list exports dropped in landing/tickets/ (extra columns are kept).

    ``priority`` may read ``3 - Moderate`` as exported from a list view: the number is kept.
    """

    def prepare(self, raw: pl.DataFrame, path: UPath) -> pl.DataFrame:
        coded = [c for c in ("priority", "impact", "urgency") if c in raw.columns]
        return raw.with_columns([pl.col(c).str.extract(r"^\s*(\d+)", 1).alias(c) for c in coded])
