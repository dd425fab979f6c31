"""Clustering of short texts: UMAP + HDBSCAN on sentence embeddings, c-TF-IDF keywords, and
stable cluster ids across runs by centroid similarity.

Shared by root-cause clusters (tickets) and topics (verbatims). Deterministic for a seed:
UMAP runs single-threaded with ``random_state`` and a PCA initialisation (see ``_reduce``);
HDBSCAN is deterministic given its input.
"""

import functools
import warnings
from dataclasses import dataclass, field

import numpy as np

TOKEN_PATTERN = r"(?u)\b[^\W\d_]{3,}\b"  # words of 3+ letters: no server names, codes or amounts
SMALL_DATA = 4096  # UMAP's exact-neighbours threshold (approximate NN-descent from this size)


@dataclass
class ClusterResult:
    labels: np.ndarray  # one per document, -1 = outlier
    keywords: dict[int, list[str]] = field(default_factory=dict)
    representatives: dict[int, list[int]] = field(default_factory=dict)  # most central docs first
    centroids: dict[int, np.ndarray] = field(default_factory=dict)  # unit vectors, embedding space


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


def ctfidf_keywords(
    texts: list[str], labels: np.ndarray, stop_words: list[str] | None = None, top_n: int = 8
) -> dict[int, list[str]]:
    """Class-based TF-IDF (BERTopic's): each cluster's documents as one document, words weighted
    by their frequency in the cluster times log(1 + mean words per cluster / frequency overall)."""
    from sklearn.feature_extraction.text import CountVectorizer

    classes = sorted(int(c) for c in set(labels.tolist()) if c != -1)
    if not classes:
        return {}
    joined = [" ".join(t for t, label in zip(texts, labels) if label == c) for c in classes]
    vectorizer = CountVectorizer(
        stop_words=stop_words, token_pattern=TOKEN_PATTERN, lowercase=True, ngram_range=(1, 2)
    )
    try:
        counts = vectorizer.fit_transform(joined).toarray().astype(float)
    except ValueError:  # no word left at all
        return {c: [] for c in classes}
    words = vectorizer.get_feature_names_out()
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    idf = np.log(1 + counts.sum(axis=1).mean() / np.maximum(counts.sum(axis=0), 1))
    scores = tf * idf
    return {
        c: [str(words[j]) for j in np.argsort(-scores[i], kind="stable")[:top_n] if scores[i, j] > 0]
        for i, c in enumerate(classes)
    }


@functools.lru_cache(maxsize=1)
def _pairwise_cosine():
    """A compiled loop over the pairs with UMAP's own cosine, filling the matrix exactly as
    UMAP's small-data path does through sklearn (float32, upper triangle mirrored, diagonal)."""
    import numba
    from umap.distances import cosine

    @numba.njit(cache=False)
    def pairwise(vectors):
        n = vectors.shape[0]
        out = np.zeros((n, n), dtype=np.float32)
        for i in range(n):
            for j in range(i + 1, n):
                out[i, j] = out[j, i] = cosine(vectors[i], vectors[j])
            out[i, i] = cosine(vectors[i], vectors[i])
        return out

    return pairwise


def exact_neighbours(vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(indices, cosine distances) of each point's ``k`` nearest points, nearest first (the
    point itself, or a duplicate of it, at distance 0)."""
    from umap.utils import fast_knn_indices

    distances = _pairwise_cosine()(np.ascontiguousarray(vectors, dtype=np.float32))
    indices = fast_knn_indices(distances, k)
    return indices, distances[np.arange(len(vectors))[:, None], indices].copy()


def _reduce(embeddings: np.ndarray, seed: int, umap_dims: int) -> np.ndarray:
    """UMAP to ``umap_dims`` dimensions on cosine distances.

    Below 4,096 points UMAP finds exact neighbours from all pairwise distances, which it
    computes one pair at a time through sklearn with a Python callable. The same neighbours,
    computed here in one compiled loop, are handed to UMAP as ``precomputed_knn``: the
    embedding is bit-for-bit the one UMAP gives alone (tested), and 2,700 answers (a 28-day
    demo window) take 5.0 s instead of 8.3 s (most of what is left: 500 layout epochs).

    Initialised by PCA, not UMAP's default spectral layout: when the neighbour graph falls
    apart in components (duplicate answers such as "RAS" do that), the spectral layout of the
    small ones comes out of ARPACK differently from one call to the next with the same seed
    (seen on a 28-day demo window: 9 of 2,317 points moved, and the topics with them), which
    would break "a rerun of a partition replaces it exactly".
    """
    import umap  # heavy: only when clustering

    n = embeddings.shape[0]
    options = {
        "n_neighbors": min(15, n - 1),
        "n_components": min(umap_dims, n - 2),
        "metric": "cosine",
        "min_dist": 0.0,
        "random_state": seed,
        "low_memory": True,
        "n_jobs": 1,
        "init": "pca" if n > umap_dims + 10 else "random",
    }
    if n < SMALL_DATA:
        options.update(
            force_approximation_algorithm=True,
            precomputed_knn=exact_neighbours(embeddings, options["n_neighbors"]),
        )
    with warnings.catch_warnings():  # "transform will be unavailable": we never transform
        warnings.filterwarnings("ignore", message=r"precomputed_knn\[2\]")
        return umap.UMAP(**options).fit_transform(embeddings)


def cluster_documents(
    embeddings: np.ndarray,
    texts: list[str],
    *,
    seed: int = 42,
    min_cluster_size: int = 10,
    stop_words: list[str] | None = None,
    umap_dims: int = 5,
) -> ClusterResult:
    """Cluster ``embeddings`` (one row per text); too few documents give only outliers."""
    import hdbscan  # heavy: only when clustering

    n = embeddings.shape[0]
    if len(texts) != n:
        raise ValueError(f"cluster_documents: {n} embeddings but {len(texts)} texts")
    if n < max(2 * min_cluster_size, umap_dims + 4):
        return ClusterResult(labels=np.full(n, -1, dtype=int))
    reduced = _reduce(embeddings.astype(np.float32), seed, umap_dims)
    labels = hdbscan.HDBSCAN(
        min_cluster_size=min_cluster_size, metric="euclidean", prediction_data=False, core_dist_n_jobs=1
    ).fit_predict(reduced)
    return describe_labels(embeddings, texts, np.asarray(labels, dtype=int), stop_words)


def describe_labels(
    embeddings: np.ndarray, texts: list[str], labels: np.ndarray, stop_words: list[str] | None = None
) -> ClusterResult:
    """Centroids, most central members and c-TF-IDF keywords of the clusters of ``labels``."""
    unit = _unit(embeddings.astype(np.float64))
    centroids, representatives = {}, {}
    for c in sorted(set(labels.tolist()) - {-1}):
        members = np.flatnonzero(labels == c)
        centroid = _unit(unit[members].mean(axis=0))
        order = np.argsort(-(unit[members] @ centroid), kind="stable")
        centroids[c] = centroid
        representatives[c] = [int(i) for i in members[order[:5]]]
    return ClusterResult(
        labels=labels,
        keywords=ctfidf_keywords(texts, labels, stop_words),
        representatives=representatives,
        centroids=centroids,
    )


def novel_groups(
    embeddings: np.ndarray,
    recent: np.ndarray,
    novelty: float = 0.7,
    link: float = 0.8,
    min_size: int = 4,
    growth: float = 0.0,
    span_ratio: float = 1.0,
    alpha: float = 0.001,
) -> list[np.ndarray]:
    """Groups of recent documents unlike what came before them: candidate new root causes.

    A recent document is a candidate when its nearest earlier document (exact cosine) is below
    ``novelty`` (nothing like it before), or, with ``growth`` > 0, when its near-duplicates
    (cosine ``link`` or more) come ``growth`` times faster now than before: (recent ones + 1)
    >= growth * (earlier ones + 1) * ``span_ratio``, ``span_ratio`` being the recent span over
    the earlier span in days. The second test catches a root cause that reads like an existing
    one (same application, same server names) but suddenly comes in numbers. Candidates linked
    at ``link`` or more form groups (connected components), kept from ``min_size`` members. A
    group with a member found by the growth test alone must also be unlikely at the earlier
    pace: with n members and e earlier documents linked to any of them, P(Binomial(n + e,
    r / (1 + r)) >= n) < ``alpha`` (r = ``span_ratio``), so that a template seen 2 or 3 times
    before and 4 times this week, a chance run among dozens of templates, is not a burst
    (4 of 4 + 2 is p = 0.03 with 7 days against 23). Why beside HDBSCAN: a burst of a few
    tickets a day is too small to be its own density cluster for days and is absorbed by its
    nearest neighbour cluster, whose id then hides it. Exact cosines and thresholds, no seed: the same groups on
    any CPU and any clustering seed.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.stats import binom

    recent_idx, past_idx = np.flatnonzero(recent), np.flatnonzero(~recent)
    if len(recent_idx) < min_size or not len(past_idx):
        return []
    unit = _unit(embeddings.astype(np.float32))
    to_past = unit[recent_idx] @ unit[past_idx].T
    novel = to_past.max(axis=1) < novelty
    candidate = novel.copy()
    to_recent = unit[recent_idx] @ unit[recent_idx].T
    if growth > 0:
        near_recent = (to_recent >= link).sum(axis=1)  # itself included: the "+ 1"
        near_past = (to_past >= link).sum(axis=1)
        candidate |= near_recent >= growth * (near_past + 1) * span_ratio
    chosen = np.flatnonzero(candidate)
    if len(chosen) < min_size:
        return []
    linked = to_recent[np.ix_(chosen, chosen)] >= link
    _, component = connected_components(csr_matrix(linked), directed=False)
    groups = []
    for k in np.unique(component):
        members = chosen[component == k]
        if len(members) < min_size:
            continue
        if not novel[members].all():
            earlier = int((to_past[members] >= link).any(axis=0).sum())
            if binom.sf(len(members) - 1, len(members) + earlier, span_ratio / (1 + span_ratio)) >= alpha:
                continue
        groups.append(recent_idx[members])
    return sorted(groups, key=lambda g: int(g[0]))


def carve_groups(
    result: ClusterResult,
    embeddings: np.ndarray,
    texts: list[str],
    groups: list[np.ndarray],
    stop_words: list[str] | None = None,
) -> ClusterResult:
    """``result`` with each group made a cluster of its own (taken out of where it was)."""
    if not groups:
        return result
    labels = result.labels.copy()
    label = int(labels.max(initial=-1)) + 1
    for group in groups:
        labels[group] = label
        label += 1
    _, dense = np.unique(labels[labels >= 0], return_inverse=True)  # emptied clusters go
    relabelled = np.full_like(labels, -1)
    relabelled[labels >= 0] = dense
    return describe_labels(embeddings, texts, relabelled, stop_words)


def match_clusters(
    previous: dict[str, np.ndarray],
    current: dict[int, np.ndarray],
    threshold: float = 0.8,
    *,
    new_prefix: str = "new",
) -> dict[int, str]:
    """Give each current cluster the id of the previous cluster it matches, else a new id.

    Pairs are chosen one-to-one to maximise total cosine similarity (Hungarian assignment);
    a pair counts only at ``threshold`` or above. New ids are ``f"{new_prefix}-{label}"``:
    deterministic, and unique across runs when the prefix names the run (e.g. the day).
    """
    from scipy.optimize import linear_sum_assignment

    ids = {c: f"{new_prefix}-{c}" for c in current}
    if not previous or not current:
        return ids
    old_ids, cur = sorted(previous), sorted(current)
    sim = _unit(np.stack([current[c] for c in cur])) @ _unit(np.stack([previous[k] for k in old_ids])).T
    rows, cols = linear_sum_assignment(-sim)
    for r, k in zip(rows, cols):
        if sim[r, k] >= threshold:
            ids[cur[r]] = old_ids[k]
    return ids
