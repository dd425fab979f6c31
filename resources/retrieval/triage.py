"""Ticket triage: predicted category, subcategory and assignment group with confidences, the
``needs_review`` decision with its reason, and the most similar resolved incidents.

Similar incidents are BM25 candidates (fused with embedding cosines when the index has them
and the caller passes query vectors), re-ranked by how likely the classifier finds each
candidate's subcategory (plus half its category's probability), then by the fused score. Why: two tickets about the same problem often share few
words; the classifier, trained on every resolved incident, knows which words point to which
subcategory, and an agent wants resolved incidents of the same kind first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import polars as pl

from resources.nlp.text import clean_ticket_text
from resources.retrieval.hybrid import HybridIndex
from resources.retrieval.labels import LabelModel, Prediction, best_of

TARGETS = ("category", "subcategory", "assignment_group")
REVIEW_THRESHOLD = 0.6  # the same floor as ticket_predictions' needs_review
INDEX_COLUMNS = (
    "number",
    "short_description",
    "text",
    "category",
    "subcategory",
    "assignment_group",
    "cmdb_ci",
    "close_notes",
)


class TicketPredictor(Protocol):
    def predict(self, texts: list[str]) -> dict[str, list[Prediction]]: ...


def ticket_text(ticket: dict) -> str:
    """The text a ticket is searched and classified by (same cleaning as the embeddings)."""
    return clean_ticket_text(ticket.get("short_description"), ticket.get("description"))


@dataclass
class Similar:
    number: str
    short_description: str | None
    close_notes: str | None
    similarity: float
    category: str | None = None
    subcategory: str | None = None
    assignment_group: str | None = None
    cmdb_ci: str | None = None


@dataclass
class Triage:
    predictions: dict[str, Prediction]
    needs_review: bool
    reason: str
    similar: list[Similar] = field(default_factory=list)


class IncidentIndex:
    """Resolved incidents ready to search: rows of ``INDEX_COLUMNS`` (+ optional ``embedding``)."""

    def __init__(self, frame: pl.DataFrame):
        missing = [c for c in ("number", "text") if c not in frame.columns]
        if missing:
            raise ValueError(f"incident index: missing column(s) {missing}")
        for column in INDEX_COLUMNS:
            if column not in frame.columns:
                frame = frame.with_columns(pl.lit(None, pl.String).alias(column))
        self.frame = frame
        self.rows = frame.select(INDEX_COLUMNS).to_dicts()
        embeddings = (
            np.asarray(frame["embedding"].to_list(), dtype=np.float32)
            if "embedding" in frame.columns and frame.height
            else None
        )
        self.search_index = HybridIndex(frame["text"].fill_null("").to_list(), embeddings)
        self.has_embeddings = embeddings is not None

    def __len__(self) -> int:
        return len(self.rows)

    def fit_labels(self, seed: int = 0) -> LabelModel:
        """The fallback classifier: trained on the index's own resolved incidents."""
        texts = self.frame["text"].fill_null("").to_list()
        return LabelModel(seed=seed).fit(texts, {t: self.frame[t].to_list() for t in TARGETS})


def review_decision(
    predictions: dict[str, Prediction], threshold: float, per_class: dict[str, dict] | None = None
) -> tuple[bool, str]:
    """Review when a field has no prediction or one under its threshold (the class's own
    when ``per_class[field][label]`` exists, else ``threshold``); the reason says which."""
    reasons = []
    for name in TARGETS:
        p = predictions.get(name)
        if p is None or p.label is None:
            reasons.append(f"no {name} prediction (no classifier for it)")
            continue
        floor = float((per_class or {}).get(name, {}).get(p.label, threshold))
        if p.confidence < floor:
            reasons.append(f"{name} confidence {p.confidence:.2f} < {floor:.2f}")
    if reasons:
        return True, "; ".join(reasons)
    return False, "every confidence at or above its threshold"


def triage(
    tickets: list[dict],
    index: IncidentIndex,
    predictor: TicketPredictor | None,
    k: int = 5,
    vectors: np.ndarray | None = None,
    threshold: float = REVIEW_THRESHOLD,
    candidates: int = 50,
    similarity=None,
) -> list[Triage]:
    """Triage many tickets at once (one vectorisation and one BM25 pass for the batch).

    ``similarity(texts, rows per text)``, when given, scores each shown incident (e.g. the
    classifier's TF-IDF cosine); otherwise the fused rank score is shown.
    """
    texts = [ticket_text(t) for t in tickets]
    proba = predictor.predict_proba(texts) if hasattr(predictor, "predict_proba") and texts else {}
    predicted = (
        best_of(proba) if proba else predictor.predict(texts) if predictor is not None and texts else {}
    )
    hits = index.search_index.search(texts, vectors, k=candidates, candidates=candidates)
    out, rankings, decisions = [], [], []
    for i in range(len(texts)):
        preds = {name: predicted[name][i] for name in TARGETS if name in predicted}
        review, reason = review_decision(preds, threshold, getattr(predictor, "thresholds", None))
        label_weight = _label_weights(preds, proba, i)
        rankings.append(
            sorted(hits[i], key=lambda h: (-label_weight(index.rows[h.row]), -h.score, h.row))[:k]
        )
        decisions.append((preds, review, reason))
    scores = (
        similarity(texts, [[h.row for h in r] for r in rankings])
        if similarity is not None
        else [[h.score for h in r] for r in rankings]
    )
    for (preds, review, reason), ranked, shown in zip(decisions, rankings, scores):
        similar = [
            Similar(
                number=index.rows[h.row]["number"],
                short_description=index.rows[h.row]["short_description"],
                close_notes=index.rows[h.row]["close_notes"],
                similarity=round(float(s), 4),
                **{f: index.rows[h.row][f] for f in (*TARGETS, "cmdb_ci")},
            )
            for h, s in zip(ranked, shown)
        ]
        out.append(Triage(preds, review, reason, similar))
    return out


def _label_weights(preds: dict[str, Prediction], proba: dict, i: int):
    """How much the classifier believes a candidate's subcategory (and, half as much, its
    category) fits the ticket: its probability when known, else 1 for the predicted label."""
    tables = {}
    for name in ("subcategory", "category"):
        if name in proba:
            classes, matrix = proba[name]
            tables[name] = dict(zip(classes.tolist(), matrix[i].tolist()))
        elif name in preds and preds[name].label is not None:
            tables[name] = {preds[name].label: 1.0}
        else:
            tables[name] = {}

    def weight(row: dict) -> float:
        return tables["subcategory"].get(row["subcategory"], 0.0) + 0.5 * tables["category"].get(
            row["category"], 0.0
        )

    return weight


def tfidf_similarity(index: IncidentIndex, model: LabelModel | None = None):
    """Cosine of TF-IDF vectors (words and word pairs, fitted on the index) between each
    ticket and the incidents shown for it: a similarity in [0, 1] an agent can read. The
    index's own classifier's vectoriser is reused when given (one vectorisation per ticket)."""
    texts = index.frame["text"].fill_null("").to_list()
    if model is not None and getattr(model, "word", None) is not None:
        vectorizer, matrix = model.word, model.transform(texts)
    else:
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2))
        matrix = vectorizer.fit_transform(texts)

    def score(texts: list[str], rows: list[list[int]]) -> list[list[float]]:
        if not texts:
            return []
        queries = vectorizer.transform(texts)
        which = np.repeat(np.arange(len(rows)), [len(r) for r in rows])
        flat = np.fromiter((x for r in rows for x in r), dtype=np.int64, count=len(which))
        if not len(flat):
            return [[] for _ in rows]
        cosines = np.asarray(matrix[flat].multiply(queries[which]).sum(axis=1)).ravel().tolist()
        out, start = [], 0
        for r in rows:  # one sparse product for the batch, cut back per ticket
            out.append(cosines[start : start + len(r)])
            start += len(r)
        return out

    return score
