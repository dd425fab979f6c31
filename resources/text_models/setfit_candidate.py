"""SetFit as a candidate: contrastive fine-tuning of the sentence encoder on a class-balanced
resample of *all* labelled rows (every class drawn equally often, no per-label cap), then a
class-balanced logistic-regression head fitted on every row's fine-tuned embedding.

The cost is bounded by ``steps`` (x 16 pairs) and ``max_length`` tokens. Its artefact holds
the fine-tuned encoder (about 90 MB for MiniLM): it is only written when SetFit is the
model kept, never for a candidate that lost.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from resources.text_models.base import SEED, TextModel, _logreg


class SetFitText(TextModel):
    name = "setfit"

    def __init__(
        self, encoder_path: str = "", steps: int = 40, max_length: int = 96, pairs_per_class: int = 64
    ):
        self.encoder_path, self.steps, self.max_length = encoder_path, steps, max_length
        self.pairs_per_class = pairs_per_class
        self.body, self.head = None, _logreg()

    def _encode(self, texts):
        from resources.nlp.precision import inference_context

        with inference_context():
            vectors = self.body.encode(
                list(texts),
                batch_size=64,
                show_progress_bar=False,
                normalize_embeddings=True,
                convert_to_numpy=True,
            )
        return np.asarray(vectors, dtype=np.float32)

    def fit(self, texts, labels):
        from resources.nlp.embeddings import default_model_path
        from resources.nlp.fewshot import train_setfit

        texts, labels = list(texts), list(labels)
        rng = np.random.default_rng(SEED)
        by_class: dict[str, list[int]] = {}
        for i, label in enumerate(labels):
            by_class.setdefault(label, []).append(i)
        sample = [
            int(i)
            for rows in by_class.values()
            for i in rng.choice(rows, size=self.pairs_per_class, replace=len(rows) < self.pairs_per_class)
        ]
        setfit = train_setfit(
            [texts[i] for i in sample],
            [labels[i] for i in sample],
            model_path=self.encoder_path or default_model_path(),
            seed=SEED,
            num_iterations=1,
            batch_size=16,
            epochs=1,
            max_steps=self.steps,
            max_length=self.max_length,
        )
        self.body = setfit.model_body
        self.head.fit(self._encode(texts), labels)
        self.classes_ = np.asarray(self.head.classes_)
        return self

    def predict_proba(self, texts):
        return self.head.predict_proba(self._encode(texts))

    def describe(self) -> dict:
        return {
            "candidate": self.name,
            "base_encoder": self.encoder_path or "bundled MiniLM",
            "steps": self.steps,
        }

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "body"}

    def save_extra(self, folder: Path) -> None:
        self.body.save(str(folder / "setfit_body"))

    def load_extra(self, folder: Path) -> None:
        from sentence_transformers import SentenceTransformer

        self.body = SentenceTransformer(str(folder / "setfit_body"), device="cpu")
