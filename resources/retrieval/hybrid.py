"""Hybrid search: BM25 (``bm25s``) and cosine similarity of sentence embeddings, fused by rank.

Why rank fusion (reciprocal rank, Cormack et al. 2009): BM25 scores and cosines live on
different scales that change with the corpus; ranks do not, so the fusion needs no tuning per
corpus. Either side may be absent (no embeddings: BM25 alone; an empty query: cosine alone).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RRF_K = 60  # the constant of the reciprocal-rank formula: 1 / (RRF_K + rank)
TOKEN_PATTERN = r"(?u)\b\w[\w.\-]*\w\b|\b\w\b"  # keeps versions (3.11, 8.0.1) and ids whole


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased tokens; versions such as ``3.11`` stay one token (a cycle is a word here)."""
    import bm25s

    return bm25s.tokenize(
        texts, token_pattern=TOKEN_PATTERN, stopwords="en", return_ids=False, show_progress=False
    )


@dataclass
class Hit:
    row: int
    score: float  # fused score (reciprocal-rank sum), higher is better
    lexical: float | None = None  # BM25 score when the row was in the BM25 candidates
    cosine: float | None = None  # cosine when the row was in the semantic candidates


class HybridIndex:
    """An in-memory index over ``texts`` (row order kept) and optional unit ``embeddings``."""

    def __init__(self, texts: list[str], embeddings: np.ndarray | None = None):
        import bm25s

        self.size = len(texts)
        self.embeddings = None if embeddings is None else np.asarray(embeddings, dtype=np.float32)
        if self.embeddings is not None and len(self.embeddings) != self.size:
            raise ValueError(f"{len(self.embeddings)} embeddings for {self.size} texts")
        self.bm25 = bm25s.BM25()
        tokens = tokenize(texts) if texts else []
        self._empty = not any(tokens)
        if not self._empty:
            self.bm25.index(tokens, show_progress=False)

    def lexical(self, queries: list[str], k: int) -> list[list[tuple[int, float]]]:
        """BM25 top ``k`` (row, score) per query; rows with score 0 are left out."""
        k = min(k, self.size)
        if self._empty or k == 0:
            return [[] for _ in queries]
        tokens = tokenize(queries)
        asked = [i for i, toks in enumerate(tokens) if toks]
        out: list[list[tuple[int, float]]] = [[] for _ in queries]
        if asked:  # one call for the batch: bm25s scores queries together
            rows, scores = self.bm25.retrieve(
                [tokens[i] for i in asked], k=k, show_progress=False, n_threads=1
            )
            for j, i in enumerate(asked):
                keep = scores[j] > 0
                out[i] = list(zip(rows[j][keep].tolist(), scores[j][keep].tolist()))
        return out

    def semantic(self, vectors: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """Cosine top ``k`` (row, cosine) per query vector (unit vectors: a dot product)."""
        if self.embeddings is None or self.size == 0:
            return [[] for _ in range(len(vectors))]
        k = min(k, self.size)
        sims = np.asarray(vectors, dtype=np.float32) @ self.embeddings.T
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        out = []
        for i, rows in enumerate(top):
            rows = rows[np.argsort(-sims[i, rows], kind="stable")]
            out.append([(int(r), float(sims[i, r])) for r in rows])
        return out

    def search(
        self, queries: list[str], vectors: np.ndarray | None = None, k: int = 5, candidates: int = 50
    ) -> list[list[Hit]]:
        """Top ``k`` per query by reciprocal-rank fusion of the BM25 and cosine candidates."""
        lexical = self.lexical(queries, candidates)
        semantic = self.semantic(vectors, candidates) if vectors is not None else [[] for _ in queries]
        return [fuse(lex, sem, k) for lex, sem in zip(lexical, semantic)]


def fuse(lexical: list[tuple[int, float]], semantic: list[tuple[int, float]], k: int) -> list[Hit]:
    """Reciprocal-rank fusion; ties broken by row so results do not depend on dict order."""
    hits: dict[int, Hit] = {}
    for rank, (row, score) in enumerate(lexical):
        hit = hits.setdefault(row, Hit(row, 0.0))
        hit.score += 1.0 / (RRF_K + rank + 1)
        hit.lexical = score
    for rank, (row, cosine) in enumerate(semantic):
        hit = hits.setdefault(row, Hit(row, 0.0))
        hit.score += 1.0 / (RRF_K + rank + 1)
        hit.cosine = cosine
    return sorted(hits.values(), key=lambda h: (-h.score, h.row))[:k]
