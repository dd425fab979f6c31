"""Incident tickets from ServiceNow, and incident intelligence: embeddings, a hierarchical
SetFit classifier, predictions and root-cause clusters (their alert sensor: sensors/new_causes.py)."""

import dagster as dg

from assets.tickets.classifier import ticket_classifier, ticket_classifier_checks
from assets.tickets.clusters import root_cause_clusters, root_cause_clusters_checks
from assets.tickets.embeddings import ticket_embeddings, ticket_embeddings_checks
from assets.tickets.incident_index import incident_index, incident_index_checks
from assets.tickets.predictions import ticket_predictions, ticket_predictions_checks
from assets.tickets.raw import raw_incidents, raw_incidents_checks

defs = dg.Definitions(
    assets=[
        raw_incidents,
        ticket_embeddings,
        ticket_classifier,
        ticket_predictions,
        root_cause_clusters,
        incident_index,
    ],
    asset_checks=[
        *raw_incidents_checks,
        *ticket_embeddings_checks,
        *ticket_classifier_checks,
        *ticket_predictions_checks,
        *root_cause_clusters_checks,
        *incident_index_checks,
    ],
)
