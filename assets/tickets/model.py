"""The ticket models used together: category, subcategory (labels ``category/subcategory``,
read within the predicted category) and assignment group, each a registered version with its
per-class thresholds. ``needs_review`` says why a category or subcategory is not answered."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from resources.model_registry import RegisteredModel
from resources.text_models.thresholds import review_reasons


@dataclass
class TicketModels:
    category: RegisteredModel
    subcategory: RegisteredModel | None = None
    group: RegisteredModel | None = None

    def predict(self, texts: list[str]) -> dict[str, list]:
        n = len(texts)
        out: dict[str, list] = {
            "predicted_category": [],
            "category_confidence": [],
            "predicted_subcategory": [None] * n,
            "subcategory_confidence": [None] * n,
            "predicted_assignment_group": [None] * n,
            "needs_review": [],
            "review_reason": [],
        }
        if n == 0:
            return out
        proba = self.category.predict_proba(texts)
        classes = np.asarray(self.category.classes_, dtype=object)
        best = proba.argmax(axis=1)
        out["predicted_category"] = [str(classes[i]) for i in best]
        out["category_confidence"] = proba[np.arange(n), best].tolist()
        reasons = review_reasons(
            out["predicted_category"], out["category_confidence"], self.category.thresholds
        )
        if self.subcategory is not None:
            sub_proba = self.subcategory.predict_proba(texts)
            sub_classes = np.asarray(self.subcategory.classes_, dtype=object)
            for i, category in enumerate(out["predicted_category"]):
                inside = np.flatnonzero([str(c).startswith(f"{category}/") for c in sub_classes])
                if inside.size:
                    j = inside[int(sub_proba[i, inside].argmax())]
                    conf = float(sub_proba[i, j] / max(sub_proba[i, inside].sum(), 1e-12))
                    out["predicted_subcategory"][i] = str(sub_classes[j]).split("/", 1)[1]
                    out["subcategory_confidence"][i] = conf
                    if reasons[i] is None:
                        sub_reason = review_reasons(
                            [str(sub_classes[j])], [float(sub_proba[i, j])], self.subcategory.thresholds
                        )[0]
                        reasons[i] = f"subcategory: {sub_reason}" if sub_reason else None
        if self.group is not None:
            out["predicted_assignment_group"] = self.group.predict(texts)
        out["needs_review"] = [r is not None for r in reasons]
        out["review_reason"] = reasons
        return out
