"""AppOps 360: the application referential and team indicators that join every domain."""

import dagster as dg

from assets.appops360.raw import raw_applications, raw_appops_checks, raw_team_indicators

defs = dg.Definitions(assets=[raw_applications, raw_team_indicators], asset_checks=raw_appops_checks)
