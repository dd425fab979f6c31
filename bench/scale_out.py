"""The demo graph for N days (default 7) twice, then every table compared:

- embedded: ``dagster asset materialize`` on a local root, SQLite instance (what .ci/demo does);
- scaled out: ``.ci/prod`` (PostgreSQL, gRPC code server, daemon, webserver as separate
  processes) with ``APPOPS_HOME=s3://…`` on moto's S3 server, the same selection and range
  launched as one run through the webserver's GraphQL API.

    .venv/bin/python bench/scale_out.py [--days 7] [--end 2025-06-30] [--keep DIR]
    # or the two sides apart (e.g. at the same time), then the comparison:
    .venv/bin/python bench/scale_out.py --only embedded --keep A
    .venv/bin/python bench/scale_out.py --only scaled --keep B    # copies the bucket to B/s3_copy
    .venv/bin/python bench/scale_out.py --compare A/embedded/appops_home B/s3_copy

Prints wall time and peak memory (sum of the resident memory of every process of the side:
CLI and step processes, or code server, daemon, webserver, run and step processes, PostgreSQL
and moto, sampled each second), then the comparison: every lake file (asset × day) and every
serving table, rows sorted, floats to 1e-9; columns that name the root or the run are
listed apart. ``--data`` is accepted for symmetry with the other benches but unused.

Also printed: each side's slowest steps (start to end, from the run's step stats), to see where
the time goes. ``--timeout`` (seconds, per side) ends a side that runs too long: its process
group is stopped (PostgreSQL and moto included) and the bench exits non-zero with the steps so
far. Every table is compared: each lake file, every table of ``warehouse.duckdb`` (all schemas)
and of ``serving.duckdb``; a table present on one side only is reported, never skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import contextlib

import httpx
import psutil
from compare_serving import compare_roots
from upath import UPath

from deploy.services import MotoS3, free_port, start_prod

ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "GX_ANALYTICS_ENABLED": "False",
    "APPOPS_SOURCES": "demo",
    "PYTHONPATH": str(REPO),
}
INSTANCE = "concurrency:\n  pools:\n    default_limit: 1\n    granularity: op\ntelemetry:\n  enabled: false\n"


class PeakMemory:
    """Samples the summed RSS of some process trees every second."""

    def __init__(self, roots):
        self.roots, self.peak, self._stop = roots, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(1.0):
            total = 0
            for root in self.roots():
                try:
                    procs = [root, *root.children(recursive=True)]
                except psutil.Error:
                    continue
                for proc in procs:
                    with contextlib.suppress(psutil.Error):
                        total += proc.memory_info().rss
            self.peak = max(self.peak, total)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _stop_group(proc: subprocess.Popen, grace: float = 120) -> None:
    """SIGTERM the process group of ``proc`` (its own session), SIGKILL what is left after ``grace``."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # run workers the leader left behind
    proc.wait()


def _sqlite_steps(home: Path) -> list[tuple[str, str, float | None]]:
    """(step, status, seconds) of the newest run of a local instance (the embedded side)."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs(limit=1)
        if not runs:
            return []
        stats = instance.get_run_step_stats(runs[0].run_id)
    return [
        (
            s.step_key,
            s.status.value if s.status else "?",
            (s.end_time - s.start_time) if s.start_time and s.end_time else None,
        )
        for s in stats
    ]


def embedded(root: Path, home: Path, first: date, last: date, timeout: float) -> tuple[float, int, list]:
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text(INSTANCE)
    env = {**os.environ, **ENV, "APPOPS_HOME": str(root), "DAGSTER_HOME": str(home)}
    log = (home.parent / "embedded.log").open("w")
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            str(REPO / ".venv" / "bin" / "dagster"),
            "asset",
            "materialize",
            "-f",
            "definitions.py",
            "--select",
            "*",
            "--partition-range",
            f"{first}...{last}",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    ps = psutil.Process(proc.pid)
    try:
        with PeakMemory(lambda: [ps]) as memory:
            proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop_group(proc)
        _print_steps("embedded (stopped)", _sqlite_steps(home))
        raise SystemExit(f"embedded run stopped after {timeout:.0f} s, see {log.name}") from None
    finally:
        _stop_group(proc, grace=5)
        log.close()
    wall = time.perf_counter() - started
    steps = _sqlite_steps(home)
    if proc.returncode:
        _print_steps("embedded (failed)", steps)
        tail = Path(log.name).read_text()[-4000:]
        raise SystemExit(f"embedded run failed:\n{tail}")
    return wall, memory.peak, steps


def _print_steps(side: str, steps: list, top: int = 25) -> None:
    """The slowest steps of a side, and the total of all step times (steps overlap: 2 at a time)."""
    timed = sorted((s for s in steps if s[2] is not None), key=lambda s: -s[2])
    total = sum(s[2] for s in timed)
    print(f"\n{side}: {len(steps)} steps, step time summed {total:7.1f} s; slowest:")
    for key, status, seconds in timed[:top]:
        print(f"  {key:<48} {status:<8} {seconds:7.1f} s")
    for key, status, _ in steps:
        if status not in ("SUCCESS", "SKIPPED"):
            print(f"  {key:<48} {status}")


def _gql(port: int, query: str, **variables) -> dict:
    body = httpx.post(
        f"http://127.0.0.1:{port}/graphql", timeout=120, json={"query": query, "variables": variables}
    ).json()
    if "errors" in body:
        raise RuntimeError(body["errors"])
    return body["data"]


def _loaded(port: int) -> bool:
    try:
        entries = _gql(
            port,
            "{ workspaceOrError { ... on Workspace { locationEntries { "
            "locationOrLoadError { __typename } } } } }",
        )
    except (httpx.HTTPError, RuntimeError):
        return False
    return any(
        e["locationOrLoadError"]["__typename"] == "RepositoryLocation"
        for e in entries["workspaceOrError"]["locationEntries"]
    )


def _graphql_steps(port: int, run_id: str) -> list[tuple[str, str, float | None]]:
    data = _gql(
        port,
        "query($id: ID!) { runOrError(runId: $id) { ... on Run { stepStats { stepKey status startTime endTime } } } }",
        id=run_id,
    )
    return [
        (
            s["stepKey"],
            s["status"] or "?",
            (s["endTime"] - s["startTime"]) if s["startTime"] and s["endTime"] else None,
        )
        for s in data["runOrError"]["stepStats"]
    ]


def scaled_out(
    s3: MotoS3, root: str, work: Path, first: date, last: date, timeout: float
) -> tuple[float, int, list]:
    port = free_port()
    pg_dir = Path(tempfile.mkdtemp(prefix="appops-bench-pg-"))
    log = (work / "prod.log").open("w")
    started = time.perf_counter()
    prod = start_prod(
        log,
        home=root,
        port=port,
        pg_port=free_port(),
        pg_dir=pg_dir,
        dagster_home=work / "dagster",
        workdir=work / "duckdb",
        env={**ENV, **s3.env},
    )

    def roots():
        found = [psutil.Process(prod.pid), psutil.Process(s3.process.pid)]
        found += [
            p for p in psutil.process_iter(["cmdline"]) if str(pg_dir) in " ".join(p.info["cmdline"] or [])
        ]
        return found

    try:
        with PeakMemory(roots) as memory:
            while not _loaded(port):
                if prod.poll() is not None:
                    raise SystemExit(f"prod exited, see {work / 'prod.log'}")
                time.sleep(2)
            launched = _gql(
                port,
                """mutation($p: ExecutionParams!) { launchRun(executionParams: $p) {
                __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }""",
                p={
                    "selector": {
                        "repositoryLocationName": "appops_lakehouse",
                        "repositoryName": "__repository__",
                        "jobName": "__ASSET_JOB",
                    },
                    "runConfigData": {},
                    "executionMetadata": {
                        "tags": [
                            {"key": "dagster/asset_partition_range_start", "value": str(first)},
                            {"key": "dagster/asset_partition_range_end", "value": str(last)},
                        ]
                    },
                },
            )
            if launched["launchRun"]["__typename"] != "LaunchRunSuccess":
                raise SystemExit(f"launch failed: {launched}")
            run_id = launched["launchRun"]["run"]["runId"]
            while True:
                if time.perf_counter() - started > timeout:
                    _print_steps("scaled out (stopped)", _graphql_steps(port, run_id))
                    raise SystemExit(f"scaled-out run stopped after {timeout:.0f} s, see {work / 'prod.log'}")
                status = _gql(
                    port, "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }", id=run_id
                )["runOrError"]["status"]
                if status in ("SUCCESS", "FAILURE", "CANCELED"):
                    break
                time.sleep(5)
        wall = time.perf_counter() - started
        steps = _graphql_steps(port, run_id)
        if status != "SUCCESS":
            _print_steps("scaled out (failed)", steps)
            raise SystemExit(f"scaled-out run {run_id} ended {status}, see {work / 'prod.log'}")
        return wall, memory.peak, steps
    finally:
        _stop_group(prod, grace=180)  # .ci/prod stops its servers and PostgreSQL on SIGTERM
        if (pg_dir / "postmaster.pid").exists():  # .ci/prod was killed before its clean-up
            subprocess.run(
                [sys.executable, "-m", "deploy.services", "postgres-stop", str(pg_dir)],
                cwd=REPO,
                env={**os.environ, "PYTHONPATH": str(REPO)},
                check=False,
            )
        log.close()


def compare(local: Path, remote: UPath) -> dict:
    """Per table: identical, or what differs (bench/compare_serving.py: lake, quarantine,
    committee reports, serving.duckdb and warehouse.duckdb)."""
    return compare_roots(UPath(str(local)), remote, warehouse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--end", type=date.fromisoformat, default=date(2025, 6, 30))
    parser.add_argument("--keep", default=None, help="folder to keep both roots in")
    parser.add_argument("--data", default=None, help="unused (embedded demo data)")
    parser.add_argument("--only", choices=["embedded", "scaled"], default=None)
    parser.add_argument("--compare", nargs=2, metavar=("LOCAL_ROOT", "OTHER_ROOT"), default=None)
    parser.add_argument("--timeout", type=float, default=4 * 3600, help="seconds per side")
    args = parser.parse_args()
    first = args.end - timedelta(days=args.days - 1)
    work = Path(args.keep or tempfile.mkdtemp(prefix="appops-scale-"))
    result: dict = {"days": args.days, "range": [str(first), str(args.end)]}
    if args.compare:
        _report(result, compare(Path(args.compare[0]), UPath(args.compare[1])))
        return
    local_root = work / "embedded" / "appops_home"
    if args.only in (None, "embedded"):
        wall, peak, steps = embedded(local_root, work / "embedded" / "dagster", first, args.end, args.timeout)
        _print_steps("embedded", steps)
        print(f"embedded   : {wall:7.1f} s  peak {peak / 2**20:6.0f} MiB", flush=True)
        result["embedded"] = _side(wall, peak, steps)
    if args.only in (None, "scaled"):
        with MotoS3() as s3:
            os.environ.update(s3.env)
            os.environ["APPOPS_WORKDIR"] = str(work / "compare")
            root = f"s3://{s3.bucket}/{uuid.uuid4().hex}"
            (work / "scaled").mkdir(parents=True, exist_ok=True)
            wall, peak, steps = scaled_out(s3, root, work / "scaled", first, args.end, args.timeout)
            _print_steps("scaled out", steps)
            print(f"scaled out : {wall:7.1f} s  peak {peak / 2**20:6.0f} MiB", flush=True)
            result["scaled_out"] = _side(wall, peak, steps)
            if args.only == "scaled":  # moto keeps nothing: copy the bucket for --compare
                UPath(root).fs.get(UPath(root).path, str(work / "s3_copy"), recursive=True)
            else:
                _report(result, compare(local_root, UPath(root)))
                return
    print("RESULT " + json.dumps(result))


def _side(wall: float, peak: int, steps: list) -> dict:
    timed = sorted((s for s in steps if s[2] is not None), key=lambda s: -s[2])
    return {
        "wall_s": round(wall, 1),
        "peak_mib": round(peak / 2**20),
        "steps": len(steps),
        "step_s_summed": round(sum(s[2] for s in timed), 1),
        "slowest": {key: round(seconds, 1) for key, _, seconds in timed[:5]},
    }


def _report(result: dict, report: dict) -> None:
    """The comparison as a table: lake files per asset, every warehouse and serving table."""
    per_asset: dict[str, list[int]] = {}
    print(f"\n{'table':<64} verdict")
    for name, verdict in report.items():
        if name.startswith("lake/"):
            counts = per_asset.setdefault(name.split("/")[1], [0, 0])
            counts[0] += 1
            counts[1] += verdict == "identical"
            if verdict != "identical":
                print(f"{name:<64} {verdict}")
    for asset, (files, same) in sorted(per_asset.items()):
        print(f"{'lake/' + asset:<64} {same}/{files} files identical")
    for name, verdict in report.items():
        if not name.startswith("lake/"):
            print(f"{name:<64} {verdict}")
    differ = {k: v for k, v in report.items() if v != "identical"}
    print(f"tables compared: {len(report)}, identical: {len(report) - len(differ)}")
    print(
        "RESULT "
        + json.dumps(
            {**result, "tables": len(report), "identical": len(report) - len(differ), "differ": differ}
        )
    )


if __name__ == "__main__":
    main()
