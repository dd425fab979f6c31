"""Model lifecycle across domains (Dagster group ``appops360``, the cross-domain view): the
live ``model_monitoring`` asset with its contract and live-metric checks, and the
``rollback_model`` job (the registry itself is ``resources.model_registry``)."""

import dagster as dg

from assets.models.monitoring import live_metrics_hold, model_monitoring, model_monitoring_contract
from assets.models.rollback import rollback_model

defs = dg.Definitions(
    assets=[model_monitoring],
    asset_checks=[live_metrics_hold, model_monitoring_contract],
    jobs=[rollback_model],
)
