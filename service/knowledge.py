"""The indexes the service answers from, read from the lake, and their version.

The version of an index is the list of its lake files with their sizes and modification
times (and, for the classifier, the registry's champion versions): when a run writes a newer
day (or rewrites one) or a new champion is promoted, the version changes and the service
builds new indexes in the background and swaps them in whole; a request sees the old or the
new indexes, never a mix.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from resources.retrieval.ask import DocumentIndex
from resources.retrieval.labels import LabelModel
from resources.retrieval.triage import IncidentIndex, TicketPredictor, tfidf_similarity
from resources.storage import LakeFile, LakehouseStorage
from service.models import champion_versions, load_ticket_models

log = logging.getLogger("appops.service")
INDEX_ASSETS = ("incident_index", "document_chunks", "document_index")


def current_version(storage: LakehouseStorage) -> dict:
    """Lake files of every index, plus the registry's champion versions."""
    return {
        **{a: storage.lake_files(a) for a in INDEX_ASSETS},
        "champions": champion_versions(storage),
    }


def _days(files: tuple[LakeFile, ...], window_days: int) -> list[date]:
    days = [f.day for f in files if f.size]
    if not days:
        return []
    first = days[-1] - timedelta(days=window_days - 1)
    return [d for d in days if d >= first]


def read_incidents(storage: LakehouseStorage, files: tuple[LakeFile, ...], window_days: int) -> pl.DataFrame:
    """Resolved incidents of the last ``window_days`` days of the index, newest row per number."""
    found, _missing = storage.day_frames("incident_index", _days(files, window_days))
    frames = [f for _, f in found if f.height]
    if not frames:
        return pl.DataFrame(schema={"number": pl.String(), "text": pl.String()})
    frame = pl.concat(frames, how="diagonal_relaxed").sort("partition_date")
    return frame.unique("number", keep="last", maintain_order=True)


def read_documents(
    storage: LakehouseStorage,
    chunk_files: tuple[LakeFile, ...],
    index_files: tuple[LakeFile, ...],
    model_id: str | None,
) -> pl.DataFrame:
    """The newest non-empty chunk snapshot joined with its embeddings (zero where missing)."""
    chunks = None
    for day in reversed([f.day for f in chunk_files if f.size]):
        chunks = storage.read_days("document_chunks", [day], strict=True)
        if chunks.height:
            break
    if chunks is None or chunks.height == 0:
        return pl.DataFrame(schema={"path": pl.String(), "heading": pl.String(), "text": pl.String()})
    if model_id is None:
        return chunks
    wanted = set(chunks["chunk_id"].to_list())
    parts = []
    for file in index_files:  # one day at a time: each day's vectors have its model's width
        frame = storage.read_days("document_index", [file.day], strict=True)
        if frame.height:
            parts.append(
                frame.filter(
                    (pl.col("model_id") == model_id) & pl.col("chunk_id").is_in(list(wanted))
                ).select("chunk_id", "embedding")
            )
    if not parts:
        return chunks
    vectors = pl.concat(parts).unique("chunk_id", keep="last")
    return chunks.join(vectors, on="chunk_id", how="left")


def fill_missing_vectors(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows without an embedding get a zero vector: found by BM25 only, never by cosine."""
    if "embedding" not in frame.columns or frame["embedding"].null_count() == 0:
        return frame
    present = frame["embedding"].drop_nulls()
    if present.len() == 0:
        return frame.drop("embedding")
    dim = len(present[0])
    vectors = [v if v is not None else [0.0] * dim for v in frame["embedding"].to_list()]
    return frame.with_columns(
        pl.Series("embedding", np.asarray(vectors, dtype=np.float32), dtype=pl.Array(pl.Float32(), dim))
    )


@dataclass
class Knowledge:
    version: dict
    incidents: IncidentIndex
    predictor: TicketPredictor | None
    similarity: object
    documents: DocumentIndex
    loaded_at: float


def load_knowledge(
    storage: LakehouseStorage, window_days: int, model_id: str | None, version: dict | None = None
) -> Knowledge:
    version = version or current_version(storage)
    incidents_frame = fill_missing_vectors(read_incidents(storage, version["incident_index"], window_days))
    if model_id is not None and "model_id" in incidents_frame.columns:
        foreign = incidents_frame.filter(pl.col("model_id").is_not_null() & (pl.col("model_id") != model_id))
        if foreign.height and "embedding" in incidents_frame.columns:
            incidents_frame = incidents_frame.drop("embedding")  # another model's space: BM25 only
    incidents = IncidentIndex(incidents_frame)
    predictor = load_ticket_models(storage, incidents)
    similarity = (
        tfidf_similarity(incidents, predictor if isinstance(predictor, LabelModel) else None)
        if len(incidents)
        else None
    )
    documents = DocumentIndex(
        fill_missing_vectors(
            read_documents(storage, version["document_chunks"], version["document_index"], model_id)
        )
    )
    log.info("indexes loaded: %d incidents, %d passages", len(incidents), len(documents))
    return Knowledge(version, incidents, predictor, similarity, documents, time.time())


class KnowledgeHolder:
    """Holds the current ``Knowledge``; ``refresh`` rebuilds it when the lake changed."""

    def __init__(self, storage: LakehouseStorage, window_days: int, model_id: str | None):
        self.storage, self.window_days, self.model_id = storage, window_days, model_id
        self._lock = threading.Lock()
        self.current = load_knowledge(storage, window_days, model_id)

    def refresh(self) -> bool:
        """Reload when any index's files changed; True when a new version was swapped in."""
        with self._lock:
            version = current_version(self.storage)
            if version == self.current.version:
                return False
            self.current = load_knowledge(self.storage, self.window_days, self.model_id, version)
            return True

    def watch(self, interval_s: float, stop: threading.Event) -> threading.Thread:
        def loop():
            while not stop.wait(interval_s):
                try:
                    self.refresh()
                except Exception:  # keep serving the indexes we have; say why once per try
                    log.exception("index reload failed; the previous indexes stay in use")

        thread = threading.Thread(target=loop, name="appops-index-reload", daemon=True)
        thread.start()
        return thread
