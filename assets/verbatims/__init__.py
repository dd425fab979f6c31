"""Customer verbatims from IRC Flash surveys."""

import dagster as dg

from assets.verbatims.raw import raw_verbatims, raw_verbatims_checks

defs = dg.Definitions(assets=[raw_verbatims], asset_checks=raw_verbatims_checks)
