"""Model lifecycle across domains: the live ``model_monitoring`` asset and its check, and the
``rollback_model`` job (the registry itself is ``resources.model_registry``)."""

import dagster as dg

from assets.models.monitoring import live_metrics_hold, model_monitoring
from assets.models.rollback import rollback_model

defs = dg.Definitions(assets=[model_monitoring], asset_checks=[live_metrics_hold], jobs=[rollback_model])
