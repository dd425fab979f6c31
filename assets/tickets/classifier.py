"""``ticket_classifier``: the model asset. Daily-partitioned: each day keeps the registry's
champion unless the last training (the champion's, or a challenger's the gate turned down) is
``retrain_days`` old, the labels of the last week drifted from the labels of that training, or
a label it never saw appears; then candidates are trained on the labelled
history up to that day (never later labels), the best becomes ``challenger`` and the promotion
gate decides (see ``resources.model_gate``). Each day's row names the champion that serves and
the challenger that predicts in shadow; each decision is also a row of ``model_decisions``.

While fewer than ``min_labelled`` tickets are labelled no model is trained: a model trained on
one day of tickets would be promoted on noise. The first training thus waits for an adequate
history, and is then reused until one of the reasons above."""

from datetime import date

import dagster as dg
import polars as pl

from assets.lake import daily_lake_asset, lake_checks
from assets.tickets import registry as reg
from assets.tickets.history import as_of, read_history
from assets.tickets.training import TrainingParams, labelled, train_all
from resources.calendar import context_days, days_through
from resources.ml_schemas import TICKET_CLASSIFIER
from resources.model_gate import write_decisions
from resources.model_registry import CHALLENGER
from resources.nlp.embeddings import EmbeddingModel
from resources.storage import LakehouseStorage

SCHEMA = TICKET_CLASSIFIER.with_partition


class ClassifierConfig(dg.Config):
    history_days: int = 180
    retrain_days: int = 28
    label_drift_threshold: float = 0.2  # total variation distance between category shares
    min_labelled: int = 500  # an adequate history before the first model
    candidates: list[str] = ["tfidf", "tfidf_chars", "embeddings", "ensemble"]  # + "setfit", "spacy_vectors"
    val_share: float = 0.3  # newest share of the labelled rows: validation, in 3 time folds
    target_precision: float = 0.87
    class_targets: dict[str, float] = {}  # per-class precision targets (category model)
    setfit_steps: int = 40
    max_train_rows: int = 6_000  # newest labelled rows: bounds the training cost (< 5 min on 2 cores)
    gate_bootstrap: int = 300
    gate_level: float = 0.90
    gate_min_delta: float = 0.0
    prefer_cheap: bool = True  # keep a transformer candidate only when it beats the cheap ones clearly


def label_shares(frame: pl.DataFrame) -> dict[str, float]:
    counts = frame["category"].value_counts()
    total = max(int(counts["count"].sum()), 1)
    return {c: n / total for c, n in zip(counts["category"].to_list(), counts["count"].to_list())}


def retrain_reason(
    meta: dict | None, day: date, recent: dict[str, float], config: ClassifierConfig
) -> str | None:
    """Why the model in use must be replaced on ``day``, or None to keep it. ``meta``:
    ``trained_on`` (ISO day) and ``label_shares`` of the model in use."""
    if meta is None:
        return "no model yet"
    age = (day - date.fromisoformat(meta["trained_on"])).days
    if age >= config.retrain_days:
        return f"model is {age} days old"
    seen = meta["label_shares"]
    if unseen := sorted(set(recent) - set(seen)):
        return f"new label(s) {unseen}"
    tvd = 0.5 * sum(abs(recent.get(c, 0) - seen.get(c, 0)) for c in {*recent, *seen})
    if recent and tvd > config.label_drift_threshold:
        return f"label drift: total variation {tvd:.2f} > {config.label_drift_threshold}"
    return None


def params_of(config: ClassifierConfig, embedding: EmbeddingModel) -> TrainingParams:
    return TrainingParams.from_config(config, encoder_path=embedding.name_or_path)


@daily_lake_asset(
    TICKET_CLASSIFIER,
    group_name="tickets",
    deps=["raw_incidents"],
    kinds={"mlflow", "scikitlearn"},
    description="Ticket category/subcategory/group models in the MLflow registry; one row "
    "per day: champion serving, challenger in shadow, the gate's decision.",
)
def ticket_classifier(
    context: dg.AssetExecutionContext,
    config: ClassifierConfig,
    storage: LakehouseStorage,
    embedding_model: EmbeddingModel,
) -> pl.DataFrame:
    registry, days = reg.open_registry(storage), context_days(context)
    raw = read_history(storage, days, config.history_days)
    rows, decisions, events = [], [], []
    for day in days:
        current = reg.version_as_of(registry, reg.CATEGORY, day)
        last = reg.newest_trained_by(registry, reg.CATEGORY, day)
        meta = (
            {
                "trained_on": reg.trained_on(registry, reg.CATEGORY, last).isoformat(),
                "label_shares": reg.label_shares(registry, reg.CATEGORY, last),
            }
            if last
            else None
        )
        history = labelled(as_of(raw, day, config.history_days))
        recent = history.filter(pl.col("partition_date").is_in(days_through(day, 7)))
        reason = retrain_reason(meta, day, label_shares(recent) if recent.height else {}, config)
        note = reason or "kept"
        if reason and (history.height < config.min_labelled or history["category"].n_unique() < 2):
            note = (
                f"{reason}, but only {history.height} labelled ticket(s) (< {config.min_labelled}): "
                f"{'current model kept' if current else 'no model yet'}"
            )
            reason = None
        decision = None
        if reason:
            trained = train_all(registry, history, day, params_of(config, embedding_model), context.log)
            for name, found in trained.items():
                if found:
                    decisions.append(
                        {k: v for k, v in found[1].items() if k not in ("validation", "candidates")}
                    )
                    events.append(
                        {
                            "model": name,
                            "version": found[0],
                            **{k: found[1][k] for k in ("action", "reason", "validation", "candidates")},
                        }
                    )
            decision = (trained.get(reg.CATEGORY) or (None, {}))[1].get("action")
            current = reg.version_as_of(registry, reg.CATEGORY, day)
        versions = {n: reg.version_as_of(registry, n, day) for n in (reg.SUBCATEGORY, reg.GROUP)}
        challenger = reg.version_as_of(registry, reg.CATEGORY, day, CHALLENGER)
        validation = registry.load(reg.CATEGORY, current).meta.get("validation", {}) if current else {}
        chosen = registry.load(reg.CATEGORY, current).meta.get("chosen") if current else None
        rows.append(
            {
                "model_version": current,
                "subcategory_version": versions[reg.SUBCATEGORY],
                "group_version": versions[reg.GROUP],
                "challenger_version": challenger,
                "retrained": bool(reason),
                "decision": decision,
                "reason": note,
                "category_macro_f1": (validation.get(chosen) or {}).get("macro_f1"),
                "baseline_category_macro_f1": (validation.get("tfidf") or {}).get("macro_f1"),
                "n_train": registry.load(reg.CATEGORY, current).meta.get("n_train") if current else None,
                "partition_date": day,
            }
        )
    write_decisions(storage, "ticket_classifier", decisions, replace_days=days)
    context.add_output_metadata(
        {
            "retrained_days": sum(r["retrained"] for r in rows),
            "decisions": dg.MetadataValue.json(events),
            "champion": rows[-1]["model_version"] if rows else None,
            "challenger": rows[-1]["challenger_version"] if rows else None,
            "mlflow_tracking_uri": registry.tracking_uri,
        }
    )
    return pl.DataFrame(rows, schema=SCHEMA)


ticket_classifier_checks = [
    *lake_checks(TICKET_CLASSIFIER),
]
