"""IRC Flash survey answers: ``response_id, answered_at, score, score_scale, verbatim, …``."""

from __future__ import annotations

from datetime import date

import polars as pl

from resources.schemas import RAW_VERBATIMS, LakeSchema
from resources.sources.base import RawSource
from resources.sources.landing import DemoSource, LandingSource


class VerbatimSource(RawSource):
    @property
    def schema(self) -> LakeSchema:
        return RAW_VERBATIMS


class DemoVerbatimSource(DemoSource, VerbatimSource):
    """French verbatims whose tone follows the score; some carry personal data."""

    def generate(self, day: date) -> pl.DataFrame:
        from resources.demo import verbatims

        return verbatims.generate(day)


class FileVerbatimSource(LandingSource, VerbatimSource):
    """Survey exports dropped in landing/verbatims/."""
