"""Data contracts of the index frames (``incident_index``, ``document_chunks``,
``document_index``); the ``embedding`` column's width depends on the configured model and is
left out, as for ``ticket_embeddings``."""

import polars as pl

from resources.schemas import TS, LakeSchema

INCIDENT_INDEX = LakeSchema(
    asset="incident_index",
    columns={
        "number": pl.String(),
        "opened_at": TS,
        "resolved_at": TS,
        "short_description": pl.String(),
        "text": pl.String(),
        "category": pl.String(),
        "subcategory": pl.String(),
        "assignment_group": pl.String(),
        "cmdb_ci": pl.String(),
        "close_code": pl.String(),
        "close_notes": pl.String(),
        "model_id": pl.String(),
    },
    required=("number", "text"),
    key=("number",),
    time_column="",
    keep_extra=True,
)

DOCUMENT_CHUNKS = LakeSchema(
    asset="document_chunks",
    columns={
        "path": pl.String(),
        "source": pl.String(),
        "doc_sha256": pl.String(),
        "title": pl.String(),
        "heading": pl.String(),
        "text": pl.String(),
        "position": pl.Int32(),
        "fields": pl.String(),
        "chunk_id": pl.String(),
        "kind": pl.String(),
    },
    required=("path", "source", "doc_sha256", "heading", "text", "position", "chunk_id", "kind"),
    key=("chunk_id",),
    time_column="",
    categories={"source": ("runbooks", "endoflife", "landing"), "kind": ("prose", "release")},
    ranges={"position": (0, None)},
)

DOCUMENT_INDEX = LakeSchema(
    asset="document_index",
    columns={"chunk_id": pl.String(), "path": pl.String(), "model_id": pl.String()},
    required=("chunk_id", "path", "model_id"),
    key=("chunk_id", "model_id"),
    time_column="",
    keep_extra=True,
)
