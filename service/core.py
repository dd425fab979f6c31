"""What the HTTP service and the CLI both do: triage tickets and answer questions.

Settings come from the environment (documented in the README): ``APPOPS_HOME`` (the storage
root), ``APPOPS_SERVICE_INDEX_DAYS`` (days of resolved incidents searched, 365),
``APPOPS_SERVICE_SEMANTIC`` (``ask``: embed the question and fuse cosine with BM25, default on;
``all``: triage too; ``off``), ``APPOPS_REVIEW_THRESHOLD`` (0.6) and the LLM variables of
``resources.llm``.
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass, field

import httpx

from resources.llm import LLMResource, llm_from_env
from resources.nlp.embeddings import EmbeddingModel
from resources.retrieval.ask import extractive_answer, generated_answer
from resources.retrieval.triage import REVIEW_THRESHOLD, TARGETS, triage
from resources.storage import LakehouseStorage, default_root
from service.knowledge import KnowledgeHolder

log = logging.getLogger("appops.service")


@dataclass
class Settings:
    root: str = field(default_factory=default_root)
    index_days: int = 365
    semantic: str = "ask"  # off | ask | all
    review_threshold: float = REVIEW_THRESHOLD
    reload_s: float = 30.0
    api_key: str = ""
    max_body_bytes: int = 1_000_000
    max_batch: int = 1000

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            root=env.get("APPOPS_HOME") or default_root(),
            index_days=int(env.get("APPOPS_SERVICE_INDEX_DAYS", "365")),
            semantic=env.get("APPOPS_SERVICE_SEMANTIC", "ask").lower(),
            review_threshold=float(env.get("APPOPS_REVIEW_THRESHOLD", REVIEW_THRESHOLD)),
            reload_s=float(env.get("APPOPS_SERVICE_RELOAD_S", "30")),
            api_key=env.get("APPOPS_API_KEY", ""),
            max_body_bytes=int(env.get("APPOPS_SERVICE_MAX_BODY_BYTES", "1000000")),
            max_batch=int(env.get("APPOPS_SERVICE_MAX_BATCH", "1000")),
        )


class Service:
    def __init__(
        self,
        settings: Settings,
        embedding_model: EmbeddingModel | None = None,
        llm: LLMResource | None = None,
    ):
        if settings.semantic not in ("off", "ask", "all"):
            raise ValueError(f"APPOPS_SERVICE_SEMANTIC={settings.semantic!r}: expected off, ask or all")
        self.settings = settings
        self.storage = LakehouseStorage(root=settings.root)
        self.embedder = (
            None
            if settings.semantic == "off"
            else (embedding_model or EmbeddingModel(model=os.environ.get("APPOPS_EMBEDDING_MODEL", "")))
        )
        self.llm = llm if llm is not None else llm_from_env()
        self.holder = KnowledgeHolder(
            self.storage, settings.index_days, self.embedder.model_id if self.embedder else None
        )

    @property
    def knowledge(self):
        return self.holder.current

    def triage(self, tickets: list[dict]) -> list[dict]:
        k = self.knowledge
        vectors = None
        if self.settings.semantic == "all" and k.incidents.has_embeddings and tickets:
            from resources.retrieval.triage import ticket_text

            vectors = self.embedder.encode([ticket_text(t) for t in tickets])
        results = triage(
            tickets,
            k.incidents,
            k.predictor,
            k=5,
            vectors=vectors,
            threshold=self.settings.review_threshold,
            similarity=k.similarity,
        )
        out = []
        for ticket, result in zip(tickets, results):
            row = {"number": ticket.get("number")}
            for name in TARGETS:
                p = result.predictions.get(name)
                row[name] = {
                    "value": p.label if p else None,
                    "confidence": round(p.confidence, 4) if p else None,
                }
            row["needs_review"] = result.needs_review
            row["reason"] = result.reason
            row["similar"] = [{key: value for key, value in asdict(s).items()} for s in result.similar]
            out.append(row)
        return out

    def ask(self, question: str, top_k: int = 5) -> dict:
        k = self.knowledge
        vectors = (
            self.embedder.encode([question])
            if self.embedder is not None and k.documents.has_embeddings
            else None
        )
        passages = k.documents.retrieve([question], vectors, top_k=top_k)[0]
        answer = extractive_answer(question, passages)
        llm_error = None
        try:
            generated = generated_answer(self.llm, question, passages)
        except (RuntimeError, httpx.HTTPError) as error:  # the offline answer still stands
            generated, llm_error = None, type(error).__name__  # its text may quote the reply
            log.warning("LLM answer failed (%s); extractive answer only", llm_error)
        return {
            "answer": answer,
            "generated_answer": generated,
            "llm_error": llm_error,
            "mode": "llm" if generated is not None else "extractive",
            "passages": [
                {"path": p.path, "title": p.title, "heading": p.heading, "text": p.text, "score": p.score}
                for p in passages
            ],
        }

    def health(self) -> dict:
        k = self.knowledge
        return {
            "status": "ok",
            "incidents": len(k.incidents),
            "passages": len(k.documents),
            "classifier": type(k.predictor).__name__ if k.predictor else None,
            "semantic": self.settings.semantic,
            "llm": bool(self.llm and self.llm.enabled),
            "loaded_at": k.loaded_at,
            "versions": {a: (v[-1][0] if v else None) for a, v in k.version.items() if a != "champions"},
            "champions": dict(k.version.get("champions", ())),
        }
