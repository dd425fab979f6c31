"""Time the demo as a user runs it: `bash .ci/demo --no-ui` (UI, daemon, the lake backfill, then
the warehouse run), install excluded. Prints wall time per step (asset or dbt group) from the
run's own records, peak memory and CPU-seconds of the whole process tree, the load average while
it ran, the size of models/ and mlflow/ left behind, and a last line `RESULT {json}`.

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
    """Samples, every second, the process tree of the demo: resident memory (peak of the sum and
    of the largest process), CPU-seconds (user + system of each process, its last sample; a
    process that ends between two samples loses under a second) and the machine's 1-minute load
    average, so that a figure taken on a shared machine says how shared it was."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.root, self.peak_total, self.peak_process, self.stop = pid, 0, 0, threading.Event()
        self.cpu: dict[tuple[int, float], float] = {}  # (pid, create time) -> CPU-seconds
        self.log_key: dict[tuple[int, float], str] = {}  # a step's process -> its compute log key
        self.loads: list[float] = []

    @property
    def cpu_seconds(self) -> float:
        return sum(self.cpu.values())

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                procs = [psutil.Process(self.root), *psutil.Process(self.root).children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            rss = []
            for proc in procs:
                try:
                    with proc.oneshot():
                        rss.append(proc.memory_info().rss)
                        times = proc.cpu_times()
                        self.cpu[(proc.pid, proc.create_time())] = times.user + times.system
                        command = proc.cmdline()
                    # a step process tails its compute log: `tail -F .../compute_logs/<key>.out`
                    if command[:1] == ["tail"] and "/compute_logs/" in command[-1]:
                        parent = proc.parent()
                        key = Path(command[-1]).stem
                        self.log_key[(parent.pid, parent.create_time())] = key
                except (psutil.NoSuchProcess, AttributeError):
                    continue
            self.peak_total = max(self.peak_total, sum(rss))
            self.peak_process = max(self.peak_process, max(rss, default=0))
            self.loads.append(os.getloadavg()[0])
            time.sleep(1)


def folder_mib(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20 if path.exists() else 0.0


def artefact_sizes(home: Path) -> dict[str, float]:
    """MiB under models/ (each subfolder) and mlflow/ after the run: what the demo leaves."""
    sizes = {}
    models = home / "models"
    for sub in sorted(models.iterdir()) if models.exists() else []:
        sizes[f"models/{sub.name}"] = round(folder_mib(sub), 1)
    sizes["models"] = round(folder_mib(models), 1)
    sizes["mlflow"] = round(folder_mib(home / "mlflow"), 1)
    return sizes


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


def step_times(dagster_home: Path, cpu_of_log: dict[str, float]) -> tuple[list[dict], list[str]]:
    """Per step of every run of the instance: seconds and status from the event log, and the
    CPU-seconds of the step's process (``cpu_of_log``: per compute log key; each step runs in
    its own process under the multiprocess executor)."""
    import dagster as dg

    rows, statuses = [], []
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        for run in instance.get_runs():
            statuses.append(f"{run.run_id[:8]} {run.status.value}")
            step_cpu = {}
            for record in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.LOGS_CAPTURED):
                data = record.dagster_event.event_specific_data
                for key in data.step_keys if data.file_key in cpu_of_log else ():
                    step_cpu[key] = cpu_of_log[data.file_key] / len(data.step_keys)
            for stat in instance.get_run_step_stats(run.run_id):
                if stat.start_time and stat.end_time:
                    rows.append(
                        {
                            "step": stat.step_key,
                            "seconds": round(stat.end_time - stat.start_time, 1),
                            "cpu_s": round(step_cpu[stat.step_key], 1) if stat.step_key in step_cpu else None,
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
            # the launcher cancels what runs, the script's EXIT trap stops the UI and daemon
            os.killpg(demo.pid, signal.SIGTERM)
            break
    demo.wait()
    wall = time.perf_counter() - started
    memory.stop.set()
    memory.join(timeout=5)
    cpu_of_log: dict[str, float] = {}
    for proc, key in memory.log_key.items():
        cpu_of_log[key] = cpu_of_log.get(key, 0.0) + memory.cpu.get(proc, 0.0)
    steps, runs = step_times(home / "dagster", cpu_of_log)
    sizes = artefact_sizes(home)
    cpu = memory.cpu_seconds
    loads = memory.loads or [0.0]
    print(f"\n{'step':<40} {'wall s':>9} {'CPU s':>9}  status")
    for row in steps:
        cpu_s = "?" if row["cpu_s"] is None else f"{row['cpu_s']:.1f}"
        print(f"{row['step']:<40} {row['seconds']:>9.1f} {cpu_s:>9}  {row['status']}")
    print("\nartefacts (MiB): " + ", ".join(f"{k} {v}" for k, v in sizes.items()))
    print(
        f"\ndays: {args.days}  wall: {wall:.0f} s (UI start to the end of the last run, install excluded)"
        f"  launch after: {(launched_at or started) - started:.0f} s"
        f"  peak RSS: {memory.peak_total / 2**20:.0f} MiB all processes, "
        f"{memory.peak_process / 2**20:.0f} MiB largest  runs: {', '.join(runs) or 'none'}"
        f"  exit: {demo.returncode}"
    )
    # On a quiet 2-core machine the same CPU work takes at least cpu/2 (both cores busy all the
    # time) and at most cpu (one core at a time): an estimate from a shared machine, not a
    # measurement; CPU-seconds themselves grow somewhat under contention.
    print(
        f"CPU-seconds of the process tree: {cpu:.0f}  load average (1 min) during the run: "
        f"mean {sum(loads) / len(loads):.1f}, max {max(loads):.1f} on {os.cpu_count()} CPUs  "
        f"quiet 2-core wall estimate: {cpu / 2:.0f} to {cpu:.0f} s"
    )
    print(
        "RESULT "
        + json.dumps(
            {
                "days": args.days,
                "wall_s": round(wall, 1),
                "exit": demo.returncode,
                "launch_s": round((launched_at or started) - started, 1),
                "cpu_s": round(cpu, 1),
                "load_avg_mean": round(sum(loads) / len(loads), 2),
                "load_avg_max": round(max(loads), 2),
                "cpus": os.cpu_count(),
                "quiet_2core_estimate_s": [round(cpu / 2), round(cpu)],
                "peak_rss_mib_total": round(memory.peak_total / 2**20),
                "peak_rss_mib_process": round(memory.peak_process / 2**20),
                "artefacts_mib": sizes,
                "runs": runs,
                "steps": steps,
                "screenshot": str(args.screenshot) if taken.get("ok") else None,
            }
        )
    )
    sys.exit(0 if demo.returncode == 0 else 1)


if __name__ == "__main__":
    main()
