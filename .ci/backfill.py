"""Launch the demo range into a running Dagster webserver (GraphQL), in two parts:

1. a partition backfill of the lake (every daily asset whose inputs are all daily: raw data,
   checks, models, forecasts, indexes), which the daemon runs as one run (single-run policy);
2. when it has succeeded, one run of the warehouse over the same range: the dbt models (the
   staging models are unpartitioned), the daily marts, `serving.duckdb`, EOL alerts and the
   committee report, with their checks.

    python .ci/backfill.py URL FIRST LAST [--config-json JSON] [--wait]

Why two parts: an asset backfill never requests an asset below an unpartitioned one (the marts
sit below the unpartitioned staging models), so a backfill of "every partitioned asset" built
no warehouse and no BI file. One run of every asset over the range does, but Dagster records a
planned-materialisation event per asset and day before such a run starts, one SQLite commit
each: about 6,700 for 90 days, which took the webserver minutes. The warehouse part plans only
its own assets. Both parts show in the UI (Overview -> Backfills, Runs).

Why GraphQL: `dagster asset materialize` is superseded in Dagster 1.13 (its replacement,
`dg launch`, runs the assets in the calling process and needs the dg CLI). Waits for the
webserver and the code location to load first; `--wait` waits for the warehouse run too and
exits 1 unless everything succeeded (Ctrl-C or SIGTERM while waiting cancels what runs).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from datetime import date, timedelta

import httpx

JOB = "daily_lakehouse"  # sensors/jobs.py: every asset and check, by day or a range as one run
RANGE_START_TAG = "dagster/asset_partition_range_start"  # resources/calendar.py range_tags
RANGE_END_TAG = "dagster/asset_partition_range_end"
TERMINAL = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}
RUN_TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}
LOAD_TIMEOUT_S = 900  # a 2-core machine under load takes minutes to import the code location

LOCATIONS = """{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on PythonError { message }
  ... on RepositoryLocation { repositories { name } } } } } } }"""
ASSETS = "{ assetNodes { assetKey { path } isPartitioned dependencyKeys { path } } }"
LAUNCH = """mutation($p: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $p) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on Error { message } } }"""
CANCEL = """mutation($id: String!) { cancelPartitionBackfill(backfillId: $id) { __typename
  ... on Error { message } } }"""
STATUS = """query($id: String!) { partitionBackfillOrError(backfillId: $id) { __typename
  ... on PartitionBackfill { status runs(limit: 100) { id status } } ... on Error { message } } }"""
LAUNCH_RUN = """mutation($p: ExecutionParams!) { launchRun(executionParams: $p) { __typename
  ... on LaunchRunSuccess { run { runId } }
  ... on RunConfigValidationInvalid { errors { message } }
  ... on PythonError { message } ... on Error { message } } }"""
RUN_STATUS = """query($id: ID!) { runOrError(runId: $id) { __typename ... on Run { status }
  ... on PythonError { message } ... on RunNotFoundError { message } } }"""
TERMINATE = """mutation($id: String!) { terminateRun(runId: $id) { __typename
  ... on TerminateRunFailure { message } ... on PythonError { message } } }"""


def graphql(client: httpx.Client, url: str, query: str, variables: dict | None = None) -> dict:
    reply = client.post(f"{url}/graphql", json={"query": query, "variables": variables or {}})
    reply.raise_for_status()
    body = reply.json()
    if body.get("errors"):
        raise RuntimeError(f"GraphQL error from {url}: {body['errors']}")
    return body["data"]


def wait_until_loaded(client: httpx.Client, url: str) -> tuple[str, str]:
    """The webserver answers and every code location has loaded (or say why not); returns the
    first (location, repository)."""
    deadline = time.monotonic() + LOAD_TIMEOUT_S
    while True:
        try:
            entries = graphql(client, url, LOCATIONS)["workspaceOrError"].get("locationEntries")
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                errors = [
                    f"{e['name']}: {e['locationOrLoadError']['message']}"
                    for e in entries
                    if (e["locationOrLoadError"] or {}).get("__typename") == "PythonError"
                ]
                if errors:
                    raise SystemExit("code location failed to load:\n" + "\n".join(errors))
                repo = entries[0]["locationOrLoadError"]["repositories"][0]["name"]
                return entries[0]["name"], repo
        except (httpx.TransportError, httpx.HTTPStatusError):
            pass  # not listening yet
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not load the code location in {LOAD_TIMEOUT_S} s")
        time.sleep(2)


def split_assets(nodes: list[dict]) -> tuple[list[str], list[str]]:
    """(lake, warehouse) asset keys: the lake is every partitioned asset with no unpartitioned
    asset upstream; the warehouse is everything else (unpartitioned, or below one)."""
    deps = {
        "/".join(n["assetKey"]["path"]): ["/".join(d["path"]) for d in n["dependencyKeys"]] for n in nodes
    }
    partitioned = {"/".join(n["assetKey"]["path"]): n["isPartitioned"] for n in nodes}
    below: dict[str, bool] = {}

    def warehouse(key: str) -> bool:
        if key not in below:
            below[key] = False  # a cycle cannot occur in an asset graph; guards the recursion
            below[key] = not partitioned.get(key, True) or any(warehouse(d) for d in deps.get(key, []))
        return below[key]

    keys = sorted(deps)
    return [k for k in keys if not warehouse(k)], [k for k in keys if warehouse(k)]


def as_keys(keys: list[str]) -> list[dict]:
    return [{"path": k.split("/")} for k in keys]


def launch_backfill(client: httpx.Client, url: str, keys: list[str], first: date, last: date, config) -> str:
    days = [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
    params = {
        "assetSelection": as_keys(keys),
        "partitionNames": days,
        "title": f"demo {first}...{last}",
        "description": "The lake over the demo range (bash .ci/demo); the warehouse run follows.",
    }
    if config:
        params["runConfigData"] = config
    result = graphql(client, url, LAUNCH, {"p": params})["launchPartitionBackfill"]
    if result["__typename"] != "LaunchBackfillSuccess":
        raise SystemExit(f"backfill not launched ({result['__typename']}): {result.get('message')}")
    return result["backfillId"]


def launch_run(
    client: httpx.Client, url: str, where: tuple[str, str], keys: list[str], first: date, last: date
) -> str:
    params = {
        "selector": {
            "repositoryLocationName": where[0],
            "repositoryName": where[1],
            "jobName": JOB,
            "assetSelection": as_keys(keys),
        },
        "executionMetadata": {
            "tags": [
                {"key": RANGE_START_TAG, "value": first.isoformat()},
                {"key": RANGE_END_TAG, "value": last.isoformat()},
            ]
        },
    }
    result = graphql(client, url, LAUNCH_RUN, {"p": params})["launchRun"]
    if result["__typename"] != "LaunchRunSuccess":
        why = result.get("message") or "; ".join(e["message"] for e in result.get("errors", []))
        raise SystemExit(f"warehouse run not launched ({result['__typename']}): {why}")
    return result["run"]["runId"]


def poll(describe, every: float = 5.0, report_every: float = 60.0) -> bool:
    """Call ``describe(elapsed)`` every ``every`` seconds until it returns an outcome (True or
    False; None while running) with a line of text; print the text once a ``report_every``
    and at the end. Returns the outcome."""
    started, last_print = time.monotonic(), 0.0
    while True:
        elapsed = time.monotonic() - started
        outcome, text = describe(elapsed)
        if outcome is not None or elapsed - last_print >= report_every:
            print(text, flush=True)
            last_print = elapsed
        if outcome is not None:
            return outcome
        time.sleep(every)


def wait_for_backfill(client: httpx.Client, url: str, backfill_id: str) -> bool:
    def describe(elapsed: float) -> tuple[bool | None, str]:
        state = graphql(client, url, STATUS, {"id": backfill_id})["partitionBackfillOrError"]
        if state["__typename"] != "PartitionBackfill":
            raise SystemExit(f"backfill {backfill_id}: {state.get('message')}")
        runs = state["runs"]
        listed = ", ".join(f"{r['id'][:8]} {r['status']}" for r in runs) or "none yet"
        if state["status"] in TERMINAL and all(r["status"] in RUN_TERMINAL for r in runs):
            ok = state["status"] in ("COMPLETED", "COMPLETED_SUCCESS") and bool(runs)
            ok = ok and all(r["status"] == "SUCCESS" for r in runs)
            return ok, f"backfill {backfill_id}: {state['status']} after {elapsed:.0f} s, runs: {listed}"
        return None, f"backfill {backfill_id}: {state['status']}, {elapsed:.0f} s, runs: {listed}"

    return poll(describe)


def wait_for_run(client: httpx.Client, url: str, run_id: str) -> bool:
    def describe(elapsed: float) -> tuple[bool | None, str]:
        state = graphql(client, url, RUN_STATUS, {"id": run_id})["runOrError"]
        if state["__typename"] != "Run":
            raise SystemExit(f"run {run_id}: {state.get('message')}")
        if state["status"] in RUN_TERMINAL:
            ok = state["status"] == "SUCCESS"
            return ok, f"warehouse run {run_id[:8]}: {state['status']} after {elapsed:.0f} s"
        return None, f"warehouse run {run_id[:8]}: {state['status']}, {elapsed:.0f} s"

    return poll(describe)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url")
    parser.add_argument("first", type=date.fromisoformat)
    parser.add_argument("last", type=date.fromisoformat)
    parser.add_argument("--config-json", type=json.loads, default=None)
    parser.add_argument("--wait", action="store_true")
    args = parser.parse_args()
    url = args.url.rstrip("/")
    # Stopped while waiting (Ctrl-C, or SIGTERM from a script): cancel what runs rather than
    # leave it running without a UI.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with httpx.Client(timeout=300) as client:
        where = wait_until_loaded(client, url)
        lake, warehouse = split_assets(graphql(client, url, ASSETS)["assetNodes"])
        backfill_id = launch_backfill(client, url, lake, args.first, args.last, args.config_json)
        print(
            f"Backfill {args.first}...{args.last} launched: {url}/runs/b/{backfill_id}"
            f" (the asset graph: {url}/asset-groups); the warehouse run follows it",
            flush=True,
        )
        try:
            if not wait_for_backfill(client, url, backfill_id):
                sys.exit(1)
        except KeyboardInterrupt:
            result = graphql(client, url, CANCEL, {"id": backfill_id})["cancelPartitionBackfill"]
            print(f"backfill {backfill_id} cancelled: {result['__typename']}", flush=True)
            sys.exit(130)
        run_id = launch_run(client, url, where, warehouse, args.first, args.last)
        print(f"Warehouse run launched: {url}/runs/{run_id}", flush=True)
        if not args.wait:
            return
        try:
            sys.exit(0 if wait_for_run(client, url, run_id) else 1)
        except KeyboardInterrupt:
            result = graphql(client, url, TERMINATE, {"id": run_id})["terminateRun"]
            print(f"run {run_id[:8]} terminated: {result['__typename']}", flush=True)
            sys.exit(130)


if __name__ == "__main__":
    main()
