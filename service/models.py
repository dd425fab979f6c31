"""The one place the service gets its ticket classifier from.

Today the classifier is the light TF-IDF model of ``resources.retrieval.labels`` trained on the
resolved incidents of the index at load time (seconds, offline, well within the triage
latency budget). The SetFit ticket classifier of the lakehouse is saved by code under
``assets/``, which the service must not import; when it is published in a model registry with a
resources-level loader, this function is the only one to change.
"""

from __future__ import annotations

from resources.retrieval.triage import IncidentIndex, TicketPredictor
from resources.storage import LakehouseStorage


def load_ticket_models(storage: LakehouseStorage, incidents: IncidentIndex) -> TicketPredictor | None:
    """A predictor of category, subcategory and assignment group; None when nothing to learn from."""
    del storage  # the registry lives under the storage root once it exists
    if len(incidents) == 0:
        return None
    return incidents.fit_labels()
