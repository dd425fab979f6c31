"""Anomaly detection benchmark: the ``metric_anomalies`` detector on NAB, scored the NAB way.

    .venv/bin/python bench/anomaly.py [--data DIR] [--dev realAWSCloudwatch]

Reads every CSV under ``DIR/metrics/nab/`` (columns timestamp,value; any folder depth) and the
labelled windows of ``DIR/metrics/nab/anomaly_windows.json`` (key: the path under nab/); a file
without windows is scored for false positives only. Each file is scored causally by
``resources.forecasting.anomaly`` with windows sized by its sampling step. Scores: NAB standard
profile (resources/forecasting/nab_scoring.py), normalised so that NAB's null detector (no
detection) scores 0 and the perfect one 100:
- ``nab_optimised``: one threshold for all files, the best one (how NAB's scoreboard scores);
- ``product_threshold``: the threshold the asset ships with (ForecastSettings), fixed in advance;
- ``check_at_dev_threshold``: the threshold best on the development folders (``--dev``), applied
  to the other folders (what the detector does on series nobody tuned it on).
NAB's published figures (standard profile, NAB v1.0 scoreboard, full 58-file corpus, so not the
same files) are printed beside them for reference. Last line: RESULT {json}.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import polars as pl
from bench_data import DATA_ENV, default_data

from resources.forecasting import nab_scoring
from resources.forecasting.anomaly import anomaly_scores, window_sizes
from resources.forecasting.settings import ForecastSettings

# NAB README scoreboard, standard profile (numenta/NAB ea702d7, "As of NAB v1.0")
PUBLISHED = {
    "Perfect": 100.0,
    "ARTime": 74.9,
    "Numenta HTM": "70.5-69.7",
    "CAD OSE": 69.9,
    "earthgecko Skyline": 58.2,
    "KNN CAD": 58.0,
    "Relative Entropy": 54.6,
    "Random Cut Forest": 51.7,
    "Twitter ADVec v1.0.0": 47.1,
    "Windowed Gaussian": 39.6,
    "Etsy Skyline": 35.7,
    "Bayesian Changepoint": 17.7,
    "EXPoSE": 16.4,
    "Random": 11.0,
    "Null": 0.0,
}


def load(data: Path) -> list[tuple[str, str, np.ndarray, np.ndarray]]:
    """(key under nab/, group folder, timestamps, values) of every NAB CSV."""
    root = data / "metrics" / "nab"
    out = []
    for path in sorted(root.rglob("*.csv")):
        frame = pl.read_csv(path, try_parse_dates=True)
        missing = {"timestamp", "value"} - set(frame.columns)
        if missing:
            raise SystemExit(f"{path}: expected columns timestamp,value; missing {sorted(missing)}")
        frame = frame.sort("timestamp")
        out.append(
            (
                path.relative_to(root).as_posix(),
                path.parent.name,
                frame["timestamp"].cast(pl.Datetime("us")).to_numpy(),
                frame["value"].cast(pl.Float64).to_numpy(),
            )
        )
    if not out:
        raise SystemExit(f"{root}: no CSV (set --data or ${DATA_ENV})")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument(
        "--dev", default="realAWSCloudwatch", help="comma-separated folders of the development split"
    )
    args = parser.parse_args()
    print("command: .venv/bin/python bench/anomaly.py " + " ".join(sys.argv[1:]))
    windows_file = args.data / "metrics" / "nab" / "anomaly_windows.json"
    labels = json.loads(windows_file.read_text()) if windows_file.exists() else {}
    started = time.perf_counter()
    files, rows = {}, []
    for key, group, times, values in load(args.data):
        step_min = float(np.median(np.diff(times).astype("timedelta64[s]").astype(float))) / 60
        sizes = window_sizes(24 * 60 / step_min)
        scores = anomaly_scores(values, **sizes)
        files[key] = (group, nab_scoring.sweep(times, scores, labels.get(key, [])))
    elapsed = time.perf_counter() - started
    dev = set(args.dev.split(","))
    all_files = [f for _, f in files.values()]
    dev_files = [f for g, f in files.values() if g in dev]
    check_files = [f for g, f in files.values() if g not in dev]
    threshold, optimised = nab_scoring.best_threshold(all_files)
    product = ForecastSettings().anomaly_threshold
    result = {
        "files": len(files),
        "windows": sum(f.windows for f in all_files),
        "nab_optimised": round(optimised, 1),
        "optimised_threshold": threshold,
        "product_threshold": product,
        "score_at_product_threshold": round(nab_scoring.normalised(all_files, product), 1),
        "seconds": round(elapsed, 1),
    }
    if dev_files and check_files:
        dev_t, dev_score = nab_scoring.best_threshold(dev_files)
        result.update(
            dev_optimised=round(dev_score, 1),
            dev_threshold=dev_t,
            check_at_dev_threshold=round(nab_scoring.normalised(check_files, dev_t), 1),
            check_at_product_threshold=round(nab_scoring.normalised(check_files, product), 1),
        )
    for key, (_group, f) in files.items():
        _, counts = nab_scoring.raw_score(f, product)
        rows.append(
            {
                "file": key,
                "windows": counts["windows"],
                "detected": counts["detected"],
                "false_positives": counts["false_positives"],
                "nab_score_alone": round(nab_scoring.normalised([f], product), 1),
            }
        )
    print(f"\nper file at the product threshold {product}:")
    print(pl.DataFrame(rows).to_pandas().to_markdown(index=False))
    print("\nNAB standard profile (normalised: null 0, perfect 100)")
    print(f"  this detector, one optimised threshold ({threshold}): {optimised:.1f}")
    print(
        f"  this detector, product threshold {product} fixed in advance: "
        f"{result['score_at_product_threshold']:.1f}"
    )
    if "dev_threshold" in result:
        print(
            f"  development folders {sorted(dev)}: {result['dev_optimised']:.1f} at "
            f"{result['dev_threshold']}; the other folders at that threshold: "
            f"{result['check_at_dev_threshold']:.1f}"
        )
    print("  NAB's null detector on these files: 0.0 (by construction of the normalisation)")
    print(
        "  published (NAB v1.0 scoreboard, full corpus): "
        + ", ".join(f"{k} {v}" for k, v in PUBLISHED.items())
    )
    print(f"  scoring time {elapsed:.1f} s for {len(files)} files")
    result["published_reference"] = PUBLISHED
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
