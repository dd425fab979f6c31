"""What every text candidate shares (the base class, the seed, the class-balanced logistic
regression), apart from the candidates so that ``setfit_candidate`` and ``candidates`` do not
import each other."""

from __future__ import annotations

import numpy as np

SEED = 42


def _logreg(c: float = 4.0):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=2000, class_weight="balanced", random_state=SEED)


class TextModel:
    """Base: ``classes_`` plus ``predict`` from ``predict_proba``."""

    name = "base"
    classes_: np.ndarray

    def predict(self, texts: list[str]) -> list[str]:
        proba = self.predict_proba(texts)
        return [str(self.classes_[i]) for i in proba.argmax(axis=1)] if len(texts) else []

    def describe(self) -> dict:
        return {"candidate": self.name}
