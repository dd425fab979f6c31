"""Which implementation each source uses, chosen by environment variables.

``APPOPS_SOURCES`` sets the default for every source: ``demo`` (embedded data, the default)
or ``files`` (landing/). One source can differ: ``APPOPS_<NAME>_SOURCE`` with NAME among
METRICS, TICKETS, VERBATIMS, INVENTORY, EOL_CATALOG, APPLICATIONS, TEAM_INDICATORS. Tickets
also take ``servicenow`` (Table API; ``SERVICENOW_URL`` and ``SERVICENOW_USER`` +
``SERVICENOW_PASSWORD`` or ``SERVICENOW_TOKEN``, read through ``EnvVar``). The catalog takes
``snapshot`` (the shipped endoflife.date copy, what ``demo`` means for it).
"""

from __future__ import annotations

import os

import dagster as dg

from resources.dbt import dbt_resource
from resources.forecasting.settings import ForecastSettings
from resources.lake_io import LakeIOManager
from resources.llm import llm_from_env
from resources.nlp.embeddings import EmbeddingModel
from resources.sources import appops, metrics, obsolescence, tickets, verbatims
from resources.storage import LakehouseStorage, default_root

# resource key -> (env name, landing subfolder, demo class, file class)
SOURCES = {
    "metrics_source": ("METRICS", "metrics", metrics.DemoMetricsSource, metrics.FileMetricsSource),
    "incident_source": ("TICKETS", "tickets", tickets.DemoIncidentSource, tickets.FileIncidentSource),
    "verbatim_source": ("VERBATIMS", "verbatims", verbatims.DemoVerbatimSource, verbatims.FileVerbatimSource),
    "inventory_source": (
        "INVENTORY",
        "obsolescence/inventory",
        obsolescence.DemoInventorySource,
        obsolescence.FileInventorySource,
    ),
    "eol_catalog_source": (
        "EOL_CATALOG",
        "obsolescence/eol_catalog",
        obsolescence.SnapshotEolCatalogSource,
        obsolescence.FileEolCatalogSource,
    ),
    "applications_source": (
        "APPLICATIONS",
        "appops360/applications",
        appops.DemoApplicationsSource,
        appops.FileApplicationsSource,
    ),
    "team_indicators_source": (
        "TEAM_INDICATORS",
        "appops360/team_indicators",
        appops.DemoTeamIndicatorsSource,
        appops.FileTeamIndicatorsSource,
    ),
}

LANDING_SUBDIRS = {key: spec[1] for key, spec in SOURCES.items()}
# The raw asset each source feeds: the asset of the schema its classes read (written once, there).
RAW_ASSET_OF_SOURCE = {key: spec[2]().schema.asset for key, spec in SOURCES.items()}
SOURCE_OF_RAW_ASSET = {asset: key for key, asset in RAW_ASSET_OF_SOURCE.items()}


def _servicenow(storage: LakehouseStorage) -> dg.ConfigurableResource:
    from resources.sources.servicenow import ServiceNowIncidentSource

    auth = (
        {"token": dg.EnvVar("SERVICENOW_TOKEN")}
        if os.environ.get("SERVICENOW_TOKEN")
        else {"username": dg.EnvVar("SERVICENOW_USER"), "password": dg.EnvVar("SERVICENOW_PASSWORD")}
    )
    return ServiceNowIncidentSource(
        instance_url=dg.EnvVar("SERVICENOW_URL"), state_dir=str(storage.state("servicenow")), **auth
    )


def file_source(file_cls, storage: LakehouseStorage, subdir: str) -> dg.ConfigurableResource:
    """A landing source over ``landing/<subdir>``, its landing index kept under state/."""
    from resources.sources.landing import LandingSource

    extra = (
        {"index_path": str(storage.state("landing_index", subdir.replace("/", "__") + ".json"))}
        if issubclass(file_cls, LandingSource)
        else {}
    )
    return file_cls(landing_dir=str(storage.landing(subdir)), **extra)


def source_mode(env_name: str, env: dict[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return env.get(f"APPOPS_{env_name}_SOURCE") or env.get("APPOPS_SOURCES") or "demo"


def build_resources(root: str | None = None, mode: str | None = None) -> dict[str, object]:
    """Every resource the definitions need, under one storage root (the one place resources
    are registered).

    ``mode`` forces one mode for every source (tests use ``demo`` or ``files``).
    """
    storage = LakehouseStorage(root=root or default_root())
    resources: dict[str, object] = {
        "storage": storage,
        "lake_io_manager": LakeIOManager(storage=storage),
        "embedding_model": EmbeddingModel(model=os.environ.get("APPOPS_EMBEDDING_MODEL", "")),
        "forecasting": ForecastSettings(),
        "llm": llm_from_env(),
        "dbt": dbt_resource(),
    }
    for key, (env_name, subdir, demo_cls, file_cls) in SOURCES.items():
        chosen = mode or source_mode(env_name)
        if chosen in ("demo", "snapshot"):
            resources[key] = demo_cls()
        elif chosen == "files":
            resources[key] = file_source(file_cls, storage, subdir)
        elif chosen == "servicenow" and key == "incident_source":
            resources[key] = _servicenow(storage)
        else:
            raise ValueError(
                f"APPOPS_{env_name}_SOURCE={chosen!r}: expected demo or files"
                + (" or servicenow" if key == "incident_source" else "")
            )
    return resources
