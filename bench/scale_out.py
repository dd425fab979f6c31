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

from deploy.services import MotoS3, free_port

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


def embedded(root: Path, home: Path, first: date, last: date) -> tuple[float, int]:
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text(INSTANCE)
    env = {**os.environ, **ENV, "APPOPS_HOME": str(root), "DAGSTER_HOME": str(home)}
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
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    ps = psutil.Process(proc.pid)
    with PeakMemory(lambda: [ps]) as memory:
        _, err = proc.communicate()
    if proc.returncode:
        raise SystemExit(f"embedded run failed:\n{err[-4000:]}")
    return time.perf_counter() - started, memory.peak


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


def scaled_out(s3: MotoS3, root: str, work: Path, first: date, last: date) -> tuple[float, int]:
    port = free_port()
    pg_dir = Path(tempfile.mkdtemp(prefix="appops-bench-pg-"))
    env = {
        **os.environ,
        **ENV,
        **s3.env,
        "APPOPS_HOME": root,
        "APPOPS_SETUP": "0",
        "PORT": str(port),
        "APPOPS_CODE_PORT": str(free_port()),
        "APPOPS_PG_PORT": str(free_port()),
        "APPOPS_PG_DIR": str(pg_dir),
        "DAGSTER_HOME": str(work / "dagster"),
        "APPOPS_WORKDIR": str(work / "duckdb"),
    }
    env.pop("DAGSTER_PG_HOST", None)
    log = (work / "prod.log").open("w")
    started = time.perf_counter()
    prod = subprocess.Popen(
        ["bash", str(REPO / ".ci" / "prod")],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
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
                status = _gql(
                    port, "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }", id=run_id
                )["runOrError"]["status"]
                if status in ("SUCCESS", "FAILURE", "CANCELED"):
                    break
                time.sleep(5)
        wall = time.perf_counter() - started
        if status != "SUCCESS":
            raise SystemExit(f"scaled-out run {run_id} ended {status}, see {work / 'prod.log'}")
        return wall, memory.peak
    finally:
        os.killpg(prod.pid, signal.SIGTERM)
        prod.wait(timeout=180)
        log.close()


def compare(local: Path, remote: UPath) -> dict:
    """Per table: identical, or the columns that differ (bench/compare_serving.py)."""
    return compare_roots(UPath(str(local)), remote)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--end", type=date.fromisoformat, default=date(2025, 6, 30))
    parser.add_argument("--keep", default=None, help="folder to keep both roots in")
    parser.add_argument("--data", default=None, help="unused (embedded demo data)")
    parser.add_argument("--only", choices=["embedded", "scaled"], default=None)
    parser.add_argument("--compare", nargs=2, metavar=("LOCAL_ROOT", "OTHER_ROOT"), default=None)
    args = parser.parse_args()
    first = args.end - timedelta(days=args.days - 1)
    work = Path(args.keep or tempfile.mkdtemp(prefix="appops-scale-"))
    result: dict = {"days": args.days, "range": [str(first), str(args.end)]}
    if args.compare:
        _report(result, compare(Path(args.compare[0]), UPath(args.compare[1])))
        return
    local_root = work / "embedded" / "appops_home"
    if args.only in (None, "embedded"):
        local_wall, local_peak = embedded(local_root, work / "embedded" / "dagster", first, args.end)
        print(f"embedded   : {local_wall:7.1f} s  peak {local_peak / 2**20:6.0f} MiB", flush=True)
        result["embedded"] = {"wall_s": round(local_wall, 1), "peak_mib": round(local_peak / 2**20)}
    if args.only in (None, "scaled"):
        with MotoS3() as s3:
            os.environ.update(s3.env)
            os.environ["APPOPS_WORKDIR"] = str(work / "compare")
            root = f"s3://{s3.bucket}/{uuid.uuid4().hex}"
            (work / "scaled").mkdir(parents=True, exist_ok=True)
            prod_wall, prod_peak = scaled_out(s3, root, work / "scaled", first, args.end)
            print(f"scaled out : {prod_wall:7.1f} s  peak {prod_peak / 2**20:6.0f} MiB", flush=True)
            result["scaled_out"] = {"wall_s": round(prod_wall, 1), "peak_mib": round(prod_peak / 2**20)}
            if args.only == "scaled":  # moto keeps nothing: copy the bucket for --compare
                UPath(root).fs.get(UPath(root).path, str(work / "s3_copy"), recursive=True)
            else:
                _report(result, compare(local_root, UPath(root)))
                return
    print("RESULT " + json.dumps(result))


def _report(result: dict, report: dict) -> None:
    differ = {k: v for k, v in report.items() if v != "identical"}
    for name, verdict in differ.items():
        print(f"  {name:<60} {verdict}")
    print(f"tables compared: {len(report)}, identical: {len(report) - len(differ)}")
    print(
        "RESULT "
        + json.dumps(
            {**result, "tables": len(report), "identical": len(report) - len(differ), "differ": differ}
        )
    )


if __name__ == "__main__":
    main()
