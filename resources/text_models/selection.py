"""Train every candidate on the same folds, keep the best on validation only when it beats
TF-IDF by more than the noise.

Validation is out-of-fold over *every* row: rows are dealt to ``folds`` folds class by class
in time order (stratified and interleaved), so each fold spans the whole period and holds every
class that has at least ``folds`` rows; each fold is predicted by a model trained on the other
folds. Selecting on the newest rows only let one recent period decide (the shared reviews:
character n-grams won on the newest reviews and lost on the rest), and with a handful of
rare-class rows in one block a noise gain decided macro-F1. A candidate is eligible only when
(1) the lower bound of the ``level`` bootstrap interval of its macro-F1 gain over TF-IDF on
the pooled out-of-fold predictions is above 0 (the promotion gate's rule), and (2) it gains on
more folds than it loses (not one lucky fold); and (3) its gain also clears the noise on the
classes that have at least ``min_class_rows`` rows (30, the usual floor for a stable
per-class F1): below that a class's F1 is a few rows' luck, so a gain made there alone keeps
TF-IDF, and so does a set where no class has that many rows. (4) A candidate that runs a
transformer on every text (``embeddings``, ``setfit``, an ensemble holding one) costs about
10 ms of two cores per ticket at inference, ten times an n-gram model, which caps the triage
service near 100 tickets/s: it is kept only when its gain over the best cheap option (TF-IDF
or an eligible encoder-free candidate) also clears the noise (``prefer_cheap``; off, the
best eligible candidate is kept whatever it costs). The best eligible one is kept, else the
baseline. The ensemble averages the non-baseline candidates fold by fold. Per-class thresholds are fitted on
the kept model's pooled out-of-fold predictions; the promotion gate replays the newest
``val_share`` of the rows (their out-of-fold predictions). Then (``refit``) the kept model is
retrained on every row.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from resources.progress import Progress
from resources.text_models import candidates as cand
from resources.text_models.evaluation import bootstrap_delta, macro_f1, score
from resources.text_models.thresholds import DEFAULT_TARGET, fit_thresholds

DEFAULT_CANDIDATES = ("tfidf", "tfidf_chars", "embeddings", "ensemble")
TRANSFORMER_CANDIDATES = frozenset({"embeddings", "setfit"})  # a transformer pass per text
FRENCH_CANDIDATES = ("tfidf", "tfidf_chars", "spacy_vectors", "embeddings", "ensemble")


@dataclass
class Selection:
    model: cand.TextModel
    thresholds: dict[str, dict]
    chosen: str
    validation: dict  # candidate -> scores out of fold on every row (with seconds)
    val_predictions: dict = field(default_factory=dict)  # candidate -> out-of-fold labels, newest rows
    val_truth: list = field(default_factory=list)  # truth of the newest ``val_share`` rows
    n_train: int = 0  # rows before them
    n_validation: int = 0  # rows of them

    @property
    def report(self) -> dict:
        return {
            "chosen": self.chosen,
            "n_train": self.n_train,
            "n_validation": self.n_validation,
            "validation": self.validation,
        }


def time_split(n: int, val_share: float) -> int:
    """Index of the first row of the newest ``val_share`` (rows are oldest first)."""
    return max(1, min(n - 1, round(n * (1 - val_share))))


def stratified_folds(labels: list[str], folds: int) -> np.ndarray:
    """Fold of each row: each class's rows, in time order, dealt round-robin (the start
    rotates by class so folds stay the same size). Deterministic, no random state."""
    fold = np.zeros(len(labels), dtype=int)
    offset = 0
    for label in sorted(set(labels)):
        rows = [i for i, y in enumerate(labels) if y == label]
        for k, i in enumerate(rows):
            fold[i] = (offset + k) % folds
        offset += len(rows)
    return fold


def _aligned(proba: np.ndarray, classes, universe: list[str]) -> np.ndarray:
    out = np.zeros((proba.shape[0], len(universe)))
    index = {c: i for i, c in enumerate(universe)}
    for j, c in enumerate(classes):
        out[:, index[str(c)]] = proba[:, j]
    return out


def select(
    texts: list[str],
    labels: list[str],
    *,
    names=DEFAULT_CANDIDATES,
    val_share: float = 0.3,
    folds: int = 4,
    target: float = DEFAULT_TARGET,
    targets: dict | None = None,
    refit: bool = True,
    n_boot: int = 300,
    level: float = 0.90,
    min_class_rows: int = 30,
    prefer_cheap: bool = True,
    log=print,
    **options,
) -> Selection:
    """Fit the candidates ``names`` on rows oldest first; return the kept model (see module)."""
    labels = [str(y) for y in labels]
    if len(set(labels)) < 2:
        raise ValueError(f"need labels of at least 2 classes to train, got {sorted(set(labels))}")
    universe = sorted(set(labels))
    folds = max(2, min(folds, len(texts)))
    fold = stratified_folds(labels, folds)
    for k in range(folds):
        if len({y for y, f in zip(labels, fold) if f != k}) < 2:
            raise ValueError(f"the training part of fold {k} holds a single class")
    cut = time_split(len(texts), val_share)
    names = [
        "tfidf",
        *[n for n in names if n not in ("tfidf", "ensemble")],
        *(["ensemble"] if "ensemble" in names else []),
    ]
    pooled, scores, last_fitted = {}, {}, {}
    fits = len([n for n in names if n != "ensemble"]) * folds + int(refit)
    tracker = Progress(log, "model fits (candidates x folds, then the refit)", fits, unit="fits")
    for name in names:
        started = time.perf_counter()
        try:
            if name == "ensemble":
                members = [n for n in pooled if n != "tfidf"]
                if len(members) < 2:
                    continue
                proba = np.mean([pooled[n] for n in members], axis=0)
            else:
                proba = np.zeros((len(texts), len(universe)))
                for k in range(folds):
                    train = np.flatnonzero(fold != k)
                    held = np.flatnonzero(fold == k)
                    model = cand.build(name, **options).fit(
                        [texts[i] for i in train], [labels[i] for i in train]
                    )
                    proba[held] = _aligned(
                        model.predict_proba([texts[i] for i in held]), model.classes_, universe
                    )
                    tracker.advance()
                last_fitted[name] = model
        except Exception as error:  # noqa: BLE001 - a candidate that cannot train loses; the others go on
            log(f"candidate {name} failed: {type(error).__name__}: {error}")
            scores[name] = {"error": f"{type(error).__name__}: {error}"}
            continue
        pooled[name] = proba
        scores[name] = {**score(labels, proba, universe), "seconds": round(time.perf_counter() - started, 1)}
        log(
            f"candidate {name}: out-of-fold macro-F1 {scores[name]['macro_f1']:.3f} "
            f"({scores[name]['seconds']} s, {folds} stratified folds)"
        )
    chosen, why = _choose(
        pooled, scores, names, labels, universe, fold, folds, n_boot, level, min_class_rows, prefer_cheap
    )
    log(f"kept {chosen}: {why}")
    proba = pooled[chosen]
    predicted = [universe[i] for i in proba.argmax(axis=1)]
    thresholds = fit_thresholds(labels, predicted, proba.max(axis=1), universe, target, targets)
    scores[chosen] = {**scores[chosen], **score(labels, proba, universe, thresholds), "why": why}
    val_predictions = {n: [universe[i] for i in p[cut:].argmax(axis=1)] for n, p in pooled.items()}
    model = (
        _fresh(chosen, pooled, options)
        if refit
        else (
            last_fitted.get(chosen)
            or cand.Averaged([last_fitted[n] for n in pooled if n not in ("tfidf", "ensemble")])
        )
    )
    if refit:
        started = time.perf_counter()
        model.fit(texts, labels)
        tracker.advance()
        scores[chosen]["refit_seconds"] = round(time.perf_counter() - started, 1)
    return Selection(
        model=model,
        thresholds=thresholds,
        chosen=chosen,
        validation=scores,
        val_predictions=val_predictions,
        val_truth=labels[cut:],
        n_train=cut,
        n_validation=len(texts) - cut,
    )


def costly(name: str, pooled) -> bool:
    """Whether candidate ``name`` runs a transformer per text (the ensemble: through a member)."""
    if name == "ensemble":
        return any(n in TRANSFORMER_CANDIDATES for n in pooled)
    return name in TRANSFORMER_CANDIDATES


def _choose(
    pooled, scores, names, labels, universe, fold, folds, n_boot, level, min_class_rows, prefer_cheap=True
):
    """The kept candidate and why (rules 1-4 of the module docstring)."""
    supported = [c for c in universe if labels.count(c) >= min_class_rows]
    base_pred = [universe[i] for i in pooled["tfidf"].argmax(axis=1)]
    eligible, notes = [], []
    for n in pooled:
        if n == "tfidf":
            continue
        pred = [universe[i] for i in pooled[n].argmax(axis=1)]
        gain = bootstrap_delta(labels, base_pred, pred, n=n_boot, level=level)
        per_fold = []
        for k in range(folds):
            rows = np.flatnonzero(fold == k)
            truth = [labels[i] for i in rows]
            per_fold.append(
                round(
                    macro_f1(truth, [pred[i] for i in rows]) - macro_f1(truth, [base_pred[i] for i in rows]),
                    4,
                )
            )
        gain["per_fold"] = per_fold
        gain["on_supported_classes"] = (
            bootstrap_delta(labels, base_pred, pred, n=n_boot, level=level, labels=supported)
            if supported
            else None
        )
        scores[n]["gain_over_tfidf"] = gain
        wins, losses = sum(d > 0 for d in per_fold), sum(d < 0 for d in per_fold)
        if gain["low"] <= 0:
            notes.append(f"{n}: gain {gain['delta']} within the noise (low {gain['low']})")
        elif wins <= losses:
            notes.append(f"{n}: gains on {wins} fold(s), loses on {losses}")
        elif not supported:
            notes.append(f"{n}: no class has {min_class_rows} rows, a gain cannot be told from luck")
        elif gain["on_supported_classes"]["low"] <= 0:
            notes.append(
                f"{n}: on the {len(supported)} class(es) with >= {min_class_rows} rows the gain "
                f"{gain['on_supported_classes']['delta']} is within the noise (rare-class luck)"
            )
        else:
            eligible.append(n)
    if not eligible:
        return "tfidf", "TF-IDF kept: " + "; ".join(notes)

    def rank(n):
        return (scores[n]["macro_f1"], -names.index(n))

    def kept(n):
        return n, f"gain over TF-IDF {scores[n]['gain_over_tfidf']}"

    best = max(eligible, key=rank)
    if not (prefer_cheap and costly(best, pooled)):
        return kept(best)
    # rule 4: a transformer candidate ranked above the best cheap option must beat it clearly
    cheap = max(["tfidf", *(n for n in eligible if not costly(n, pooled))], key=rank)
    cheap_pred = [universe[i] for i in pooled[cheap].argmax(axis=1)]
    for n in sorted(
        (n for n in eligible if costly(n, pooled) and rank(n) > rank(cheap)), key=rank, reverse=True
    ):
        pred = [universe[i] for i in pooled[n].argmax(axis=1)]
        over = bootstrap_delta(labels, cheap_pred, pred, n=n_boot, level=level)
        scores[n]["gain_over_cheap"] = {**over, "against": cheap}
        if over["low"] > 0:
            return kept(n)
        notes.append(
            f"{n}: gain {over['delta']} over {cheap} within the noise (low {over['low']}), "
            "not worth a transformer pass per text"
        )
    if cheap == "tfidf":
        return "tfidf", "TF-IDF kept: " + "; ".join(notes)
    name, why = kept(cheap)
    return name, f"{why}; " + "; ".join(notes)


def _fresh(name: str, fitted: dict, options: dict) -> cand.TextModel:
    """An unfitted copy of candidate ``name`` (the ensemble: of its members)."""
    if name == "ensemble":
        return cand.Averaged([cand.build(n, **options) for n in fitted if n not in ("tfidf", "ensemble")])
    return cand.build(name, **options)


def predict_with_reasons(model, thresholds: dict, texts: list[str]) -> dict[str, list]:
    """Predicted label, confidence, answered or not, and the review reason of each text."""
    from resources.text_models.thresholds import review_reasons

    if not texts:
        return {"predicted": [], "confidence": [], "needs_review": [], "review_reason": []}
    proba = model.predict_proba(texts)
    best = proba.argmax(axis=1)
    predicted = [str(model.classes_[i]) for i in best]
    confidence = proba[np.arange(len(best)), best]
    reasons = review_reasons(predicted, confidence, thresholds)
    return {
        "predicted": predicted,
        "confidence": [float(c) for c in confidence],
        "needs_review": [r is not None for r in reasons],
        "review_reason": reasons,
    }
