"""Time the demo as a user runs it: `bash .ci/demo --no-ui` (UI, daemon, one backfill of every
asset), install excluded. Prints wall time per step (asset or dbt group) from the run's own
records, peak memory of the whole process tree, and a last line `RESULT {json}`.

    .venv/bin/python bench/demo.py [--days 90] [--home DIR] [--port 3219] [--timeout 3600]
                                   [--screenshot docs/demo_backfill.png]

The demo reads its embedded demo data (no --data folder: the sources generate each day).
`--screenshot` saves the asset graph, with headless Chromium, while the backfill runs.
A temporary APPOPS_HOME is used unless --home is given; a fresh one measures a first run.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

CHECKOUT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--window-size=1600,1000",
    "--virtual-time-budget=20000",
]


class PeakMemory(threading.Thread):
    """Samples the resident memory of a process and all its descendants every second."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.root, self.peak_total, self.peak_process, self.stop = pid, 0, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                procs = [psutil.Process(self.root), *psutil.Process(self.root).children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            rss = []
            for proc in procs:
                try:
                    rss.append(proc.memory_info().rss)
                except psutil.NoSuchProcess:
                    continue
            self.peak_total = max(self.peak_total, sum(rss))
            self.peak_process = max(self.peak_process, max(rss, default=0))
            time.sleep(1)


def screenshot(url: str, out: Path) -> bool:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("no chromium on PATH: no screenshot (apt-get install chromium)", flush=True)
        return False
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={out}", url],
            capture_output=True,
            timeout=180,
            check=False,
        )
    print(f"screenshot of {url}: {out} ({'ok' if done.returncode == 0 else done.returncode})", flush=True)
    return done.returncode == 0


def step_times(dagster_home: Path) -> tuple[list[dict], list[str]]:
    """Per step of every run of the instance: seconds and status, from the event log."""
    import dagster as dg

    rows, statuses = [], []
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        for run in instance.get_runs():
            statuses.append(f"{run.run_id[:8]} {run.status.value}")
            for stat in instance.get_run_step_stats(run.run_id):
                if stat.start_time and stat.end_time:
                    rows.append(
                        {
                            "step": stat.step_key,
                            "seconds": round(stat.end_time - stat.start_time, 1),
                            "status": stat.status.value if stat.status else "?",
                        }
                    )
    return sorted(rows, key=lambda r: -r["seconds"]), statuses


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--home", default=None, help="APPOPS_HOME (default: a fresh temporary one)")
    parser.add_argument("--port", type=int, default=3219)
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--screenshot", type=Path, default=None)
    parser.add_argument("--screenshot-after", type=float, default=120, help="seconds after the launch")
    args = parser.parse_args()
    home = Path(args.home or tempfile.mkdtemp(prefix="appops_demo_"))
    env = {
        **os.environ,
        "APPOPS_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        "DEMO_DAYS": str(args.days),
        "PORT": str(args.port),
        "REPORTS_PORT": str(args.port + 1),
        "PYTHONPATH": str(CHECKOUT),
    }
    started = time.perf_counter()
    demo = subprocess.Popen(
        ["bash", ".ci/demo", "--no-ui", "--no-setup"],
        cwd=CHECKOUT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    memory = PeakMemory(demo.pid)
    memory.start()
    launched_at, taken = None, {}
    deadline = started + args.timeout
    for line in demo.stdout:
        print(line, end="", flush=True)
        if "launched:" in line and launched_at is None:
            launched_at = time.perf_counter()
            if args.screenshot:

                def later():
                    time.sleep(args.screenshot_after)
                    if demo.poll() is None:
                        taken["ok"] = screenshot(
                            f"http://127.0.0.1:{args.port}/asset-groups", args.screenshot
                        )

                threading.Thread(target=later, daemon=True).start()
        if time.perf_counter() > deadline:
            print(f"timeout after {args.timeout:.0f} s: stopping the demo", flush=True)
            # the launcher cancels the backfill, the script's EXIT trap stops the UI and daemon
            os.killpg(demo.pid, signal.SIGTERM)
            break
    demo.wait()
    wall = time.perf_counter() - started
    memory.stop.set()
    steps, runs = step_times(home / "dagster")
    print(f"\n{'step':<40} {'seconds':>9}  status")
    for row in steps:
        print(f"{row['step']:<40} {row['seconds']:>9.1f}  {row['status']}")
    print(
        f"\ndays: {args.days}  wall: {wall:.0f} s (UI start to backfill end, install excluded)"
        f"  launch after: {(launched_at or started) - started:.0f} s"
        f"  peak RSS: {memory.peak_total / 2**20:.0f} MiB all processes, "
        f"{memory.peak_process / 2**20:.0f} MiB largest  runs: {', '.join(runs) or 'none'}"
        f"  exit: {demo.returncode}"
    )
    print(
        "RESULT "
        + json.dumps(
            {
                "days": args.days,
                "wall_s": round(wall, 1),
                "exit": demo.returncode,
                "launch_s": round((launched_at or started) - started, 1),
                "peak_rss_mib_total": round(memory.peak_total / 2**20),
                "peak_rss_mib_process": round(memory.peak_process / 2**20),
                "runs": runs,
                "steps": steps,
                "screenshot": str(args.screenshot) if taken.get("ok") else None,
            }
        )
    )
    sys.exit(0 if demo.returncode == 0 else 1)


if __name__ == "__main__":
    main()
