"""Capacity planning: infrastructure metrics and business volumes."""

import dagster as dg

from assets.metrics.raw import raw_metrics, raw_metrics_checks

defs = dg.Definitions(assets=[raw_metrics], asset_checks=raw_metrics_checks)
