"""The one place the service gets its ticket classifier from.

First choice: the ``champion`` versions of the model registry (``resources.model_registry``,
registered models ``ticket_category``, ``ticket_subcategory``, ``ticket_assignment_group``),
with their per-class thresholds. Without a registry in this checkout, or before a first
champion exists, the light TF-IDF model of ``resources.retrieval.labels`` is trained on the
resolved incidents of the index when the indexes load (seconds, offline, well within the
triage latency budget), and answers instead.
"""

from __future__ import annotations

import logging

from resources.retrieval.labels import RegisteredPredictor
from resources.retrieval.triage import IncidentIndex, TicketPredictor
from resources.storage import LakehouseStorage

log = logging.getLogger("appops.service")
REGISTERED = {
    "category": "ticket_category",
    "subcategory": "ticket_subcategory",
    "assignment_group": "ticket_assignment_group",
}


def registry_champions(storage: LakehouseStorage) -> RegisteredPredictor | None:
    """The registry's ticket champions, or None (no registry module, no champion yet)."""
    try:
        from resources.model_registry import load_champion
    except ImportError:
        return None
    models, thresholds = {}, {}
    for target, name in REGISTERED.items():
        try:
            found = load_champion(name, storage.root)
        except LookupError:
            continue
        models[target] = found
        thresholds[target] = {
            str(k).split("/", 1)[-1] if target == "subcategory" else str(k): v
            for k, v in (found.thresholds or {}).items()
            if isinstance(v, (int, float))
        }
    if "category" not in models:
        return None
    return RegisteredPredictor(models, thresholds)


def champion_versions(storage: LakehouseStorage) -> tuple:
    """The registry's champion version per ticket model (empty without a registry): part of
    the service's index version, so promoting a new champion reloads the classifier."""
    try:
        from resources.model_registry import ModelRegistry
    except ImportError:
        return ()
    try:
        registry = ModelRegistry(storage.root)
        return tuple((name, registry.alias(name, "champion")) for name in REGISTERED.values())
    except Exception as error:  # noqa: BLE001 (an unreadable registry: keep serving, say so)
        log.warning("model registry unreadable (%s: %s)", type(error).__name__, error)
        return ()


def load_ticket_models(storage: LakehouseStorage, incidents: IncidentIndex) -> TicketPredictor | None:
    """A predictor of category, subcategory and assignment group; None when nothing to learn from."""
    try:
        champions = registry_champions(storage)
    except Exception as error:  # noqa: BLE001 (a broken registry must not stop triage: say so, fall back)
        log.warning(
            "model registry unreadable (%s: %s); using the index's own classifier",
            type(error).__name__,
            error,
        )
        champions = None
    if champions is not None:
        log.info("ticket classifier: registry champions %s", sorted(champions.models))
        return champions
    if len(incidents) == 0:
        return None
    return incidents.fit_labels()
