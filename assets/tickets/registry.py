"""The ticket models in the MLflow registry (``resources.model_registry``): one registered
model per target, each with ``champion`` and ``challenger`` aliases. A version's tags carry
its training day and label shares, so a backfill picks the version that existed on each day."""

from __future__ import annotations

import json
from datetime import date

from resources.model_registry import CHALLENGER, CHAMPION, ModelRegistry
from resources.storage import LakehouseStorage

CATEGORY, SUBCATEGORY, GROUP = "ticket_category", "ticket_subcategory", "ticket_assignment_group"
TARGETS = {CATEGORY: "category", SUBCATEGORY: "subcategory", GROUP: "assignment_group"}


def open_registry(storage: LakehouseStorage) -> ModelRegistry:
    return ModelRegistry(storage.root)


def trained_on(registry: ModelRegistry, name: str, version: str) -> date:
    return date.fromisoformat(registry.version_tags(name, version)["trained_on"])


def label_shares(registry: ModelRegistry, name: str, version: str) -> dict[str, float]:
    return json.loads(registry.version_tags(name, version).get("label_shares", "{}"))


def version_as_of(registry: ModelRegistry, name: str, day: date, alias: str = CHAMPION) -> str | None:
    """The aliased version when it was trained on or before ``day``; else (a backfill of older
    days) the newest version trained by then; None when there is none."""
    current = registry.alias(name, alias)
    if current is not None and trained_on(registry, name, current) <= day:
        return current
    if alias == CHALLENGER:
        return None
    return newest_trained_by(registry, name, day)


def newest_trained_by(registry: ModelRegistry, name: str, day: date) -> str | None:
    """The version trained last on or before ``day``, whatever its alias: the last training,
    from which the retrain cadence counts. A challenger the gate turned down is such a
    training; counting from the champion instead would retrain every day once the champion
    is ``retrain_days`` old and a challenger has lost."""
    trained = [(trained_on(registry, name, v), int(v), v) for v in registry.versions(name)]
    found = [t for t in trained if t[0] <= day]
    return max(found)[2] if found else None
