"""Incident tickets from ServiceNow."""

import dagster as dg

from assets.tickets.raw import raw_incidents, raw_incidents_checks

defs = dg.Definitions(assets=[raw_incidents], asset_checks=raw_incidents_checks)
