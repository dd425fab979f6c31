"""Text-model benchmark on any split: every candidate of ``resources.text_models`` trained on
TRAIN through the same selection code the assets use, scored on TEST.

    .venv/bin/python bench/text_models.py [--train DIR] [--test DIR] [--tasks ...]
        [--candidates tfidf tfidf_chars embeddings spacy_vectors setfit ensemble]
        [--target 0.87] [--setfit-steps 40] [--threads 2]

Each DIR is laid out like ``../shared/data`` (``tickets/endava_tickets.csv``,
``tickets/assignment_group_tickets.csv``, ``verbatims/trustpilot_fr_finance_reviews.csv``).
``--train`` defaults to ``$APPOPS_BENCH_DATA`` or ``../shared/data`` next to the checkout;
without ``--test``, TRAIN's rows are split in two by a hash of their text (a split of your own,
never tuned to). Prints one table per task (chosen model, every candidate, the TF-IDF baseline:
macro-F1, weighted precision, accuracy, top-3 accuracy, and for the chosen model precision and
coverage at the per-class targets), then ``RESULT {json}``.
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_data import default_data

from resources.model_registry import save_model
from resources.text_models import candidates as cand
from resources.text_models.datasets import LANGUAGE, TASKS, hash_split, load
from resources.text_models.evaluation import score
from resources.text_models.selection import DEFAULT_CANDIDATES, FRENCH_CANDIDATES, select


def row(name: str, s: dict) -> str:
    def f(key):
        value = s.get(key)
        return "-" if value is None else f"{value:.3f}"

    return (
        f"| {name} | {f('macro_f1')} | {f('weighted_precision')} | {f('accuracy')} | "
        f"{f('top3_accuracy')} | {f('answered_weighted_precision')} | {f('coverage')} |"
    )


def run_task(
    task: str, train_dir: Path, test_dir: Path | None, names, target: float, setfit_steps: int
) -> dict:
    train = load(train_dir, task)
    test = load(test_dir, task) if test_dir else None
    if test is None:
        train, test = hash_split(train)
    if names is None:
        names = FRENCH_CANDIDATES if LANGUAGE[task] == "fr" else DEFAULT_CANDIDATES
    started = time.perf_counter()
    chosen = select(
        train["text"].to_list(),
        train["label"].to_list(),
        names=names,
        target=target,
        setfit_steps=setfit_steps,
        log=lambda m: print(f"  {task}: {m}", flush=True),
    )
    seconds = time.perf_counter() - started
    print(f"  {task}: selection + refit {seconds:.0f} s, kept {chosen.chosen}", flush=True)
    texts, truth = test["text"].to_list(), test["label"].to_list()
    results = {
        "chosen": chosen.chosen,
        "train_seconds": round(seconds, 1),
        "n_train": train.height,
        "n_test": test.height,
        "classes": train["label"].n_unique(),
    }
    results["model"] = score(
        truth, chosen.model.predict_proba(texts), chosen.model.classes_, chosen.thresholds
    )
    with tempfile.TemporaryDirectory() as scratch:
        save_model(chosen.model, Path(scratch))
        results["artifact_mb"] = round(
            sum(p.stat().st_size for p in Path(scratch).rglob("*") if p.is_file()) / 1e6, 2
        )
    # every candidate on TEST, trained on all TRAIN rows as the chosen one was
    options = {"setfit_steps": setfit_steps}
    results["candidates"] = {}
    order = sorted(chosen.validation, key=lambda n: n != "tfidf")  # the baseline first
    for name in order:
        val = chosen.validation[name]
        if "error" in val:
            continue
        if name == chosen.chosen:
            results["candidates"][name] = {k: v for k, v in results["model"].items() if k != "per_class"}
            print(f"  {task}: chosen {name} on TEST macro-F1 {results['model']['macro_f1']}", flush=True)
            continue
        model = (
            cand.Averaged(
                [
                    cand.build(n, **options)
                    for n in chosen.validation
                    if n not in ("tfidf", "ensemble") and "error" not in chosen.validation[n]
                ]
            )
            if name == "ensemble"
            else cand.build(name, **options)
        )
        model.fit(train["text"].to_list(), train["label"].to_list())
        results["candidates"][name] = score(truth, model.predict_proba(texts), model.classes_)
        print(f"  {task}: {name} on TEST macro-F1 {results['candidates'][name]['macro_f1']}", flush=True)
    results["validation_macro_f1"] = {n: v.get("macro_f1") for n, v in chosen.validation.items()}
    print(
        f"\n## {task}: {results['classes']} classes, train {train.height}, test {test.height}, "
        f"chosen on validation: {chosen.chosen} (selection + refit {seconds:.0f} s, "
        f"artefact {results['artifact_mb']} MB)"
    )
    print(
        "| model | macro-F1 | weighted precision | accuracy | top-3 acc | answered weighted precision | coverage |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print(row(f"**chosen: {chosen.chosen}** (per-class targets {target})", results["model"]))
    for name, s in results["candidates"].items():
        print(row(name + (" (baseline)" if name == "tfidf" else ""), s))
    print(
        "\n| class | threshold | precision at target | coverage | support |\n| --- | --- | --- | --- | --- |"
    )
    for label, c in results["model"].get("per_class", {}).items():
        print(f"| {label} | {c['threshold']} | {c['precision']} | {c['coverage']} | {c['support']} |")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", type=Path, default=default_data())
    parser.add_argument("--test", type=Path, default=None)
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=TASKS)
    parser.add_argument("--candidates", nargs="+", default=None, choices=cand.NAMES)
    parser.add_argument("--target", type=float, default=0.87)
    parser.add_argument("--setfit-steps", type=int, default=40)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    out = {
        task: run_task(task, args.train, args.test, args.candidates, args.target, args.setfit_steps)
        for task in args.tasks
    }
    summary = {
        t: {
            "chosen": r["chosen"],
            "train_seconds": r["train_seconds"],
            "artifact_mb": r["artifact_mb"],
            **{
                k: r["model"].get(k)
                for k in (
                    "macro_f1",
                    "weighted_precision",
                    "accuracy",
                    "top3_accuracy",
                    "answered_weighted_precision",
                    "coverage",
                )
            },
            "tfidf_macro_f1": r["candidates"].get("tfidf", {}).get("macro_f1"),
            "candidates_macro_f1": {n: c.get("macro_f1") for n, c in r["candidates"].items()},
        }
        for t, r in out.items()
    }
    print("RESULT " + json.dumps(summary, sort_keys=True))


if __name__ == "__main__":
    main()
