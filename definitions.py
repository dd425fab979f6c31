"""The one ``Definitions`` of appops-lakehouse, loaded by workspace.yaml."""

from __future__ import annotations

import os
import warnings

import dagster as dg

# Single-run backfill policies and partitioned checks are Dagster beta/preview features we
# rely on on purpose: say so once here rather than on every import.
warnings.filterwarnings("ignore", category=dg.BetaWarning)
warnings.filterwarnings("ignore", category=dg.PreviewWarning)

import sensors  # noqa: E402
from assets import (  # noqa: E402
    appops360,
    knowledge,
    metrics,
    obsolescence,
    tickets,
    verbatims,
    warehouse,
)
from assets import models as model_lifecycle  # noqa: E402
from resources.config import build_resources  # noqa: E402
from resources.owners import asset_owners, owner_of  # noqa: E402

# Two cores: at most two steps at a time, forked from a server that imported the code once
# (a spawned step would import the whole code location again). Great Expectations too: every
# data-contract check step would otherwise import it afresh (seconds each, dozens of checks).
MAX_CONCURRENT_STEPS = int(os.environ.get("APPOPS_MAX_CONCURRENT_STEPS", "2"))
if os.environ.get("APPOPS_EXECUTOR") != "k8s":  # steps share this machine's cores: each its share
    # of them for torch encodings (resources/nlp/precision.step_threads)
    os.environ.setdefault(
        "APPOPS_STEP_THREADS", str(max(1, len(os.sched_getaffinity(0)) // MAX_CONCURRENT_STEPS))
    )
EXECUTOR = dg.multiprocess_executor.configured(
    {
        "max_concurrent": MAX_CONCURRENT_STEPS,
        "start_method": {"forkserver": {"preload_modules": ["definitions", "great_expectations"]}},
    }
)
if os.environ.get("APPOPS_EXECUTOR") == "k8s":  # deploy/helm: one pod per step
    from resources.compute import k8s_executor

    EXECUTOR = k8s_executor()

# Models run offline: never wait on a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
# Privacy: dbt (a subprocess of the dbt assets) and other tools that honour it send nothing.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")


def build_definitions(root: str | None = None, mode: str | None = None) -> dg.Definitions:
    domains = dg.Definitions.merge(
        metrics.defs,
        tickets.defs,
        verbatims.defs,
        obsolescence.defs,
        appops360.defs,
        warehouse.defs,
        model_lifecycle.defs,
        knowledge.defs,
        sensors.defs,
    )
    # Owners in one place: the team of each domain (APPOPS_ASSET_OWNERS overrides).
    owners = asset_owners()
    domains = domains.map_asset_specs(
        func=lambda spec: spec.replace_attributes(owners=[owner_of(spec.group_name, owners)])
    )
    return dg.Definitions.merge(
        domains, dg.Definitions(resources=build_resources(root, mode), executor=EXECUTOR)
    )


defs = build_definitions()
