"""``rollback_model``: move a registered model's ``champion`` alias back to a given version.
The next run of the model's asset serves that version; the decision is a row of
``model_decisions`` (action ``rollback``)."""

from datetime import UTC, datetime

import dagster as dg

from resources.model_gate import rollback, write_decisions
from resources.model_registry import ModelRegistry
from resources.storage import LakehouseStorage

# Which asset's decisions file a registered model's rollback goes to.
DECISION_FILE = {
    "ticket_category": "ticket_classifier",
    "ticket_subcategory": "ticket_classifier",
    "ticket_assignment_group": "ticket_classifier",
    "verbatim_sentiment": "verbatim_sentiment",
}


class RollbackConfig(dg.Config):
    model: str  # a registered model name, e.g. ticket_category, verbatim_sentiment
    version: str  # the version to serve again
    reason: str = ""


@dg.op(description="Point the model's champion alias at the given version.")
def rollback_champion(
    context: dg.OpExecutionContext, config: RollbackConfig, storage: LakehouseStorage
) -> None:
    registry = ModelRegistry(storage.root)
    day = datetime.now(UTC).date()
    row = rollback(registry, config.model, config.version, day, config.reason)
    registry.set_version_tag(config.model, config.version, "rolled_back_on", day.isoformat())
    write_decisions(storage, DECISION_FILE.get(config.model, config.model), [row])
    context.log.info(f"{config.model}: champion {row['champion_before']} -> {row['champion_after']}")
    context.add_output_metadata(
        {
            "champion_before": row["champion_before"] or "",
            "champion_after": row["champion_after"],
            "reason": row["reason"],
        }
    )


@dg.job(description="Roll a registered model's champion back to an earlier version (config: model, version).")
def rollback_model():
    rollback_champion()
