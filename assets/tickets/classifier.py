"""``ticket_classifier``: the model asset. Daily-partitioned: each day reuses the latest model
unless it is ``retrain_days`` old, the labels of the last week drifted from its training
labels, or a label it never saw appears; then it retrains on the labelled history up to
that day. A backfill thus retrains at the right points in time, never with later labels, and
each day's row says which model version scored it."""

import base64
from datetime import date

import dagster as dg
import polars as pl

from assets.checks.contracts import build_contract_check
from assets.checks.drift import build_drift_check
from assets.partitions import context_days, daily_partitions, single_run
from assets.tickets import registry
from assets.tickets.history import as_of, days_before, read_history
from assets.tickets.taxonomy import CATEGORY_DESCRIPTIONS
from assets.tickets.training import (TrainingParams, evaluate_on_holdout, labelled, time_split,
                                     train_ticket_model)
from resources.ml_schemas import TICKET_CLASSIFIER
from resources.nlp.embeddings import EmbeddingModel
from resources.nlp.fewshot import confusion_matrix_png
from resources.storage import LakehouseStorage

SCHEMA = TICKET_CLASSIFIER.with_partition


class ClassifierConfig(dg.Config):
    history_days: int = 180
    retrain_days: int = 7
    label_drift_threshold: float = 0.2  # total variation distance between category shares
    min_labelled: int = 50
    min_examples: int = 8  # below this, a category is learnt zero-shot from its description
    max_per_label: int = 50
    max_steps: int = 30  # x batch_size pairs: bounds the CPU cost of a retrain
    batch_size: int = 16
    holdout_days: int = 7
    refit_on_all: bool = False  # True: after evaluation, retrain on the holdout too (2x cost)
    seed: int = 42
    label_descriptions: dict[str, str] = CATEGORY_DESCRIPTIONS


def label_shares(frame: pl.DataFrame) -> dict[str, float]:
    counts = frame["category"].value_counts()
    total = max(int(counts["count"].sum()), 1)
    return {c: n / total for c, n in zip(counts["category"].to_list(), counts["count"].to_list())}


def retrain_reason(meta: dict | None, day: date, recent: dict[str, float],
                   config: ClassifierConfig) -> str | None:
    """Why the model in use must be replaced on ``day``, or None to keep it."""
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


def evaluation_split(history: pl.DataFrame, config: ClassifierConfig) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(train, holdout); a history too young to spare a holdout is all train, unevaluated."""
    train, holdout = time_split(history, config.holdout_days)
    if train.height < config.min_labelled or train["category"].n_unique() < 2:
        return history, history.clear()
    return train, holdout


def _train(day: date, history: pl.DataFrame, config: ClassifierConfig, model_path: str,
           version: str, log) -> tuple[registry.TicketModel, dict[str, bytes]]:
    params = TrainingParams(model_path=model_path, seed=config.seed, min_examples=config.min_examples,
                            max_per_label=config.max_per_label, max_steps=config.max_steps,
                            batch_size=config.batch_size, holdout_days=config.holdout_days,
                            descriptions=dict(config.label_descriptions))
    train, holdout = evaluation_split(history, config)
    model = train_ticket_model(train, params)
    metrics, images = {}, {}
    if holdout.height:
        metrics = evaluate_on_holdout(model, train, holdout)
        for level in ("category", "subcategory"):
            found = metrics[level]
            images[f"confusion_{level}"] = confusion_matrix_png(
                found["confusion_matrix"], found["labels"], f"{level}, holdout ({version})")
    if config.refit_on_all and holdout.height:
        model = train_ticket_model(history, params)
    log.info(f"ticket_classifier {version}: trained on {model.meta['n_train']} labelled tickets, "
             f"zero-shot {model.meta['zero_shot_categories']}")
    model.meta.update(version=version, trained_on=day.isoformat(), label_shares=label_shares(history),
                      metrics=metrics, n_holdout=holdout.height, n_train_eval=train.height)
    return model, images


def _metadata(meta: dict, storage: LakehouseStorage) -> dict:
    metrics = meta.get("metrics") or {}
    out = {"model_version": meta["version"], "trained_on": meta["trained_on"],
           "zero_shot_categories": dg.MetadataValue.json(meta["zero_shot_categories"]),
           "path": dg.MetadataValue.path(str(registry.folder(storage, meta["version"])))}
    for key in ("category", "subcategory", "baseline_category", "baseline_subcategory"):
        if key in metrics:
            out[f"{key}_macro_f1"] = round(metrics[key]["macro_f1"], 4)
    if metrics:
        out["metrics"] = dg.MetadataValue.json(metrics)
        png = registry.folder(storage, meta["version"]) / "confusion_category.png"
        if png.exists():
            encoded = base64.b64encode(png.read_bytes()).decode()
            out["confusion_matrix"] = dg.MetadataValue.md(
                f"![category confusion matrix](data:image/png;base64,{encoded})")
    return out


@dg.asset(group_name="tickets", partitions_def=daily_partitions, backfill_policy=single_run,
          io_manager_key="lake_io_manager", deps=["raw_incidents"], kinds={"setfit", "polars"},
          description="Hierarchical SetFit ticket classifier; one row per day: the version in use.")
def ticket_classifier(context: dg.AssetExecutionContext, config: ClassifierConfig,
                      storage: LakehouseStorage, embedding_model: EmbeddingModel) -> pl.DataFrame:
    metas, rows, trained = registry.list_versions(storage), [], None
    settings, days = config.model_dump(), context_days(context)
    raw = read_history(storage, days, config.history_days)
    for day in days:
        current = registry.latest_before(metas, day)
        history = labelled(as_of(raw, day, config.history_days))
        recent = history.filter(pl.col("partition_date").is_in(days_before(day, 7)))
        reason = retrain_reason(current, day, label_shares(recent) if recent.height else {}, config)
        note = reason or "kept"
        if reason and (history.height < config.min_labelled or history["category"].n_unique() < 2):
            note = (f"{reason}, but only {history.height} labelled ticket(s): "
                    f"{'current model kept' if current else 'no model'}")
            context.log.warning(f"{day}: {note}")
            reason = None
        if reason:
            version = registry.model_version(day, embedding_model.model_id, settings)
            model, images = _train(day, history, config, embedding_model.name_or_path, version,
                                   context.log)
            registry.save(storage, model, images)
            current = trained = model.meta
            metas = [m for m in metas if m["version"] != version] + [current]
        metrics = (current or {}).get("metrics") or {}
        rows.append({"model_version": current["version"] if current else None,
                     "retrained": bool(reason), "reason": note,
                     "category_macro_f1": metrics.get("category", {}).get("macro_f1"),
                     "baseline_category_macro_f1": metrics.get("baseline_category", {}).get("macro_f1"),
                     "n_train": current.get("n_train") if current else None, "partition_date": day})
    shown = trained or current
    if shown:
        context.add_output_metadata(_metadata(shown, storage))
    context.add_output_metadata({"retrained_days": sum(r["retrained"] for r in rows)})
    return pl.DataFrame(rows, schema=SCHEMA)


ticket_classifier_checks = [
    build_contract_check(TICKET_CLASSIFIER, daily_partitions),
    build_drift_check("ticket_classifier", daily_partitions,
                      numeric=["category_macro_f1", "baseline_category_macro_f1"]),
]
