"""Training and evaluation of the ticket model on the labelled history (no Dagster here).

Time-based holdout: the last ``holdout_days`` days of labelled tickets are kept out, the model
and the TF-IDF baseline are trained on the days before and scored on them. Categories with
fewer than ``min_examples`` labelled tickets get templated examples from their description
(zero-shot); each (category, subcategory) keeps its ``max_per_label`` latest tickets.
"""

from dataclasses import dataclass, field
from datetime import timedelta

import polars as pl

from assets.tickets.model import TicketModel, fit_head
from resources.nlp.fewshot import evaluate, tfidf_baseline, train_setfit, zero_shot_examples


@dataclass
class TrainingParams:
    model_path: str
    seed: int = 42
    min_examples: int = 8
    max_per_label: int = 50
    max_steps: int = 30  # contrastive steps: pairs = steps x batch_size
    batch_size: int = 16
    holdout_days: int = 7
    descriptions: dict[str, str] = field(default_factory=dict)


def labelled(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("category").is_not_null() & (pl.col("text") != ""))


def time_split(frame: pl.DataFrame, holdout_days: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(train, holdout): holdout = tickets opened in the last ``holdout_days`` days of ``frame``."""
    if frame.height == 0 or holdout_days <= 0:
        return frame, frame.clear()
    cut = frame["opened_at"].max() - timedelta(days=holdout_days)
    return frame.filter(pl.col("opened_at") <= cut), frame.filter(pl.col("opened_at") > cut)


def cap_per_label(train: pl.DataFrame, n: int) -> pl.DataFrame:
    """The ``n`` latest tickets of each (category, subcategory): bounds the training cost."""
    return (train.sort("opened_at", descending=True)
            .group_by("category", "subcategory", maintain_order=True).head(n))


def training_examples(train: pl.DataFrame, params: TrainingParams) -> tuple[list[str], list[str], list[str]]:
    """(texts, categories, zero-shot categories) for the SetFit category model."""
    capped = cap_per_label(train, params.max_per_label)
    texts, labels = capped["text"].to_list(), capped["category"].to_list()
    counts = train["category"].value_counts()
    have = dict(zip(counts["category"].to_list(), counts["count"].to_list()))
    sparse = {c: d for c, d in params.descriptions.items() if have.get(c, 0) < params.min_examples}
    zs_texts, zs_labels = zero_shot_examples(sparse)
    return texts + zs_texts, labels + zs_labels, sorted(sparse)


def train_ticket_model(train: pl.DataFrame, params: TrainingParams) -> TicketModel:
    """SetFit on categories, then subcategory and assignment-group heads on its embeddings."""
    texts, labels, zero_shot = training_examples(train, params)
    setfit = train_setfit(texts, labels, model_path=params.model_path, seed=params.seed,
                          num_iterations=1, batch_size=params.batch_size, epochs=1,
                          max_steps=params.max_steps)
    model = TicketModel(setfit=setfit, meta={"zero_shot_categories": zero_shot,
                                             "n_train": train.height,
                                             "n_examples": len(texts)})
    capped = cap_per_label(train, params.max_per_label)
    emb = model.encode(capped["text"].to_list())
    for category in sorted(capped["category"].unique().to_list()):
        rows = [i for i, (c, s) in enumerate(zip(capped["category"], capped["subcategory"]))
                if c == category and s is not None]
        if rows:
            model.subcategory_heads[category] = fit_head(
                emb[rows], [capped["subcategory"][i] for i in rows], params.seed)
    groups = capped["assignment_group"].to_list() if "assignment_group" in capped.columns else []
    rows = [i for i, g in enumerate(groups) if g]
    if len({groups[i] for i in rows}) >= 2:
        model.group_head = fit_head(emb[rows], [groups[i] for i in rows], params.seed)
    return model


def hierarchical_label(category, subcategory) -> str:
    return f"{category}/{subcategory}"


def evaluate_on_holdout(model: TicketModel, train: pl.DataFrame, holdout: pl.DataFrame) -> dict:
    """The model's and the TF-IDF baseline's scores on the holdout (category and subcategory)."""
    texts = holdout["text"].to_list()
    found = model.predict(texts)
    truth_cat = holdout["category"].to_list()
    truth_sub = [hierarchical_label(c, s) for c, s in zip(truth_cat, holdout["subcategory"])]
    pred_sub = [hierarchical_label(c, s) for c, s in
                zip(found["predicted_category"], found["predicted_subcategory"])]
    base_cat = tfidf_baseline(train["text"].to_list(), train["category"].to_list())
    train_sub = [hierarchical_label(c, s) for c, s in zip(train["category"], train["subcategory"])]
    base_sub = tfidf_baseline(train["text"].to_list(), train_sub)
    cat_labels = sorted(set(truth_cat) | set(found["predicted_category"]))
    metrics = {
        "category": evaluate(truth_cat, found["predicted_category"], cat_labels),
        "subcategory": evaluate(truth_sub, pred_sub),
        "baseline_category": evaluate(truth_cat, base_cat.predict(texts).tolist(), cat_labels),
        "baseline_subcategory": evaluate(truth_sub, base_sub.predict(texts).tolist()),
    }
    if model.group_head is not None and "assignment_group" in holdout.columns:
        pairs = [(g, p) for g, p in zip(holdout["assignment_group"], found["predicted_assignment_group"]) if g]
        metrics["assignment_group_accuracy"] = (sum(g == p for g, p in pairs) / len(pairs)) if pairs else None
    return metrics

