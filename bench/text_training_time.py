"""Training time per ticket task at the demo profile: ``select`` (every candidate of the
``ticket_classifier`` defaults over the stratified folds, then the refit) on the labelled
tickets of ``--days`` demo days, as the asset builds its rows (latest update per ticket,
cleaned text, one-off labels dropped).

    nice -n 10 .venv/bin/python bench/text_training_time.py [--days 90] [--tasks category ...]

Prints one line per task and ``RESULT {json}`` (seconds, rows, classes, kept candidate).
"""

import argparse
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import polars as pl

from assets.tickets.classifier import ClassifierConfig
from assets.tickets.history import latest_per_number, with_text
from assets.tickets.registry import CATEGORY, GROUP, SUBCATEGORY
from assets.tickets.training import labelled, target_rows
from resources.demo.tickets import generate
from resources.text_models.selection import select


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--last", type=date.fromisoformat, default=date(2025, 11, 30))
    parser.add_argument("--tasks", nargs="+", default=[CATEGORY, SUBCATEGORY, GROUP])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    frames = [generate(args.last - timedelta(days=k)) for k in range(args.days - 1, -1, -1)]
    history = labelled(with_text(latest_per_number(pl.concat(frames))))
    config, out = ClassifierConfig(), {}
    for task in args.tasks:
        rows = target_rows(history, task, 2).tail(config.max_train_rows)
        started = time.perf_counter()
        chosen = select(
            rows["text"].to_list(), rows["label"].to_list(), names=config.candidates, log=lambda m: None
        )
        seconds = time.perf_counter() - started
        out[task] = {
            "seconds": round(seconds, 1),
            "rows": rows.height,
            "classes": rows["label"].n_unique(),
            "kept": chosen.chosen,
        }
        print(
            f"{task}: {rows.height} rows, {out[task]['classes']} classes, {seconds:.0f} s, kept {chosen.chosen}"
        )
    print("RESULT " + json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
