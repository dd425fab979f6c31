"""The AppOps referential (applications, teams) and daily team indicators."""

from __future__ import annotations

from datetime import date

import polars as pl

from resources.schemas import RAW_APPLICATIONS, RAW_TEAM_INDICATORS, LakeSchema
from resources.sources.base import RawSource
from resources.sources.landing import DemoSource, LandingSource


class ApplicationsSource(RawSource):
    @property
    def schema(self) -> LakeSchema:
        return RAW_APPLICATIONS


class DemoApplicationsSource(DemoSource, ApplicationsSource):
    def generate(self, day: date) -> pl.DataFrame:
        from resources.demo import appops

        return appops.generate_applications(day)


class FileApplicationsSource(LandingSource, ApplicationsSource):
    """Referential exports; ``applications_2024-05-01.csv`` applies from that day on."""


class TeamIndicatorsSource(RawSource):
    @property
    def schema(self) -> LakeSchema:
        return RAW_TEAM_INDICATORS


class DemoTeamIndicatorsSource(DemoSource, TeamIndicatorsSource):
    def generate(self, day: date) -> pl.DataFrame:
        from resources.demo import appops

        return appops.generate_team_indicators(day)


class FileTeamIndicatorsSource(LandingSource, TeamIndicatorsSource):
    """Per team and day: ``team, day, staff_on_duty, changes_deployed, oncall_pages``."""
