"""The candidate text classifiers. Each has ``fit(texts, labels)``, ``predict_proba(texts)``
(columns in ``classes_`` order) and ``predict(texts)``:

- ``tfidf``: TF-IDF of words and word pairs + logistic regression: the baseline every other
  candidate must beat on validation (what a user writes in ten lines).
- ``tfidf_chars``: TF-IDF of words *and* character 2-5-grams (inside word boundaries) + logistic
  regression: robust to French inflection, typos and codes, language-independent.
- ``embeddings``: a frozen sentence-transformers encoder (MiniLM by default, any path) + LR.
- ``spacy_vectors``: spaCy ``fr_core_news_md`` averaged word vectors + LR: a French
  representation where MiniLM is English.
- ``setfit``: SetFit (contrastive fine-tuning of the encoder, then a head) on every labelled
  row with class-balanced sampling; the costliest, capped by ``setfit_steps``.
- ``ensemble``: the average of the other non-baseline candidates' probabilities.

Every logistic regression is class-balanced, so rare classes are predicted at all.
"""

from __future__ import annotations

import numpy as np

from resources.text_models.base import TextModel, _logreg
from resources.text_models.encoders import EncoderRef, encode, sentence_ref, spacy_ref

NAMES = ("tfidf", "tfidf_chars", "embeddings", "spacy_vectors", "setfit", "ensemble")


class SklearnText(TextModel):
    """A fitted scikit-learn text pipeline (vectoriser + classifier)."""

    def __init__(self, name: str, pipeline):
        self.name, self.pipeline = name, pipeline

    def fit(self, texts, labels):
        self.pipeline.fit(list(texts), list(labels))
        self.classes_ = np.asarray(self.pipeline.classes_)
        for vectoriser in _vectorisers(self.pipeline):
            if hasattr(vectoriser, "stop_words_"):  # every term cut by min_df/max_features:
                del vectoriser.stop_words_  # only needed for introspection, megabytes when pickled
        _compact(self.pipeline.steps[-1][1])
        return self

    def predict_proba(self, texts):
        return self.pipeline.predict_proba(list(texts))


def _compact(classifier) -> None:
    """Coefficients in float32: half the artefact, the same predictions to ~1e-6."""
    if hasattr(classifier, "coef_"):
        classifier.coef_ = classifier.coef_.astype(np.float32)


def _vectorisers(pipeline) -> list:
    found = []
    for _, step in getattr(pipeline, "steps", []):
        found += [t for _, t in getattr(step, "transformer_list", [])] or [step]
    return found


def tfidf() -> SklearnText:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return SklearnText(
        "tfidf",
        Pipeline(
            [
                ("tfidf", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
                ("logreg", LogisticRegression(max_iter=1000, class_weight="balanced", random_state=0)),
            ]
        ),
    )


def tfidf_chars() -> SklearnText:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_features=30_000)),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, max_features=60_000
                ),
            ),
        ]
    )
    return SklearnText("tfidf_chars", Pipeline([("features", features), ("logreg", _logreg())]))


class EncodedText(TextModel):
    """A logistic-regression head on a frozen encoder; pickles the head and the encoder's
    *reference* only (see ``encoders``)."""

    def __init__(self, name: str, encoder: EncoderRef, c: float = 4.0):
        self.name, self.encoder, self.head = name, encoder, _logreg(c)

    def fit(self, texts, labels):
        self.head.fit(encode(self.encoder, list(texts)), list(labels))
        _compact(self.head)
        self.classes_ = np.asarray(self.head.classes_)
        return self

    def predict_proba(self, texts):
        return self.head.predict_proba(encode(self.encoder, list(texts)))

    def describe(self) -> dict:
        return {"candidate": self.name, "encoder": self.encoder.key}


class Averaged(TextModel):
    """The mean of its members' probabilities, aligned on the union of their classes."""

    name = "ensemble"

    def __init__(self, members: list[TextModel]):
        self.members = members
        if all(hasattr(m, "classes_") for m in members):
            self.classes_ = np.asarray(sorted({str(c) for m in members for c in m.classes_}))

    def fit(self, texts, labels):
        for member in self.members:
            member.fit(texts, labels)
        self.classes_ = np.asarray(sorted({str(c) for m in self.members for c in m.classes_}))
        return self

    def predict_proba(self, texts):
        index = {c: i for i, c in enumerate(self.classes_)}
        out = np.zeros((len(texts), len(self.classes_)))
        for member in self.members:
            proba = member.predict_proba(texts)
            for j, c in enumerate(member.classes_):
                out[:, index[str(c)]] += proba[:, j]
        return out / len(self.members)

    def describe(self) -> dict:
        return {"candidate": self.name, "members": [m.describe() for m in self.members]}


def build(
    name: str,
    *,
    encoder_path: str = "",
    spacy_model: str = "fr_core_news_md",
    setfit_steps: int = 40,
    language: str = "en",
) -> TextModel:
    """A fresh, unfitted candidate by name (``language`` picks the ensemble's members)."""
    if name == "tfidf":
        return tfidf()
    if name == "tfidf_chars":
        return tfidf_chars()
    if name == "embeddings":
        return EncodedText("embeddings", sentence_ref(encoder_path))
    if name == "spacy_vectors":
        return EncodedText("spacy_vectors", spacy_ref(spacy_model))
    if name == "setfit":
        from resources.text_models.setfit_candidate import SetFitText

        return SetFitText(encoder_path, steps=setfit_steps)
    raise ValueError(f"unknown text candidate {name!r}; known: {', '.join(NAMES)}")
