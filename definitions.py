"""The one ``Definitions`` of appops-lakehouse, loaded by workspace.yaml."""

from __future__ import annotations

import os

import dagster as dg

import sensors
from assets import appops360, metrics, obsolescence, tickets, verbatims
from resources.config import build_resources

# Models run offline: never wait on a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


def build_definitions(root: str | None = None, mode: str | None = None) -> dg.Definitions:
    domains = dg.Definitions.merge(metrics.defs, tickets.defs, verbatims.defs,
                                   obsolescence.defs, appops360.defs, sensors.defs)
    return dg.Definitions.merge(domains, dg.Definitions(resources=build_resources(root, mode)))


defs = build_definitions()
