"""AppOps 360: the application referential and team indicators that join every domain, and
the BI serving copy of the marts (serving.duckdb)."""

import dagster as dg

from assets.appops360.raw import raw_applications, raw_appops_checks, raw_team_indicators
from assets.appops360.serving import serving_duckdb

defs = dg.Definitions(
    assets=[raw_applications, raw_team_indicators, serving_duckdb], asset_checks=raw_appops_checks
)
